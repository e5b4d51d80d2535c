"""A scripted OpenAI-compatible chat-completions server, run in its own process.

Raw asyncio HTTP/1.1 with keep-alive, so the stub costs little next to what is measured.
Stateless: a request whose history holds no tool result is answered with tool calls, one
that holds tool results with a final answer quoting them (so the answer proves the tools
ran and their results came back). The last user message sets the script::

    bench calls=N chunks=M delay=S nonce=X

``calls`` parallel ``echo`` calls (0: answer at once), the final answer cut into ``chunks``
stream chunks, each call sleeping ``delay`` seconds in the tool. Every reply carries usage.
``GET /stats`` returns the requests and tool results seen so far, as JSON.

Run as ``python -m bench.stub``; it prints the port on stdout, then serves until killed.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

_USAGE = {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.tool_results = 0


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _script(messages: list[dict[str, Any]]) -> dict[str, str]:
    prompt = next((_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    fields = dict(word.split("=", 1) for word in prompt.split() if "=" in word)
    return {"calls": "1", "chunks": "1", "delay": "0", "nonce": "x"} | fields


def completion(body: dict[str, Any], stats: Stats) -> dict[str, Any]:
    """The non-streamed reply to ``body``."""
    messages = body.get("messages") or []
    script = _script(messages)
    results = [_text(m.get("content")) for m in messages if m.get("role") == "tool"]
    stats.tool_results += len(results)
    calls = int(script["calls"])
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if results or calls == 0:
        message["content"] = (
            "done " + "|".join(results)
            if results
            else f"answer {script['nonce']} " + "." * 4 * int(script["chunks"])
        )
        finish = "stop"
    else:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {
                    "name": "echo",
                    "arguments": json.dumps(
                        {"text": f"{script['nonce']}-{i}", "delay": float(script["delay"])}
                    ),
                },
            }
            for i in range(calls)
        ]
        finish = "tool_calls"
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "bench"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": _USAGE,
    }


def stream_body(reply: dict[str, Any], chunks: int, include_usage: bool) -> bytes:
    """``reply`` as server-sent events: the content in ``chunks`` pieces, each call in two."""
    base = {k: reply[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    choice = reply["choices"][0]
    message = choice["message"]

    def event(delta: dict[str, Any], finish: str | None = None) -> str:
        data = base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(data)}\n\n"

    events = [event({"role": "assistant", "content": ""})]
    content = message.get("content") or ""
    if content:
        pieces = max(1, chunks)
        padded = content + " " * (-len(content) % pieces)
        size = len(padded) // pieces
        events += [event({"content": padded[i : i + size]}) for i in range(0, len(padded), size)]
    for index, call in enumerate(message.get("tool_calls") or ()):
        head = {"index": index, "id": call["id"], "type": "function"}
        events.append(event({"tool_calls": [head | {"function": {"name": "echo", "arguments": ""}}]}))
        args = call["function"]["arguments"]
        events.append(event({"tool_calls": [{"index": index, "function": {"arguments": args}}]}))
    events.append(event({}, choice["finish_reason"]))
    if include_usage:
        events.append(f"data: {json.dumps(base | {'choices': [], 'usage': _USAGE})}\n\n")
    events.append("data: [DONE]\n\n")
    return "".join(events).encode()


def _response(status: str, content_type: str, payload: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(payload)}\r\nconnection: keep-alive\r\n\r\n"
    )
    return head.encode() + payload


def handle(method: str, path: str, raw: bytes, stats: Stats) -> bytes:
    if method == "GET" and path.endswith("/stats"):
        data = {"requests": stats.requests, "tool_results": stats.tool_results}
        return _response("200 OK", "application/json", json.dumps(data).encode())
    if method != "POST" or not path.endswith("/chat/completions"):
        return _response("404 Not Found", "application/json", b'{"error": {"message": "not found"}}')
    stats.requests += 1
    body = json.loads(raw)
    reply = completion(body, stats)
    if not body.get("stream"):
        return _response("200 OK", "application/json", json.dumps(reply).encode())
    chunks = int(_script(body.get("messages") or [])["chunks"])
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    return _response("200 OK", "text/event-stream", stream_body(reply, chunks, include_usage))


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Stats) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            raw = await reader.readexactly(length) if length else b""
            writer.write(handle(method, path, raw, stats))
            await writer.drain()
    finally:
        writer.close()


async def _main() -> None:
    stats = Stats()
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(r, w, stats), host="127.0.0.1", port=0, backlog=512
    )
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_main())
