"""The simulated model behind ``--offline``: no LLM, a fixed and visible behaviour.

For each message you send, it calls the tool you name in it (filling required
arguments from the rest of your message), then tells you what the tool
answered. Naming no tool gets a short reply listing the tools. It is a
simulation for demos and tests: the tool calls and their results are real, the
"model" is not.
"""

from __future__ import annotations

import json
import re
from typing import Any

from argo_mcp_client.testing import ScriptedModel, ScriptedReply, ScriptedRequest, call, reply

_CUT = 300


def simulated_model() -> ScriptedModel:
    """A scripted model following the simulation's rules, streaming a few characters at a time."""
    return ScriptedModel(respond, chunk_size=4)


def respond(request: ScriptedRequest) -> ScriptedReply:
    """The simulated model's answer to one chat-completion request."""
    messages = request.messages
    last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=-1)
    said = _text(messages[last_user]["content"]) if last_user >= 0 else ""
    asked = sum(1 for m in messages if m["role"] == "user")
    results = [m for m in messages[last_user + 1 :] if m["role"] == "tool"]
    if results:
        answer = _text(results[-1]["content"])
        if len(answer) > _CUT:
            answer = answer[:_CUT] + "..."
        return reply(f"(simulated) The tool answered: {answer} [message {asked} of this conversation]")
    tool = _named_tool(request.tools, said)
    if tool is None:
        names = ", ".join(request.tool_names) or "none"
        return reply(
            f"(simulated) You said: {said[:_CUT]!r}. Name a tool to have it called; the tools are: {names}. "
            f"[message {asked} of this conversation]"
        )
    name = tool["function"]["name"]
    rest = re.sub(rf"^.*?\b{re.escape(name)}\b\s*", "", said, count=1, flags=re.DOTALL).strip()
    return ScriptedReply(tool_calls=(call(name, _arguments(tool["function"]["parameters"], rest)),))


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _named_tool(tools: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    found: list[tuple[int, dict[str, Any]]] = []
    for tool in tools:
        match = re.search(rf"\b{re.escape(tool['function']['name'])}\b", text)
        if match:
            found.append((match.start(), tool))
    return min(found, key=lambda item: item[0])[1] if found else None


def _arguments(schema: dict[str, Any], text: str) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    arguments: dict[str, Any] = {}
    for name in schema.get("required") or []:
        arguments[name] = _value(properties.get(name) or {}, text)
    return arguments


def _value(schema: dict[str, Any], text: str) -> Any:
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind in ("integer", "number"):
        number = re.search(r"-?\d+(\.\d+)?", text)
        if number:
            return json.loads(number.group()) if kind == "number" else int(float(number.group()))
        return 0
    empty: dict[str, Any] = {"boolean": False, "array": [], "object": {}}
    return empty.get(str(kind), text)
