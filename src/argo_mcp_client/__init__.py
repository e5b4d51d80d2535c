"""argo-mcp-client: an OpenAI-compatible model (through the Argo gateway) in front of MCP tool servers.

```python
from argo_mcp_client import ArgoMCPClient, StdioServer

async with ArgoMCPClient(servers=[StdioServer(name="tools", command="my-mcp-server")]) as client:
    result = await client.run("What can you do?")
```
"""

import importlib
from typing import TYPE_CHECKING, Any

# The public names load on first use (PEP 562), so that `import argo_mcp_client.cli` (and so
# `argo-mcp --help`) does not import openai and mcp. Type checkers read the imports below; at run
# time `_HOMES` says where each name lives. tests/unit/test_public_api.py checks the two agree.
if TYPE_CHECKING:
    from argo_mcp_client._mcp.host import Elicit, ElicitationRequest
    from argo_mcp_client._mcp.info import PromptInfo, ResourceContent, ResourceInfo, ServerStatus
    from argo_mcp_client._mcp.registry import ToolInfo
    from argo_mcp_client._mcp.schema.convert import SchemaChange, SchemaLimits, SchemaReport
    from argo_mcp_client._models.breaker import BreakerSettings, CircuitBreaker
    from argo_mcp_client._models.retry import RetryPolicy
    from argo_mcp_client._run.runs import EventStream
    from argo_mcp_client._sync import run_sync
    from argo_mcp_client._version import __version__
    from argo_mcp_client.client import ArgoMCPClient
    from argo_mcp_client.config import (
        ArgoSettings,
        HttpServer,
        InProcessServer,
        ServerSpec,
        StdioServer,
        load_servers,
    )
    from argo_mcp_client.conversation import Conversation
    from argo_mcp_client.errors import (
        AllModelsFailed,
        ArgoMCPError,
        CircuitOpenError,
        ConfigError,
        GatewayError,
        MaxTurnsExceeded,
        ModelError,
        RunError,
        RunTimeout,
        ServerError,
        ServerStartError,
    )
    from argo_mcp_client.events import (
        Event,
        ModelRequestStarted,
        ModelRetrying,
        ModelSwitched,
        RunFinished,
        RunStarted,
        ServerLog,
        TextDelta,
        ToolCallFinished,
        ToolCallStarted,
        ToolProgress,
        TurnFinished,
        TurnRestarted,
    )
    from argo_mcp_client.result import RunResult, ToolCallRecord, Usage

_HOMES = {
    "AllModelsFailed": "argo_mcp_client.errors",
    "ArgoMCPClient": "argo_mcp_client.client",
    "ArgoMCPError": "argo_mcp_client.errors",
    "ArgoSettings": "argo_mcp_client.config",
    "BreakerSettings": "argo_mcp_client._models.breaker",
    "CircuitBreaker": "argo_mcp_client._models.breaker",
    "CircuitOpenError": "argo_mcp_client.errors",
    "ConfigError": "argo_mcp_client.errors",
    "Conversation": "argo_mcp_client.conversation",
    "Elicit": "argo_mcp_client._mcp.host",
    "ElicitationRequest": "argo_mcp_client._mcp.host",
    "Event": "argo_mcp_client.events",
    "EventStream": "argo_mcp_client._run.runs",
    "GatewayError": "argo_mcp_client.errors",
    "HttpServer": "argo_mcp_client.config",
    "InProcessServer": "argo_mcp_client.config",
    "MaxTurnsExceeded": "argo_mcp_client.errors",
    "ModelError": "argo_mcp_client.errors",
    "ModelRequestStarted": "argo_mcp_client.events",
    "ModelRetrying": "argo_mcp_client.events",
    "ModelSwitched": "argo_mcp_client.events",
    "PromptInfo": "argo_mcp_client._mcp.info",
    "ResourceContent": "argo_mcp_client._mcp.info",
    "ResourceInfo": "argo_mcp_client._mcp.info",
    "RetryPolicy": "argo_mcp_client._models.retry",
    "RunError": "argo_mcp_client.errors",
    "RunFinished": "argo_mcp_client.events",
    "RunResult": "argo_mcp_client.result",
    "RunStarted": "argo_mcp_client.events",
    "RunTimeout": "argo_mcp_client.errors",
    "SchemaChange": "argo_mcp_client._mcp.schema.convert",
    "SchemaLimits": "argo_mcp_client._mcp.schema.convert",
    "SchemaReport": "argo_mcp_client._mcp.schema.convert",
    "ServerError": "argo_mcp_client.errors",
    "ServerLog": "argo_mcp_client.events",
    "ServerSpec": "argo_mcp_client.config",
    "ServerStartError": "argo_mcp_client.errors",
    "ServerStatus": "argo_mcp_client._mcp.info",
    "StdioServer": "argo_mcp_client.config",
    "TextDelta": "argo_mcp_client.events",
    "ToolCallFinished": "argo_mcp_client.events",
    "ToolCallRecord": "argo_mcp_client.result",
    "ToolCallStarted": "argo_mcp_client.events",
    "ToolInfo": "argo_mcp_client._mcp.registry",
    "ToolProgress": "argo_mcp_client.events",
    "TurnFinished": "argo_mcp_client.events",
    "TurnRestarted": "argo_mcp_client.events",
    "Usage": "argo_mcp_client.result",
    "__version__": "argo_mcp_client._version",
    "load_servers": "argo_mcp_client.config",
    "run_sync": "argo_mcp_client._sync",
}
"""Where each public name is defined."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'argo_mcp_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__all__ = [
    "AllModelsFailed",
    "ArgoMCPClient",
    "ArgoMCPError",
    "ArgoSettings",
    "BreakerSettings",
    "CircuitBreaker",
    "CircuitOpenError",
    "ConfigError",
    "Conversation",
    "Elicit",
    "ElicitationRequest",
    "Event",
    "EventStream",
    "GatewayError",
    "HttpServer",
    "InProcessServer",
    "MaxTurnsExceeded",
    "ModelError",
    "ModelRequestStarted",
    "ModelRetrying",
    "ModelSwitched",
    "PromptInfo",
    "ResourceContent",
    "ResourceInfo",
    "RetryPolicy",
    "RunError",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "RunTimeout",
    "SchemaChange",
    "SchemaLimits",
    "SchemaReport",
    "ServerError",
    "ServerLog",
    "ServerSpec",
    "ServerStartError",
    "ServerStatus",
    "StdioServer",
    "TextDelta",
    "ToolCallFinished",
    "ToolCallRecord",
    "ToolCallStarted",
    "ToolInfo",
    "ToolProgress",
    "TurnFinished",
    "TurnRestarted",
    "Usage",
    "__version__",
    "load_servers",
    "run_sync",
]
