"""Settings, server specs and mcp.json files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from argo_mcp_client import ArgoMCPClient, ArgoSettings, ConfigError, HttpServer, StdioServer, load_servers


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps(data))
    return path


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGO_BASE_URL", "http://127.0.0.1:9999/v1")
    monkeypatch.setenv("ARGO_MODEL", "gpt4o")
    monkeypatch.setenv("ARGO_API_KEY", "secret-key")

    settings = ArgoSettings()

    assert (settings.base_url, settings.model) == ("http://127.0.0.1:9999/v1", "gpt4o")
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "secret-key"
    assert "secret-key" not in repr(settings)


def test_defaults_point_at_a_local_argo_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ARGO_BASE_URL", "ARGO_MODEL", "ARGO_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    client = ArgoMCPClient()

    assert (client.base_url, client.model) == ("http://localhost:8000/v1", "argo:gpt-4o")


def test_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGO_MODEL", "gpt4o")

    assert ArgoMCPClient(model="argo:claude-4.5-sonnet").model == "argo:claude-4.5-sonnet"


def test_stdio_and_http_servers_load_from_mcp_json(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "mcpServers": {
                "gemflux": {
                    "command": "python",
                    "args": ["-m", "gem_flux_mcp"],
                    "env": {"GEM_FLUX_LOG_LEVEL": "INFO"},
                },
                "remote": {
                    "type": "http",
                    "url": "http://127.0.0.1:9000/mcp",
                    "headers": {"Authorization": "Bearer t"},
                },
                "off": {"command": "nothing", "disabled": True},
            }
        },
    )

    gemflux, remote = load_servers(path)

    assert isinstance(gemflux, StdioServer)
    assert gemflux.args == ("-m", "gem_flux_mcp")
    assert gemflux.env == {"GEM_FLUX_LOG_LEVEL": "INFO"}
    assert isinstance(remote, HttpServer)
    assert remote.headers == {"Authorization": "Bearer t"}


def test_a_client_takes_the_path_of_an_mcp_json_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"mcpServers": {"a": {"command": "x"}}})

    assert "servers=[a]" in repr(ArgoMCPClient(servers=path))


def test_an_sse_server_is_refused_with_the_way_out(tmp_path: Path) -> None:
    path = write(tmp_path, {"mcpServers": {"old": {"type": "sse", "url": "http://h/sse"}}})

    with pytest.raises(ConfigError, match=r"'old' uses the SSE transport.*streamable HTTP"):
        load_servers(path)


def test_an_entry_without_command_or_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'x' needs either \"command\""):
        load_servers(write(tmp_path, {"mcpServers": {"x": {"args": []}}}))


def test_a_file_without_mcp_servers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match='has no "mcpServers" object'):
        load_servers(write(tmp_path, {"servers": {}}))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_servers(tmp_path / "nope.json")


def test_a_server_name_that_cannot_prefix_a_tool_is_refused() -> None:
    with pytest.raises(ValueError, match="must start with a letter"):
        StdioServer(name="my server", command="x")


def test_two_servers_with_one_name_are_refused() -> None:
    with pytest.raises(ConfigError, match="two servers are named 'a'"):
        ArgoMCPClient(servers=[StdioServer(name="a", command="x"), StdioServer(name="a", command="y")])


def test_secrets_stay_out_of_server_reprs() -> None:
    stdio = StdioServer(name="s", command="x", env={"TOKEN": "planted-secret-1"})
    http = HttpServer(name="h", url="http://h/mcp", headers={"Authorization": "Bearer planted-secret-2"})

    assert "planted-secret" not in repr(stdio) + repr(http) + str(stdio) + str(http)


def test_allow_and_deny_patterns_decide_what_is_offered() -> None:
    spec = StdioServer(name="s", command="x", allow_tools=("run_*", "list_*"), deny_tools=("list_media",))

    assert [spec.offers(t) for t in ("run_fba", "list_models", "list_media", "delete_model")] == [
        True,
        True,
        False,
        False,
    ]


async def test_running_before_connecting_says_how_to_connect() -> None:
    with pytest.raises(ConfigError, match="async with ArgoMCPClient"):
        await ArgoMCPClient().run("hi")


def test_max_turns_below_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="max_turns must be at least 1"):
        ArgoMCPClient(max_turns=0)


def test_item15_server_keys_as_users_have_them_become_valid_names_keeping_the_label(tmp_path: Path) -> None:
    long_key = "a-very-long-server-name-from-someones-config-file"
    servers = load_servers(
        write(
            tmp_path,
            {
                "mcpServers": {
                    "github.com": {"url": "http://127.0.0.1:1/mcp"},
                    "brave search": {"command": "brave"},
                    "1password": {"command": "op"},
                    long_key: {"command": "x"},
                    "github_com": {"command": "y"},
                }
            },
        )
    )

    assert [(s.name, s.label) for s in servers] == [
        ("github_com", "github.com"),
        ("brave_search", "brave search"),
        ("_1password", "1password"),
        (long_key[:32], long_key),
        ("github_com_2", "github_com"),
    ]


def test_item15_an_unknown_field_is_warned_about_with_the_closest_known_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(
        tmp_path, {"mcpServers": {"s": {"command": "x", "enviroment": {"A": "1"}, "autoApprove": []}}}
    )

    with caplog.at_level(logging.WARNING, logger="argo_mcp_client"):
        load_servers(path)

    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: server 's' has an unknown field 'enviroment', which is ignored; did you mean 'env'?"
    ]


def test_item15_disabled_servers_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, {"mcpServers": {"off": {"command": "x", "disabled": True}}})

    with caplog.at_level(logging.INFO, logger="argo_mcp_client"):
        assert load_servers(path) == []

    assert "skipping server 'off': it is marked disabled" in caplog.text
