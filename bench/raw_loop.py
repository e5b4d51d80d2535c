"""The floor: a hand-written minimal tool loop on the openai SDK and mcp's ``Client``.

No validation, retries, naming or schema conversion: ask the model, run every call of the
turn with ``asyncio.gather``, send the results back, until it answers. Streamed replies are
assembled by index, as the OpenAI stream shape asks.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, cast

import mcp
import openai

if TYPE_CHECKING:
    from types import TracebackType


class RawLoop:
    """One openai client and one MCP session; ``run`` is one conversation."""

    def __init__(self, *, base_url: str, model: str, server: mcp.StdioServerParameters, stream: bool) -> None:
        self._openai = openai.AsyncOpenAI(base_url=base_url, api_key="not-needed", max_retries=0)
        self._mcp = mcp.Client(server)
        self._model = model
        self._stream = stream
        self.tools: list[dict[str, Any]] = []

    async def __aenter__(self) -> RawLoop:
        await self._mcp.__aenter__()
        listed = await self._mcp.list_tools()
        self.tools = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description or "",
                    "parameters": t.input_schema,
                },
            }
            for t in listed.tools
        ]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._mcp.__aexit__(exc_type, exc, tb)
        await self._openai.close()

    async def _call(self, call: dict[str, Any]) -> dict[str, Any]:
        function = call["function"]
        result = await self._mcp.call_tool(function["name"], json.loads(function["arguments"] or "{}"))
        text = "".join(getattr(block, "text", "") for block in result.content)
        return {"role": "tool", "tool_call_id": call["id"], "content": text}

    async def _ask(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        if not self._stream:
            reply = await self._openai.chat.completions.create(
                model=self._model, messages=cast("Any", messages), tools=cast("Any", self.tools)
            )
            return reply.choices[0].message.model_dump(exclude_none=True)
        stream = await self._openai.chat.completions.create(
            model=self._model,
            messages=cast("Any", messages),
            tools=cast("Any", self.tools),
            stream=True,
            stream_options={"include_usage": True},
        )
        content: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        async for chunk in stream:
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    content.append(delta.content)
                for fragment in delta.tool_calls or ():
                    call = calls.setdefault(
                        fragment.index,
                        {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                    )
                    if fragment.id:
                        call["id"] = fragment.id
                    if fragment.function and fragment.function.name:
                        call["function"]["name"] = fragment.function.name
                    if fragment.function and fragment.function.arguments:
                        call["function"]["arguments"] += fragment.function.arguments
        message: dict[str, Any] = {"role": "assistant", "content": "".join(content) or None}
        if calls:
            message["tool_calls"] = [calls[i] for i in sorted(calls)]
        return message

    async def run(self, prompt: str, *, max_turns: int = 10) -> tuple[str, list[dict[str, Any]]]:
        """The final answer and the whole history."""
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
        for _ in range(max_turns):
            message = await self._ask(messages)
            messages.append(message)
            calls = message.get("tool_calls")
            if not calls:
                return str(message.get("content") or ""), messages
            messages.extend(await asyncio.gather(*(self._call(call) for call in calls)))
        raise RuntimeError("raw loop: too many turns")
