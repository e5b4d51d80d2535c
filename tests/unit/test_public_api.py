"""The public surface is a decision: adding a name must change this test."""

from __future__ import annotations

import subprocess
import sys

import argo_mcp_client

EXPECTED = {
    "AllModelsFailed", "ArgoMCPClient", "ArgoMCPError", "ArgoSettings", "BreakerSettings",
    "CircuitBreaker", "CircuitOpenError", "ConfigError", "Conversation", "Elicit", "ElicitationRequest",
    "EmptyCompletion", "Event", "EventStream", "GatewayError", "HttpServer", "InProcessServer",
    "MaxTurnsExceeded",
    "ModelError", "ModelProfile", "ModelRequestStarted", "ModelRetrying", "ModelSwitched", "PromptInfo",
    "ResourceContent", "ResourceInfo", "RetryPolicy", "RunError", "RunFinished", "RunResult",
    "RunStarted", "RunTimeout", "SchemaChange", "SchemaLimits", "SchemaReport", "SchemaTarget", "ServerError",
    "ServerLog", "ServerSpec", "ServerStartError", "ServerStatus", "StdioServer", "TaskRef", "TaskResult",
    "TextDelta",
    "ToolCallFinished", "ToolCallRecord", "ToolCallStarted", "ToolInfo", "ToolProgress", "TurnFinished",
    "TurnRestarted", "Usage", "__version__", "load_servers", "run_sync",
    # Long runs: artifacts, the context budget, typed output, usage limits.
    "ArtifactRef", "ArtifactStore", "FileArtifactStore", "HistoryCompacted", "OutputValidationError",
    "TokenCounter", "UsageLimitExceeded", "UsageLimits", "estimate_tokens",
}  # fmt: skip
# Batches, rate limits and a fleet's shared state.
EXPECTED |= {
    "BatchItem", "BatchResult", "InProcessState", "RateLimit", "RateLimited", "RedisState", "SharedState",
    "SharedStateError",
}  # fmt: skip


def test_all_lists_exactly_the_public_names() -> None:
    assert set(argo_mcp_client.__all__) == EXPECTED


def test_all_is_sorted() -> None:
    assert argo_mcp_client.__all__ == sorted(argo_mcp_client.__all__)


def test_importing_the_library_leaves_the_cli_and_validation_libraries_unloaded() -> None:
    # Their import costs land on every program's start; they load when first used.
    probe = "import sys, argo_mcp_client; print(sorted({'rich', 'jsonschema'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"
