"""A bare JSON-RPC MCP server over stdio, written without an SDK, to send what SDK servers cannot.

Flags:
  --schemaless   list a tool whose input schema is only ``{"$schema": ...}`` (as server-gitlab does)
  --junk         print lines that are not JSON-RPC to stdout, endlessly, instead of answering
  --linger       keep running after stdin closes (as servers with other work going on do)
"""

from __future__ import annotations

import json
import sys
import time

SCHEMALESS = {"$schema": "http://json-schema.org/draft-07/schema#"}


def send(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    if "--junk" in sys.argv:
        print("raw_server: starting up, please wait", file=sys.stderr, flush=True)
        for n in range(100_000):
            sys.stdout.write(f"Loading plugin {n}...\n")
            sys.stdout.flush()
            time.sleep(0.001)
        return
    for line in sys.stdin:
        request = json.loads(line)
        method, ident = request.get("method"), request.get("id")
        if ident is None:
            continue
        if method == "initialize":
            result: dict[str, object] = {
                "protocolVersion": "2025-11-25",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "raw", "version": "1"},
            }
        elif method == "tools/list":
            result = {
                "tools": [
                    {"name": "whoami", "description": "No arguments", "inputSchema": dict(SCHEMALESS)},
                    {
                        "name": "echo",
                        "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}},
                    },
                ]
            }
        elif method == "tools/call":
            params = request.get("params") or {}
            text = json.dumps(params.get("arguments") or {})
            result = {"content": [{"type": "text", "text": f"{params.get('name')} {text}"}]}
        elif method == "ping":
            result = {}
        else:
            send({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "Method not found"}})
            continue
        send({"jsonrpc": "2.0", "id": ident, "result": result})
    if "--linger" in sys.argv:
        while True:
            time.sleep(60)


if __name__ == "__main__":
    main()
