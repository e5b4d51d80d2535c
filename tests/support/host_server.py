"""An in-process MCP server that asks things of its client: sampling, elicitation, roots, logs, progress.

Server-to-client requests need the handshake era, so tests connect to it with
``protocol="legacy"``.
"""

from __future__ import annotations

import base64

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import SamplingMessage, TextContent
from pydantic import BaseModel


class Confirmation(BaseModel):
    proceed: bool
    reason: str = ""


def host_server() -> MCPServer:
    server = MCPServer("host-features")

    @server.resource("notes://readme", mime_type="text/markdown")
    def readme() -> str:
        """How to use the lab."""
        return "# Lab notes\nUse glucose."

    @server.resource("notes://logo", mime_type="image/png")
    def logo() -> bytes:
        """A tiny logo."""
        return b"\x89PNG\r\n"

    @server.prompt()
    def review_model(model_id: str) -> str:
        """Ask for a review of a model."""
        return f"Please review the metabolic model {model_id} and list its gaps."

    @server.tool()
    async def summarise(text: str, ctx: Context) -> str:
        """Ask the client's model to summarise text (sampling)."""
        result = await ctx.session.create_message(
            [SamplingMessage(role="user", content=TextContent(type="text", text=f"Summarise: {text}"))],
            max_tokens=50,
            system_prompt="You write one-line summaries.",
        )
        content = result.content
        return content.text if isinstance(content, TextContent) else str(content)

    @server.tool()
    async def confirm_delete(model_id: str, ctx: Context) -> str:
        """Ask the user before deleting (elicitation)."""
        answer = await ctx.elicit(f"Delete {model_id}?", Confirmation)
        if answer.action != "accept":
            return f"not deleted ({answer.action})"
        return f"deleted {model_id}" if answer.data.proceed else f"kept {model_id}: {answer.data.reason}"

    @server.tool()
    async def where_can_i_write(ctx: Context) -> list[str]:
        """The client's roots."""
        roots = await ctx.session.list_roots()
        return [str(root.uri) for root in roots.roots]

    @server.tool()
    async def long_job(steps: int, ctx: Context) -> str:
        """Reports progress and logs while it works."""
        await ctx.info("starting the long job")
        for step in range(1, steps + 1):
            await ctx.report_progress(step, steps, f"step {step}")
        return "job done"

    @server.tool()
    async def grow(ctx: Context) -> str:
        """Adds a tool, and tells the client its tools changed."""

        def grown() -> str:
            """A tool that did not exist at the start."""
            return "I am new"

        server.add_tool(grown)
        await ctx.session.send_tool_list_changed()
        return "grew a tool"

    return server


def png_bytes() -> bytes:
    return base64.b64decode(base64.b64encode(b"\x89PNG\r\n"))
