"""The numbered tutorials run as a user runs them: as scripts, in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, call, reply
from support.gateway import stub_gateway

TUTORIALS = Path(__file__).parents[2] / "examples" / "argo_llm"


def run_tutorial(
    name: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARGO_")} | (env or {})
    return subprocess.run(
        [sys.executable, str(TUTORIALS / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_tutorial_01_offline_builds_a_model_with_the_scripted_model() -> None:
    done = run_tutorial("01_simple_model_building.py", "--offline")

    assert done.returncode == 0, done.stderr
    assert (
        "the built-in scripted model, a simulation that calls no LLM, because --offline was given"
        in done.stdout
    )
    assert "Tool call: gemflux.build_model(" in done.stdout
    assert "-> ok" in done.stdout
    assert "model_id = E_coli_K12.draft" in done.stdout


def test_tutorial_01_says_why_it_fell_back_when_no_endpoint_answers() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"

    done = run_tutorial("01_simple_model_building.py", env={"ARGO_BASE_URL": url})

    assert done.returncode == 0, done.stderr
    assert f"because no endpoint answered at {url} (ConnectError)" in done.stdout


def test_tutorial_01_uses_a_reachable_endpoint() -> None:
    def model_turn(request: ScriptedRequest) -> object:
        if request.messages[-1]["role"] == "tool":
            return reply("The draft E_coli_K12 has 88 reactions.")
        sequences = {"p1": "MKLVINLVGNSGLGKSTFTQRLIN"}
        return call("build_model", {"protein_sequences": sequences, "model_name": "E_coli_K12"})

    scripted = ScriptedModel(model_turn)  # type: ignore[arg-type]
    with stub_gateway(scripted) as gateway:
        done = run_tutorial(
            "01_simple_model_building.py", env={"ARGO_BASE_URL": gateway.base_url, "ARGO_MODEL": "gpt4o"}
        )

    assert done.returncode == 0, done.stderr
    assert f"Model: model gpt4o at {gateway.base_url}." in done.stdout
    assert "Assistant: The draft E_coli_K12 has 88 reactions." in done.stdout
    assert [r.model for r in scripted.requests] == ["gpt4o", "gpt4o"]
    assert "build_model" in scripted.requests[0].tool_names
