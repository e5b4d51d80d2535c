"""Tool calling through the prompt, for models whose native tool calling cannot be relied on.

Some models behind Argo (Gemini through argo-bridge, or the gateway's native mode) either
ignore the ``tools`` field or return calls the gateway mangles. For them the client can
describe the tools in the system prompt and read the calls back out of the reply text.
The format is the one argo-bridge already teaches Gemini, so a model that has seen one
sees the same thing from the other. The model calls a tool by writing::

    <tool_call>
    {"name": "get_weather", "arguments": {"location": "Paris"}}
    </tool_call>

one block per call, several blocks for parallel calls. Because such a model must never be
sent ``tool_calls`` or ``role: "tool"`` messages, the history is rewritten into plain text:
an assistant turn that called tools becomes its text followed by the blocks it would have
written, and each tool result becomes a user message holding::

    <tool_result name="get_weather" id="call_1">
    ...the tool's output...
    </tool_result>

Everything here is pure: it turns messages into messages and text into calls.
"""

from __future__ import annotations

import copy
import dataclasses
import html
import json
import re
from typing import TYPE_CHECKING, Any

from argo_mcp_client._models.reply import ModelReply, ToolCallRequest, with_unique_ids

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["decode_model_reply", "decode_reply", "encode_messages", "tools_prompt"]

_RULES = """\
To call a tool, write a block of exactly this form, with nothing else inside it:

<tool_call>
{"name": "tool_name", "arguments": {"argument_name": "value"}}
</tool_call>

Rules:
- Write one <tool_call> block per call. To make several calls at once, write several blocks \
one after another; they run in parallel, so group only calls that do not depend on each other.
- "name" must be one of the tool names listed above, spelled exactly.
- "arguments" must be a JSON object that matches the tool's parameters; use {} when it takes none.
- After your tool calls, stop. The results come back in the next message as \
<tool_result name="..." id="..."> blocks.
- Never write <tool_result> blocks yourself, and never invent or guess a tool's result.
- When no tool is needed, answer in plain text without any <tool_call> block."""

