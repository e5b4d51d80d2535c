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
    from argo_mcp_client._mcp.info import (
        PromptInfo,
        ResourceContent,
        ResourceInfo,
        ResourceTemplateInfo,
        ServerStatus,
        TaskResult,
    )
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
    from argo_mcp_client.result import ArtifactRef, Attachment, CallOutcome, RunResult, ToolCallRecord, Usage

_HOMES = {
    "AllModelsFailed": "argo_mcp_client.errors",
    "ArgoMCPClient": "argo_mcp_client.client",
    "ArgoMCPError": "argo_mcp_client.errors",
    "ArgoSettings": "argo_mcp_client.config",
    "ArtifactRef": "argo_mcp_client.result",
    "ArtifactStore": "argo_mcp_client._run.artifacts",
    "Attachment": "argo_mcp_client.result",
    "BatchItem": "argo_mcp_client.batch",
    "BatchResult": "argo_mcp_client.batch",
    "BreakerSettings": "argo_mcp_client._models.breaker",
    "CallOutcome": "argo_mcp_client.result",
    "CircuitBreaker": "argo_mcp_client._models.breaker",
    "CircuitOpenError": "argo_mcp_client.errors",
    "ConfigError": "argo_mcp_client.errors",
    "Conversation": "argo_mcp_client.conversation",
    "Elicit": "argo_mcp_client._mcp.host",
    "ElicitationRequest": "argo_mcp_client._mcp.host",
    "EmptyCompletion": "argo_mcp_client.errors",
    "Event": "argo_mcp_client.events",
    "EventStream": "argo_mcp_client._run.runs",
    "FileArtifactStore": "argo_mcp_client._run.artifacts",
    "GatewayError": "argo_mcp_client.errors",
    "HistoryCompacted": "argo_mcp_client.events",
    "HttpServer": "argo_mcp_client.config",
    "InProcessServer": "argo_mcp_client.config",
    "InProcessState": "argo_mcp_client._models.shared_state",
    "MaxTurnsExceeded": "argo_mcp_client.errors",
    "ModelError": "argo_mcp_client.errors",
    "ModelProfile": "argo_mcp_client._models.profiles",
    "ModelRequestStarted": "argo_mcp_client.events",
    "ModelRetrying": "argo_mcp_client.events",
    "ModelSwitched": "argo_mcp_client.events",
    "OutputValidationError": "argo_mcp_client.errors",
    "PromptInfo": "argo_mcp_client._mcp.info",
    "RateLimit": "argo_mcp_client._models.shared_state",
    "RateLimited": "argo_mcp_client.events",
    "RedisState": "argo_mcp_client._models.redis_state",
    "ResourceContent": "argo_mcp_client._mcp.info",
    "ResourceInfo": "argo_mcp_client._mcp.info",
    "ResourceTemplateInfo": "argo_mcp_client._mcp.info",
    "RetryPolicy": "argo_mcp_client._models.retry",
    "RunError": "argo_mcp_client.errors",
    "RunFinished": "argo_mcp_client.events",
    "RunResult": "argo_mcp_client.result",
    "RunStarted": "argo_mcp_client.events",
    "RunTimeout": "argo_mcp_client.errors",
    "SchemaChange": "argo_mcp_client._mcp.schema.convert",
    "SchemaLimits": "argo_mcp_client._mcp.schema.convert",
    "SchemaReport": "argo_mcp_client._mcp.schema.convert",
    "SchemaTarget": "argo_mcp_client._mcp.schema.convert",
    "ServerError": "argo_mcp_client.errors",
    "ServerLog": "argo_mcp_client.events",
    "ServerSpec": "argo_mcp_client.config",
    "ServerStartError": "argo_mcp_client.errors",
    "ServerStatus": "argo_mcp_client._mcp.info",
    "SharedState": "argo_mcp_client._models.shared_state",
    "SharedStateError": "argo_mcp_client.errors",
    "StdioServer": "argo_mcp_client.config",
    "TaskRef": "argo_mcp_client.conversation",
    "TaskResult": "argo_mcp_client._mcp.info",
    "TextDelta": "argo_mcp_client.events",
    "TokenCounter": "argo_mcp_client._run.budget",
    "ToolCallFinished": "argo_mcp_client.events",
    "ToolCallRecord": "argo_mcp_client.result",
    "ToolCallStarted": "argo_mcp_client.events",
    "ToolInfo": "argo_mcp_client._mcp.registry",
    "ToolProgress": "argo_mcp_client.events",
    "TurnFinished": "argo_mcp_client.events",
    "TurnRestarted": "argo_mcp_client.events",
    "Usage": "argo_mcp_client.result",
    "UsageLimitExceeded": "argo_mcp_client.errors",
    "UsageLimits": "argo_mcp_client._run.usage",
    "__version__": "argo_mcp_client._version",
    "estimate_tokens": "argo_mcp_client._run.budget",
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
    "ArtifactRef",
    "ArtifactStore",
    "Attachment",
    "BatchItem",
    "BatchResult",
    "BreakerSettings",
    "CallOutcome",
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
