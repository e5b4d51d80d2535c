"""The server side: MCP connections, what the client does for servers, and the tools they offer."""
