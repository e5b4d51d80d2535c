"""Everything the library raises is an ArgoMCPError (issue item 14)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from argo_mcp_client import ArgoMCPClient, ConfigError, Conversation, HttpServer, StdioServer
from argo_mcp_client.cli._chat import load_conversation
from argo_mcp_client.testing import ScriptedModel


def test_item14_an_invalid_server_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"StdioServer 'gem flux' is invalid: name: server name"):
        StdioServer(name="gem flux", command="x")


def test_item14_a_zero_connect_timeout_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="connect_timeout: Input should be greater than 0"):
        HttpServer(name="h", url="http://127.0.0.1:1/mcp", connect_timeout=0)


def test_item14_a_corrupt_saved_conversation_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="the saved conversation is invalid: Invalid JSON"):
        Conversation.from_json("{")


async def test_item14_a_history_that_is_not_a_list_is_a_config_error() -> None:
    async with ArgoMCPClient(openai_client=ScriptedModel([]).openai_client()) as client:
        with pytest.raises(ConfigError, match="history must be a list of messages"):
            await client.run("hi", history="hello")  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["messages", "model", "tools", "stream"])
def test_item14_request_settings_may_not_overwrite_what_the_client_sends(key: str) -> None:
    with pytest.raises(ConfigError, match=rf"request_settings may not set \['{key}'\]"):
        ArgoMCPClient(request_settings={key: []})


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_item14_non_finite_request_settings_are_refused_when_the_client_is_built(value: float) -> None:
    with pytest.raises(ConfigError, match=r"request_settings\['temperature'\] is not a finite number"):
        ArgoMCPClient(request_settings={"temperature": value})


def test_item14_nested_non_finite_settings_are_named_by_their_path() -> None:
    with pytest.raises(ConfigError, match=r"request_settings\['extra_body.scale\[1\]'\]"):
        ArgoMCPClient(request_settings={"extra_body": {"scale": [1.0, math.nan]}})


def test_item14_a_corrupt_resume_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    saved = tmp_path / "chat.json"
    saved.write_text('{"messages": [1, 2]}')

    with pytest.raises(ConfigError) as caught:
        load_conversation(saved)

    message = str(caught.value)
    assert message.startswith(
        f"cannot read conversation {saved}: the saved conversation is invalid: messages.0"
    )
    assert "errors.pydantic.dev" not in message