# Tags are matched loosely (case, inner spaces) since models retype them by hand. A body may
# not contain another opening tag, so an unclosed block cannot swallow the next one; only
# the last block may run to the end of the text without its closing tag (a cut-off reply).
_BLOCK = re.compile(
    r"<\s*tool_call\s*>((?:(?!<\s*tool_call\s*>).)*?)(?:<\s*/\s*tool_call\s*>|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_FENCE = re.compile(r"\A```[\w-]*[ \t]*\n?(.*?)\n?```\Z", re.DOTALL)
_OPENING_FENCE = re.compile(r"```[\w-]*\s*\Z")
_CLOSING_FENCE = re.compile(r"\A\s*```")
# "<" only ever appears inside JSON strings, where \u003c means the same character; escaping it
# before a tag name keeps an argument such as "</tool_call>" from closing the block early.
_TAG_IN_JSON = re.compile(r"<(?=\s*/?\s*tool_call)", re.IGNORECASE)
_ESCAPED_LT = r"\\u003c"  # a replacement template: a literal backslash, then u003c


def tools_prompt(tools: Sequence[dict[str, Any]]) -> str:
    """System-prompt text listing ``tools`` (OpenAI function format) and how to call them."""
    lines = [
        "# Tools",
        "",
        "You can call the tools below. Each line describes one tool as JSON: its name, "
        "what it does, and the JSON Schema of its arguments.",
        "",
    ]
    for tool in tools:
        spec = tool.get("function", tool)  # a bare function spec is accepted as well
        entry = {key: spec[key] for key in ("name", "description", "parameters") if key in spec}
        lines.append(json.dumps(entry, ensure_ascii=False))
    if not tools:
        lines.append("(no tools are available)")
    return "\n".join(lines) + "\n\n" + _RULES


def encode_messages(
    messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The OpenAI-format history rewritten for a model without native tool calling.

    The tools prompt joins the first system message (or a new one goes first; with no
    tools there is no prompt). Assistant tool calls become ``<tool_call>`` blocks after the
    assistant's text, and tool results become user messages of ``<tool_result>`` blocks,
    consecutive results sharing one message. The result has no ``tool_calls`` and no
    ``tool`` role; ``messages`` is left untouched.
    """
    out: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # call id -> tool name, since tool messages rarely carry the name
    results: list[str] = []

    def flush_results() -> None:
        if results:
            out.append({"role": "user", "content": "\n\n".join(results)})
            results.clear()

    for message in messages:
        role = message.get("role")
        if role == "tool":
            call_id = str(message.get("tool_call_id") or "")
            results.append(_result_block(message.get("name") or names.get(call_id), call_id, message))
            continue
        flush_results()
        if role == "assistant" and message.get("tool_calls"):
            blocks = []
            for call in message["tool_calls"]:
                function = call.get("function") or {}
                name = str(function.get("name") or "")
                if call.get("id"):
                    names[str(call["id"])] = name
                blocks.append(_call_block(name, function.get("arguments")))
            text = _text_of(message.get("content")).strip()
            rewritten = {k: copy.deepcopy(v) for k, v in message.items() if k != "tool_calls"}
            rewritten["content"] = "\n\n".join([text, "\n".join(blocks)] if text else blocks)
            out.append(rewritten)
        else:
            out.append(copy.deepcopy(message))
    flush_results()

    if tools:
        _add_to_system(out, tools_prompt(tools))
    return out


def decode_reply(text: str | None) -> tuple[str | None, list[ToolCallRequest]]:
    """Split a reply into its plain text (``None`` if nothing is left) and its tool calls, in order.

    A block is a call only when its body is a JSON object with a non-empty string
    ``name``; anything else is left in the text as the model wrote it.
    """
    if not text:
        return None, []
    calls: list[ToolCallRequest] = []
    pieces: list[str] = []
    position = 0
    for match in _BLOCK.finditer(text):
        call = _parse_call(match.group(1))
        if call is None:
            continue
        pieces.append(text[position : match.start()])
        position = match.end()
        calls.append(call)
    if not calls:
        return (text.strip() or None), []
    pieces.append(text[position:])
    kept = [piece.strip() for piece in _drop_emptied_fences(pieces)]
    return ("\n\n".join(piece for piece in kept if piece) or None), list(with_unique_ids(calls))


def decode_model_reply(reply: ModelReply) -> ModelReply:
    """``reply`` with the tool calls written in its text turned into real ones.

    A reply that already has native calls keeps them, and only loses the blocks from its
    text: argo-bridge sends both the parsed calls and the raw blocks as content, and
    counting them twice would run every call twice.
    """
    text, calls = decode_reply(reply.content)
    if not calls:
        return reply
    if reply.tool_calls:
        return dataclasses.replace(reply, content=text)
    return dataclasses.replace(reply, content=text, tool_calls=tuple(calls), finish_reason="tool_calls")


def _drop_emptied_fences(pieces: list[str]) -> list[str]:
    """``pieces`` (the text between calls) without the code fences that held nothing but calls.

    Models often fence their blocks as code; once the calls are taken out, such a fence
    would be left empty around the gap.
    """
    out = list(pieces)
    i = 0
    while i < len(out) - 1:
        j = i + 1
        while j < len(out) - 1 and not out[j].strip():
            j += 1
        opening = _OPENING_FENCE.search(out[i])
        closing = _CLOSING_FENCE.match(out[j])
        # After an odd number of fences, the one ending out[i] closes a code block, not opens one.
        if opening and closing and ("".join(out[:i]) + out[i][: opening.start()]).count("```") % 2 == 0:
            out[i] = out[i][: opening.start()]
            out[j] = out[j][closing.end() :]
        i = j
    return out


def _call_block(name: str, arguments: Any) -> str:
    parsed: Any = {}
    if isinstance(arguments, str) and arguments.strip():
        try:
            parsed = json.loads(arguments)
        except ValueError:
            parsed = arguments  # shown as sent, so the model sees what it actually wrote
    elif arguments is not None and not isinstance(arguments, str):
        parsed = arguments
    body = _TAG_IN_JSON.sub(_ESCAPED_LT, json.dumps({"name": name, "arguments": parsed}, ensure_ascii=False))
    return f"<tool_call>\n{body}\n</tool_call>"


def _result_block(name: Any, call_id: str, message: dict[str, Any]) -> str:
    attributes = f'name="{html.escape(str(name))}" ' if name else ""
    attributes += f'id="{html.escape(call_id)}"'
    return f"<tool_result {attributes}>\n{_text_of(message.get('content'))}\n</tool_result>"


def _parse_call(body: str) -> ToolCallRequest | None:
    body = body.strip()
    if fenced := _FENCE.match(body):
        body = fenced.group(1).strip()
    try:
        # strict=False lets raw newlines inside strings through, which models write often.
        data = json.loads(body, strict=False)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    arguments = data["arguments"] if "arguments" in data else data.get("parameters")
    return ToolCallRequest(id="", name=name.strip(), arguments=_arguments_json(arguments))


def _arguments_json(arguments: Any) -> str:
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return "{}"
    if isinstance(arguments, str):
        raw = arguments
        try:
            arguments = json.loads(raw)
        except ValueError:
            # Passed on as written: the dispatcher reports arguments that are not JSON back
            # to the model, which is how it learns to fix them.
            return raw
    return json.dumps(arguments, ensure_ascii=False)


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))
    return str(content)


def _add_to_system(messages: list[dict[str, Any]], prompt: str) -> None:
    for message in messages:
        if message.get("role") != "system":
            continue
        content = message.get("content")
        if isinstance(content, list):
            message["content"] = [*content, {"type": "text", "text": prompt}]
        else:
            existing = _text_of(content).rstrip()
            message["content"] = f"{existing}\n\n{prompt}" if existing else prompt
        return
    messages.insert(0, {"role": "system", "content": prompt})
