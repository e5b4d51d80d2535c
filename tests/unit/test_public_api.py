"""The public surface is a decision: adding a name must change this test."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import argo_mcp_client

EXPECTED = {
    "AllModelsFailed", "ArgoMCPClient", "ArgoMCPError", "ArgoSettings", "Attachment", "BreakerSettings",
    "CallOutcome",
    "CircuitBreaker", "CircuitOpenError", "ConfigError", "Conversation", "Elicit", "ElicitationRequest",
    "EmptyCompletion", "Event", "EventStream", "GatewayError", "HttpServer", "InProcessServer",
    "MaxTurnsExceeded",
    "ModelError", "ModelProfile", "ModelRequestStarted", "ModelRetrying", "ModelSwitched", "PromptInfo",
    "ResourceContent", "ResourceInfo", "ResourceTemplateInfo", "RetryPolicy", "RunError", "RunFinished",
    "RunResult",
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


def _type_checking_imports() -> dict[str, str]:
    """Each name the package's ``if TYPE_CHECKING:`` block imports, with the module it comes from."""
    tree = ast.parse(Path(argo_mcp_client.__file__).read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If))
    return {
        alias.asname or alias.name: str(node.module)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_the_lazy_homes_agree_with_the_imports_type_checkers_read() -> None:
    assert _type_checking_imports() == argo_mcp_client._HOMES
    assert set(argo_mcp_client._HOMES) == set(argo_mcp_client.__all__)


def test_every_public_name_resolves_to_its_definition() -> None:
    for name, home in argo_mcp_client._HOMES.items():
        assert getattr(argo_mcp_client, name) is getattr(importlib.import_module(home), name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = argo_mcp_client.Nope


def test_cli_help_and_argument_errors_load_neither_openai_nor_mcp() -> None:
    probe = (
        "import sys\n"
        "from argo_mcp_client.cli import run_cli\n"
        "for argv in (['--help'], ['run', '--no-such-option']):\n"
        "    try:\n"
        "        run_cli(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({'openai', 'mcp', 'httpx2', 'rich'} & set(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert done.stderr.strip().splitlines()[-1] == "[]"
