"""The numbered tutorials run as a user runs them: as scripts, in a subprocess."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from argo_mcp_client import Conversation
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, call, reply
from integration.conftest import free_port
from support.gateway import stub_gateway
from support.loopback import serve_in_thread
from support.processes import environment_without_argo

TUTORIALS = Path(__file__).parents[2] / "examples" / "argo_llm"


def run_tutorial(
    name: str, *args: str, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TUTORIALS / name), *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        env=environment_without_argo(env),
        check=False,
    )


def test_tutorial_01_offline_builds_a_model_with_the_scripted_model() -> None:
    done = run_tutorial("01_simple_model_building.py", "--offline")

    assert done.returncode == 0, done.stderr
    assert "the built-in simulated model, which calls no LLM, because --offline was given" in done.stdout
    assert "Tool call: gemflux.build_model(" in done.stdout
    assert "-> ok" in done.stdout
    assert "Assistant: (simulated) Built the draft E_coli_K12.draft: 88 reactions" in done.stdout


def test_tutorial_01_says_why_it_fell_back_when_no_endpoint_answers() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"

    done = run_tutorial("01_simple_model_building.py", env={"ARGO_BASE_URL": url})

    assert done.returncode == 0, done.stderr
    assert f"because no endpoint answered at {url} (ConnectError)" in done.stdout


def test_tutorial_01_says_the_key_was_refused_when_the_endpoint_answers_401() -> None:
    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b'{"error": "bad key"}'})

    with serve_in_thread(refuse, name="refusing gateway") as port:
        url = f"http://127.0.0.1:{port}/v1"
        done = run_tutorial("01_simple_model_building.py", env={"ARGO_BASE_URL": url})

    assert done.returncode == 0, done.stderr
    assert (
        f"because the endpoint at {url} refused the key (HTTP 401 from /models). "
        "Set ARGO_API_KEY to a key it accepts to use a real model."
    ) in done.stdout
    assert "no endpoint answered" not in done.stdout


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


SIMULATION = "the built-in simulated model, which calls no LLM, because --offline was given"


def lines_with(text: str, marker: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if marker in line]


def test_tutorial_02_runs_the_workflow_answers_a_follow_up_and_resumes_the_saved_conversation(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "chat.json"

    done = run_tutorial("02_complete_workflow.py", "--offline", "--save", str(saved))

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert SIMULATION in out
    calls = lines_with(out, "Tool call: ")
    assert [c.split("(")[0] for c in calls] == [
        "Tool call: gemflux.build_model",
        "Tool call: gemflux.gapfill_model",
        "Tool call: gemflux.run_fba",
    ]
    assert all(c.endswith("-> ok") for c in calls)
    assert '"model_id": "E_coli_K12.draft", "media_id": "glucose_minimal_aerobic"' in calls[1]
    assert '"model_id": "E_coli_K12.draft.gf"' in calls[2]
    assert "(4 model requests in this exchange)" in out
    # The follow-up is answered from the gapfilling result already in the conversation.
    follow_up = out.split("You: Which reactions did gapfilling add?\n")[1].splitlines()[0]
    assert follow_up.startswith(
        "Assistant: (simulated) Gapfilling E_coli_K12.draft on glucose_minimal_aerobic added 3"
    )
    # The saved conversation resumes, and a question after resuming is answered from it.
    assert f"Saved 11 messages to {saved}" in out
    assert f"Resumed 11 messages from {saved}" in out
    assert "the growth rate is 0.866 per hour" in out.split("Resumed")[1]
    conversation = Conversation.from_json(saved.read_text())
    check_history(conversation.messages)
    assert [m["role"] for m in conversation.messages].count("tool") == 3
    assert conversation.messages[-1]["content"].startswith("(simulated) Gapfilling")


def test_tutorial_03_chats_from_piped_input_and_stops_at_quit() -> None:
    typed = "Build a model and gapfill it\n\nWhich reactions did gapfilling add?\n/quit\nnever read\n"

    done = run_tutorial("03_interactive_cli.py", "--offline", stdin=typed)

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert SIMULATION in out
    assert "You: Build a model and gapfill it" in out
    starts = lines_with(out, "-> gemflux.")
    assert [s.split("(")[0] for s in starts] == ["-> gemflux.build_model", "-> gemflux.gapfill_model"]
    finishes = lines_with(out, "<- ")
    assert [f.split(" in ")[0] for f in finishes] == ["<- build_model: ok", "<- gapfill_model: ok"]
    assert "Assistant: (simulated) Gapfilling draft_model.draft on glucose_minimal_aerobic added " in out
    assert "never read" not in out
    assert "Bye (9 messages in the conversation)." in out


def test_tutorial_03_ends_at_end_of_input() -> None:
    done = run_tutorial("03_interactive_cli.py", "--offline", stdin="hello\n")

    assert done.returncode == 0, done.stderr
    assert "Assistant: (simulated) I am a simulated model, not an LLM" in done.stdout
    assert done.stdout.rstrip().endswith("Bye (3 messages in the conversation).")


def timeline_kinds(out: str) -> list[str]:
    """The event kinds of the timeline lines (``+1.234 s  kind  ...``), in order."""
    return [line.split()[2] for line in out.splitlines() if line.lstrip().startswith("+")]


def test_tutorial_04_prints_a_timeline_of_the_run() -> None:
    done = run_tutorial("04_streaming_events.py", "--offline")

    assert done.returncode == 0, done.stderr
    assert SIMULATION in done.stdout
    kinds = timeline_kinds(done.stdout)
    assert kinds[0] == "run_started"
    assert kinds[-1] == "run_finished"
    tools = [k for k in kinds if k.startswith("tool_call")]
    assert tools == ["tool_call_started", "tool_call_finished"] * 3
    assert kinds.count("model_request_started") == kinds.count("turn_finished") == 4
    assert "text_delta" in kinds
    calls = lines_with(done.stdout, "tool_call_started")
    assert ["build_model" in calls[0], "gapfill_model" in calls[1], "run_fba" in calls[2]] == [True] * 3
    assert "4 turns, 3 tool calls: (simulated) Built the draft E_coli_K12.draft" in done.stdout


def test_tutorial_04_timeline_shows_a_retry_and_a_restarted_turn_on_a_rough_gateway() -> None:
    done = run_tutorial("04_streaming_events.py", "--offline", "--rough-gateway")

    assert done.returncode == 0, done.stderr
    kinds = timeline_kinds(done.stdout)
    assert kinds[:6] == [
        "run_started",
        "model_request_started",
        "model_retrying",
        "model_request_started",
        "text_delta",
        "turn_restarted",
    ]
    assert "HTTP 503: upstream busy (injected)" in done.stdout
    assert "the stream ended without a finish reason" in done.stdout
    assert kinds[-1] == "run_finished"
    assert kinds.count("tool_call_finished") == 3
    seen = done.stdout.split("Events seen: ")[1]
    for kind in set(kinds):
        assert f"{kind} x{kinds.count(kind)}" in seen


def test_tutorial_05_retries_switches_opens_the_breaker_and_skips_the_broken_model() -> None:
    done = run_tutorial("05_resilience.py")

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Model: a SIMULATED gateway" in out
    run1, rest = out.split("== Run 2")
    run2, run3 = rest.split("== Run 3")
    primary, fallback = "argo:claude-4.5-sonnet", "argo:gpt-4o"
    assert len(lines_with(run1, f"retrying {primary}, attempt")) == 2
    assert f"request to {primary} (attempt 3)" in run1
    assert (
        f"switched {primary} -> {fallback}, because: model '{primary}' request failed with HTTP 503" in run1
    )
    assert "tool call gemflux.list_media -> ok" in run1
    assert f"breaker of {primary}: open (3 consecutive failures" in run1
    assert f"breaker of {fallback}: closed" in run1
    assert f"request to {primary}" not in run2
    assert f"switched {primary} -> {fallback}, because: model '{primary}' was skipped" in run2
    assert f"requests sent to {primary} in run 2: 0" in run2
    assert f"answered by: {fallback}" in run2
    assert "its breaker is half_open" in run2
    assert f"answered by: {primary}" in run3
    assert f"breaker of {primary}: closed (0 consecutive failures)" in run3


def test_tutorial_07_runs_genome_conversations_as_parsl_apps_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    options = ["--offline", "--workers", "2", "--chunk", "2", "--out", str(out)]

    first = run_tutorial("07_parsl_fleet.py", *options, "--genomes", "4", timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "the built-in simulated model, which calls no LLM" in first.stdout
    summary = json.loads(first.stdout.strip().splitlines()[-1])
    assert (summary["done"], summary["ok"], summary["chunks"]) == (4, 4, 2)

    again = run_tutorial("07_parsl_fleet.py", *options, "--genomes", "5", timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["skipped"], summary["done"]) == (4, 1)  # only the new genome ran

    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["id"] for r in results) == [f"g{n:02d}" for n in range(1, 6)]
    for result in results:
        assert [call["tool"] for call in result["tool_calls"]] == ["build_model", "gapfill_model", "run_fba"]
        assert f"FBA of {result['id']}.draft.gf" in result["output"]
        assert "growth rate" in result["output"]


READY = {
    "01_simple_model_building.py": "You: ",
    "02_complete_workflow.py": "You: ",
    "03_interactive_cli.py": "Type a message",
    "04_streaming_events.py": "You: ",
    "05_resilience.py": "== Run 1",
    "06_web_chat.py": "Chat: http://",
}
"""A line each tutorial prints once it is under way: its servers started, a run going or input awaited."""


@pytest.mark.parametrize("name", sorted(READY))
def test_tutorial_exits_130_with_at_most_two_lines_on_ctrl_c(name: str, tmp_path: Path) -> None:
    args = ["--offline", "--port", str(free_port())] if name == "06_web_chat.py" else ["--offline"]
    if name == "02_complete_workflow.py":
        args += ["--save", str(tmp_path / "chat.json")]
    process = subprocess.Popen(
        [sys.executable, str(TUTORIALS / name), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment_without_argo({"PYTHONUNBUFFERED": "1"}),
        start_new_session=True,  # its own process group, which Ctrl-C in a terminal signals whole
    )
    try:
        lines = _lines_of(process)
        seen = _wait_for_line(lines, READY[name])
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    assert process.returncode == 130, (seen, stderr)
    assert len(stderr.strip().splitlines()) <= 2, stderr


def _lines_of(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    """The process's stdout lines as they come (``None`` at its end), read by a thread."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _wait_for_line(lines: queue.Queue[str | None], start: str, within: float = 120) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + within
    while True:
        line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        if line is None:
            raise AssertionError(f"the tutorial ended before printing {start!r}: {seen}")
        seen.append(line)
        if line.startswith(start):
            return seen
