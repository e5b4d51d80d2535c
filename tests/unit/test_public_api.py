"""The public surface is a decision: adding a name must change this test."""

from __future__ import annotations

import subprocess
import sys

import argo_mcp_client

EXPECTED = {
    "AllModelsFailed", "ArgoMCPClient", "ArgoMCPError", "ArgoSettings", "Attachment", "BreakerSettings",
    "CallOutcome",
    "CircuitBreaker", "CircuitOpenError", "ConfigError", "Conversation", "Elicit", "ElicitationRequest",
    "Event", "EventStream", "GatewayError", "HttpServer", "InProcessServer", "MaxTurnsExceeded",
    "ModelError", "ModelRequestStarted", "ModelRetrying", "ModelSwitched", "PromptInfo",
    "ResourceContent", "ResourceInfo", "ResourceTemplateInfo", "RetryPolicy", "RunError", "RunFinished",
    "RunResult",
    "RunStarted", "RunTimeout", "SchemaChange", "SchemaLimits", "SchemaReport", "ServerError",
    "ServerLog", "ServerSpec", "ServerStartError", "ServerStatus", "StdioServer", "TextDelta",
    "ToolCallFinished", "ToolCallRecord", "ToolCallStarted", "ToolInfo", "ToolProgress", "TurnFinished",
    "TurnRestarted", "Usage", "__version__", "load_servers", "run_sync",
}  # fmt: skip


def test_all_lists_exactly_the_public_names() -> None:
    assert set(argo_mcp_client.__all__) == EXPECTED


def test_all_is_sorted() -> None:
    assert argo_mcp_client.__all__ == sorted(argo_mcp_client.__all__)


def test_every_public_class_and_function_has_a_docstring() -> None:
    undocumented = [
        name
        for name in argo_mcp_client.__all__
        if callable(obj := getattr(argo_mcp_client, name))
        and isinstance(obj, type | type(len))
        and not obj.__doc__
    ]
    assert undocumented == []


def test_importing_the_library_leaves_the_cli_and_validation_libraries_unloaded() -> None:
    # Their import costs land on every program's start; they load when first used.
    probe = "import sys, argo_mcp_client; print(sorted({'rich', 'jsonschema'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"
