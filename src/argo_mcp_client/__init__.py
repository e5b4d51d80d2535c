"""argo-mcp-client: an OpenAI-compatible model (through the Argo gateway) in front of MCP tool servers.

```python
from argo_mcp_client import ArgoMCPClient, StdioServer

async with ArgoMCPClient(servers=[StdioServer(name="tools", command="my-mcp-server")]) as client:
    result = await client.run("What can you do?")
```
"""

from argo_mcp_client._mcp.host import Elicit, ElicitationRequest
from argo_mcp_client._mcp.info import PromptInfo, ResourceContent, ResourceInfo, ServerStatus, TaskResult
from argo_mcp_client._mcp.registry import ToolInfo
from argo_mcp_client._mcp.schema.convert import SchemaChange, SchemaLimits, SchemaReport, SchemaTarget
from argo_mcp_client._models.breaker import BreakerSettings, CircuitBreaker
from argo_mcp_client._models.profiles import ModelProfile
from argo_mcp_client._models.redis_state import RedisState
from argo_mcp_client._models.retry import RetryPolicy
from argo_mcp_client._models.shared_state import InProcessState, RateLimit, SharedState
from argo_mcp_client._run.artifacts import ArtifactStore, FileArtifactStore
from argo_mcp_client._run.budget import TokenCounter, estimate_tokens
from argo_mcp_client._run.runs import EventStream
from argo_mcp_client._run.usage import UsageLimits
from argo_mcp_client._sync import run_sync
from argo_mcp_client._version import __version__
from argo_mcp_client.batch import BatchItem, BatchResult
from argo_mcp_client.client import ArgoMCPClient
from argo_mcp_client.config import (
    ArgoSettings,
    HttpServer,
    InProcessServer,
    ServerSpec,
    StdioServer,
    load_servers,
)
from argo_mcp_client.conversation import Conversation, TaskRef
from argo_mcp_client.errors import (
    AllModelsFailed,
    ArgoMCPError,
    CircuitOpenError,
    ConfigError,
    EmptyCompletion,
    GatewayError,
    MaxTurnsExceeded,
    ModelError,
    OutputValidationError,
    RunError,
    RunTimeout,
    ServerError,
    ServerStartError,
    SharedStateError,
    UsageLimitExceeded,
)
from argo_mcp_client.events import (
    Event,
    HistoryCompacted,
    ModelRequestStarted,
    ModelRetrying,
    ModelSwitched,
    RateLimited,
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
from argo_mcp_client.result import ArtifactRef, RunResult, ToolCallRecord, Usage

__all__ = [
    "AllModelsFailed",
    "ArgoMCPClient",
    "ArgoMCPError",
    "ArgoSettings",
    "ArtifactRef",
    "ArtifactStore",
    "BatchItem",
    "BatchResult",
    "BreakerSettings",
    "CircuitBreaker",
    "CircuitOpenError",
    "ConfigError",
    "Conversation",
    "Elicit",
    "ElicitationRequest",
    "EmptyCompletion",
    "Event",
    "EventStream",
    "FileArtifactStore",
    "GatewayError",
    "HistoryCompacted",
    "HttpServer",
    "InProcessServer",
    "InProcessState",
    "MaxTurnsExceeded",
    "ModelError",
    "ModelProfile",
    "ModelRequestStarted",
    "ModelRetrying",
    "ModelSwitched",
    "OutputValidationError",
    "PromptInfo",
    "RateLimit",
    "RateLimited",
    "RedisState",
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
    "SchemaTarget",
    "ServerError",
    "ServerLog",
    "ServerSpec",
    "ServerStartError",
    "ServerStatus",
    "SharedState",
    "SharedStateError",
    "StdioServer",
    "TaskRef",
    "TaskResult",
    "TextDelta",
    "TokenCounter",
    "ToolCallFinished",
    "ToolCallRecord",
    "ToolCallStarted",
    "ToolInfo",
    "ToolProgress",
    "TurnFinished",
    "TurnRestarted",
    "Usage",
    "UsageLimitExceeded",
    "UsageLimits",
    "__version__",
    "estimate_tokens",
    "load_servers",
    "run_sync",
]
