"""argo-mcp-client: an OpenAI-compatible model (through the Argo gateway) in front of MCP tool servers.

```python
from argo_mcp_client import ArgoMCPClient, StdioServer

async with ArgoMCPClient(servers=[StdioServer(name="tools", command="my-mcp-server")]) as client:
    result = await client.run("What can you do?")
```
"""

from argo_mcp_client._mcp.host import Elicit, ElicitationRequest
from argo_mcp_client._mcp.info import (
    PromptInfo,
    ResourceContent,
    ResourceInfo,
    ResourceTemplateInfo,
    ServerStatus,
)
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
from argo_mcp_client.result import Attachment, CallOutcome, RunResult, ToolCallRecord, Usage

__all__ = [
    "AllModelsFailed",
    "ArgoMCPClient",
    "ArgoMCPError",
    "ArgoSettings",
    "Attachment",
    "BreakerSettings",
    "CallOutcome",
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
    "ResourceTemplateInfo",
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
