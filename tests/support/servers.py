"""In-process MCP servers for the unit tests, built on the SDK's MCPServer."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp.server import Server, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    ImageContent,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
)
from pydantic import BaseModel, Field


class Address(BaseModel):
    city: str
    zip_code: str | None = None


class Person(BaseModel):
    name: str = Field(description="Full name")
    age: int = Field(ge=0)
    address: Address


@dataclass
class ToolLog:
    """What the test server's tools were called with, so tests can tell whether a tool ran."""

    calls: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    arrived: dict[str, anyio.Event] = field(default_factory=dict)

    def event(self, name: str) -> anyio.Event:
        return self.arrived.setdefault(name, anyio.Event())


def tool_server(log: ToolLog, name: str = "lab") -> MCPServer:
    """A server whose tools cover what the loop must handle: plain, failing, slow, concurrent, images."""
    server = MCPServer(name)

    @server.tool()
    async def add(a: int, b: int) -> int:
        """Add two integers."""
        log.calls.append(("add", {"a": a, "b": b}))
        return a + b

    @server.tool()
    async def echo(text: str) -> str:
        """Return the text unchanged."""
        log.calls.append(("echo", {"text": text}))
        return text

    @server.tool()
    async def register(person: Person) -> dict[str, str]:
        """Register a person (nested arguments)."""
        log.calls.append(("register", {"person": person.model_dump()}))
        return {"greeting": f"Hello {person.name} from {person.address.city}"}

    @server.tool()
    async def fail(reason: str) -> str:
        """Always fails with the given reason."""
        log.calls.append(("fail", {"reason": reason}))
        raise ToolError(reason)

    @server.tool()
    async def ping() -> str:
        """Takes no arguments."""
        log.calls.append(("ping", {}))
        return "pong"

    @server.tool()
    async def rendezvous(me: str, partner: str) -> str:
        """Announce arrival, then wait for the partner call to arrive too.

        Two such calls finish only if they run at the same time: run one
        after the other, the first waits for a partner that never comes.
        """
        log.calls.append(("rendezvous", {"me": me, "partner": partner}))
        log.event(me).set()
        with anyio.fail_after(5):
            await log.event(partner).wait()
        return f"{me} met {partner}"

    @server.tool()
    async def wait_for(gate: str, value: str) -> str:
        """Return ``value`` once the test opens ``gate``: lets a test order finishing calls."""
        log.calls.append(("wait_for", {"gate": gate, "value": value}))
        log.event(f"started:{value}").set()
        await log.event(gate).wait()
        return value

    @server.tool()
    async def hang() -> str:
        """Never returns."""
        log.calls.append(("hang", {}))
        log.event("hang").set()
        await anyio.sleep_forever()
        return "unreachable"

    @server.tool()
    async def picture() -> list[TextContent | ImageContent]:
        """A caption and a tiny image."""
        data = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
        return [
            TextContent(type="text", text="a black square"),
            ImageContent(type="image", data=data, mime_type="image/png"),
        ]

    return server


def paged_server(pages: list[list[str]]) -> Server[Any]:
    """A low-level server listing its tools in ``pages``, one page per tools/list request."""

    async def list_tools(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        index = int(params.cursor) if params is not None and params.cursor else 0
        tools = [Tool(name=name, input_schema={"type": "object", "properties": {}}) for name in pages[index]]
        next_cursor = str(index + 1) if index + 1 < len(pages) else None
        return ListToolsResult(tools=tools, next_cursor=next_cursor)

    async def call_tool(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text=f"called {params.name}")])

    return Server("paged", on_list_tools=list_tools, on_call_tool=call_tool)


def flux_table(rows: int, seed: int = 0) -> dict[str, Any]:
    """A flux table as big as asked: ``rows`` reactions, each with a flux; deterministic."""
    return {
        "model_id": f"model{seed}",
        "status": "optimal",
        "fluxes": {
            f"rxn{i:05d}": round(((i * 7919 + seed * 104729) % 20011) / 1000 - 10, 3) for i in range(rows)
        },
    }


def big_results_server(*, tools: int = 0, description: str = "") -> Server[Any]:
    """A low-level server whose ``flux_table`` returns as much JSON as asked; and ``tools`` more tools."""
    listed = [
        Tool(
            name="flux_table",
            description="A table of fluxes, one per reaction.",
            input_schema={
                "type": "object",
                "properties": {"rows": {"type": "integer"}, "seed": {"type": "integer"}},
                "required": ["rows"],
            },
        ),
        *(
            Tool(
                name=f"extra_{i}",
                description=f"extra tool {i}. {description}",
                input_schema={"type": "object"},
            )
            for i in range(tools)
        ),
    ]

    async def list_tools(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return ListToolsResult(tools=listed)

    async def call_tool(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        arguments = dict(params.arguments or {})
        if params.name == "flux_table":
            table = flux_table(int(arguments["rows"]), int(arguments.get("seed", 0)))
            return CallToolResult(content=[TextContent(type="text", text=json.dumps(table))])
        return CallToolResult(content=[TextContent(type="text", text=f"called {params.name}")])

    return Server("fluxes", on_list_tools=list_tools, on_call_tool=call_tool)
