"""The ``argo-mcp`` command, run as a user runs it: in a subprocess, and in a real terminal."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from argo_mcp_client.conversation import Conversation
from argo_mcp_client.testing import ScriptedModel, ScriptedReply, ScriptedRequest, call, reply
from integration.conftest import free_port
from support.cli_tmux import Terminal, tmux_missing
from support.gateway import StubGateway, stub_gateway
from support.processes import environment_without_argo

ROOT = Path(__file__).parents[2]
FAULTY = Path(__file__).parent / "servers" / "faulty_server.py"
SERVER = shlex.join([sys.executable, str(FAULTY)])
SLOW = shlex.join([sys.executable, str(Path(__file__).parent / "servers" / "slow_server.py")])
GEM_FLUX = shlex.join([sys.executable, str(ROOT / "examples" / "argo_llm" / "gem_flux_server.py")])
PROTEINS = "MKLVINLVGNSGLGKSTFTQRLIN and MKQHKAMIVALERFRKEKRDAALL"
CLI = [sys.executable, "-m", "argo_mcp_client.cli"]


def argo_mcp(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``argo-mcp`` with ``args`` and no ``ARGO_*`` variables; wait for it to finish."""
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        env=environment_without_argo(),
        cwd=ROOT,
        check=False,
    )


def echo_then_answer(request: ScriptedRequest) -> ScriptedReply:
    """A scripted model that calls ``echo`` once, then answers with what it returned."""
    if request.messages[-1]["role"] == "tool":
        return reply(f"The gateway model heard: {request.messages[-1]['content']}")
    return ScriptedReply(tool_calls=(call("echo", {"text": "through the gateway"}),))


@pytest.fixture
def gateway() -> Iterator[StubGateway]:
    """A simulated OpenAI-compatible endpoint listing ``argo:gpt-4o``, calling ``echo`` then answering."""
    with stub_gateway(ScriptedModel(echo_then_answer), model_ids=["argo:gpt-4o"]) as served:
        yield served


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    """A tmux terminal of its own (skipped where tmux is not installed)."""
    if tmux_missing():
        pytest.skip("tmux is not installed; the chat is tested in a real terminal (apt-get install tmux)")
    screen = Terminal(socket=tmp_path / "tmux.sock", status_file=tmp_path / "status")
    yield screen
    screen.close()


@pytest.fixture
def saved_chat(tmp_path: Path) -> Path:
    """A conversation file from an earlier chat: one question, one answer."""
    conversation = Conversation(
        messages=[
            {"role": "user", "content": "remember the word pelican"},
            {"role": "assistant", "content": "I will remember pelican."},
        ]
    )
    path = tmp_path / "earlier.json"
    path.write_text(conversation.to_json())
    return path


def test_run_offline_prints_the_simulated_answer() -> None:
    done = argo_mcp("run", "--offline", "--server", SERVER, "echo hello there")

    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip() == "(simulated) The tool answered: hello there [message 1 of this conversation]"
    )
    assert '→ faulty_server.echo {"text": "hello there"}' in done.stderr


def test_run_uses_the_endpoint_given_by_base_url(gateway: StubGateway) -> None:
    done = argo_mcp("run", "--base-url", gateway.base_url, "--model", "gpt4o", "--server", SERVER, "go")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The gateway model heard: through the gateway"
    assert [r.model for r in gateway.model.requests] == ["gpt4o", "gpt4o"]


def test_run_json_prints_the_result_and_an_events_summary() -> None:
    done = argo_mcp("run", "--offline", "--json", "--server", SERVER, "echo json please")

    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["output"].startswith("(simulated) The tool answered: json please")
    assert document["tool_calls"][0]["tool"] == "echo"
    assert document["tool_calls"][0]["arguments"] == {"text": "json please"}
    assert document["event_counts"]["tool_call_finished"] == 1
    assert [e["kind"] for e in document["events"]][:2] == ["run_started", "model_request_started"]


def test_tools_lists_each_tool_with_its_server_and_schema_report() -> None:
    done = argo_mcp("tools", "--server", SERVER)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    echo = lines.index("echo  faulty_server.echo")
    assert lines[echo + 1 : echo + 3] == [
        "  Return the text unchanged.",
        "  schema: (root): drop-annotations: dropped annotations the model does not need: title ×2",
    ]


def test_tools_json_gives_each_tool_its_report() -> None:
    done = argo_mcp("tools", "--json", "--server", SERVER)

    assert done.returncode == 0, done.stderr
    tools = {tool["name"]: tool for tool in json.loads(done.stdout)}
    assert tools["echo"]["server"] == "faulty_server"
    assert tools["echo"]["parameters"]["required"] == ["text"]
    assert tools["echo"]["report"] == (
        "(root): drop-annotations: dropped annotations the model does not need: title ×2"
    )


def test_tools_json_reports_schema_changes_of_the_reference_server() -> None:
    server = shlex.join([sys.executable, str(ROOT / "examples" / "argo_llm" / "gem_flux_server.py")])

    done = argo_mcp("tools", "--json", "--server", server)

    assert done.returncode == 0, done.stderr
    build_model = next(t for t in json.loads(done.stdout) if t["name"] == "build_model")
    assert "collapse-nullable" in build_model["report"]


def test_doctor_gives_one_line_with_cause_and_fix_for_an_unreachable_endpoint() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"

    done = argo_mcp("doctor", "--base-url", url)

    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"FAIL  endpoint {url} unreachable (ConnectError): start argo-proxy or set --base-url / ARGO_BASE_URL"
    ]


def test_doctor_passes_with_a_listed_model_and_a_working_server(gateway: StubGateway) -> None:
    done = argo_mcp("doctor", "--base-url", gateway.base_url, "--model", "gpt4o", "--server", SERVER)

    assert done.returncode == 0, done.stdout
    assert "ok    model gpt4o is offered" in done.stdout
    assert "ok    server faulty_server (faulty) speaks MCP" in done.stdout


def test_doctor_says_which_model_the_endpoint_does_not_offer(gateway: StubGateway) -> None:
    done = argo_mcp("doctor", "--base-url", gateway.base_url, "--model", "gpt4o", "--fallback", "gpt-9")

    assert done.returncode == 1
    assert (
        f"FAIL  fallback gpt-9 is not offered by {gateway.base_url} (it lists: argo:gpt-4o): "
        "pass --fallback with one of them"
    ) in done.stdout.splitlines()


def test_doctor_names_a_server_whose_command_does_not_exist() -> None:
    done = argo_mcp("doctor", "--offline", "--server", "no-such-mcp-server --flag")

    assert done.returncode == 1
    problems = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert len(problems) == 1
    assert problems[0].startswith("FAIL  server no-such-mcp-server: ")
    assert "command not found" in problems[0]


def test_a_library_error_prints_one_clean_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"

    done = argo_mcp("run", "--offline", "--config", str(missing), "hi")

    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"error: MCP config file {missing} does not exist"]


def test_chat_saves_with_slash_save_and_after_each_exchange(tmp_path: Path) -> None:
    history, saved = tmp_path / "history.json", tmp_path / "saved.json"
    typed = f"echo first words\n/save {saved}\n/quit\n"

    done = argo_mcp("chat", "--offline", "--server", SERVER, "--history", str(history), stdin=typed)

    assert done.returncode == 0, done.stderr
    for path in (history, saved):
        messages = Conversation.from_json(path.read_text()).messages
        assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
        assert messages[2]["content"] == "first words"


def test_chat_in_a_terminal_streams_the_answer_and_shows_the_tool_call(terminal: Terminal) -> None:
    terminal.start([*CLI, "chat", "--offline", "--server", SERVER], cwd=ROOT)
    terminal.wait_for("you>")

    terminal.send("echo hello from tmux")
    screen = terminal.wait_for(
        "(simulated) The tool answered: hello from tmux [message 1 of this conversation]"
    )

    assert '→ faulty_server.echo {"text": "hello from tmux"}' in screen
    assert "← ok" in screen


def test_chat_in_a_terminal_ends_on_slash_quit(terminal: Terminal) -> None:
    terminal.start([*CLI, "chat", "--offline", "--server", SERVER], cwd=ROOT)
    terminal.wait_for("you>")

    terminal.send("/quit")

    assert terminal.exit_status() == 0


def test_chat_in_a_terminal_exits_130_on_ctrl_c(terminal: Terminal) -> None:
    terminal.start([*CLI, "chat", "--offline", "--server", SERVER], cwd=ROOT)
    terminal.wait_for("you>")

    terminal.press("C-c")

    assert terminal.exit_status() == 130


def test_chat_resumed_in_a_terminal_shows_and_continues_the_conversation(
    terminal: Terminal, saved_chat: Path
) -> None:
    terminal.start([*CLI, "chat", "--offline", "--resume", str(saved_chat), "--server", SERVER], cwd=ROOT)
    terminal.wait_for("you> remember the word pelican", "I will remember pelican.")

    terminal.send("echo still here")

    terminal.wait_for("(simulated) The tool answered: still here [message 2 of this conversation]")


def test_chat_in_a_terminal_asks_to_approve_calls_and_answers_elicitation(terminal: Terminal) -> None:
    server = shlex.join([sys.executable, str(ROOT / "tests" / "support" / "cli_elicit_server.py")])
    chat = [*CLI, "chat", "--offline", "--confirm", "--protocol", "legacy", "--server", server]
    terminal.start(chat, cwd=ROOT)
    terminal.wait_for("you>")
    terminal.send("confirm_delete m1")
    terminal.wait_for("? run → cli_elicit_server.confirm_delete")
    terminal.send("y")
    terminal.wait_for("? cli_elicit_server asks: Delete m1?", "answer?")
    terminal.send("y")
    terminal.wait_for("Proceed [y/n]")
    terminal.send("y")
    terminal.wait_for("Reason ():")

    terminal.send("")

    terminal.wait_for("(simulated) The tool answered: deleted m1")


def test_run_offline_takes_a_plain_request_through_build_gapfill_and_fba() -> None:
    prompt = (
        f"Build a draft model of E. coli K-12 from {PROTEINS}, gapfill it on glucose minimal medium "
        "and run FBA: what is the growth rate?"
    )

    done = argo_mcp("run", "--offline", "--server", GEM_FLUX, prompt)

    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("--offline: the built-in simulated model answers (no LLM)")
    calls = [line.split(" {")[0] for line in done.stderr.splitlines() if line.startswith("→ ")]
    assert calls == [
        "→ gem_flux_server.build_model",
        "→ gem_flux_server.gapfill_model",
        "→ gem_flux_server.run_fba",
    ]
    answer = done.stdout
    assert answer.startswith("(simulated) Built the draft E_coli_K12.draft: 88 reactions")
    assert (
        "Gapfilling E_coli_K12.draft on glucose_minimal_aerobic added 3 reactions: CS (citrate synthase)"
        in (" ".join(answer.split()))
    )
    assert (
        "FBA of E_coli_K12.draft.gf on glucose_minimal_aerobic is optimal: the growth rate is 0.866 per hour"
        in (" ".join(answer.split()))
    )


def test_run_shows_a_result_that_reports_failure_as_failed() -> None:
    done = argo_mcp("run", "--offline", "--server", GEM_FLUX, "delete_model no_such_model")

    assert done.returncode == 0, done.stderr
    assert "← failed" in done.stderr
    assert "← ok" not in done.stderr


def test_chat_in_a_terminal_does_build_gapfill_and_fba_offline(terminal: Terminal) -> None:
    terminal.start([*CLI, "chat", "--offline", "--server", GEM_FLUX], cwd=ROOT, width=160)
    terminal.wait_for("you>", within=120)

    terminal.send(f"Build a draft model of E. coli K-12 from {PROTEINS}")
    terminal.wait_for("(simulated) Built the draft E_coli_K12.draft", within=120)
    terminal.send("Now gapfill it on glucose minimal medium")
    terminal.wait_for("(simulated) Gapfilling E_coli_K12.draft on glucose_minimal_aerobic added 3")
    terminal.send("Run FBA on the gapfilled model: what is the growth rate?")
    screen = terminal.wait_for("the growth rate is 0.866 per hour")

    assert "→ gem_flux_server.run_fba" in screen


def test_chat_in_a_terminal_shows_progress_of_a_slow_tool_call(terminal: Terminal, tmp_path: Path) -> None:
    release = tmp_path / "release"
    slow = f"{SLOW} --release {shlex.quote(str(release))}"
    terminal.start([*CLI, "chat", "--offline", "--server", slow], cwd=ROOT)
    terminal.wait_for("you>")

    terminal.send("slow_steps 3")
    screen = terminal.wait_for("⋯ slow_steps [███████░░░░░░░░░░░░░] 1/3 step 1 of 3 · ")
    release.touch()

    assert "running slow_steps" in screen  # the status line, with the elapsed time
    terminal.wait_for("(simulated) The tool answered: done after 3 steps")


def test_chat_in_a_terminal_cancels_a_running_call_on_ctrl_c_and_goes_on(
    terminal: Terminal, tmp_path: Path
) -> None:
    release = tmp_path / "never-created"
    slow = f"{SLOW} --release {shlex.quote(str(release))}"
    terminal.start([*CLI, "chat", "--offline", "--server", slow], cwd=ROOT)
    terminal.wait_for("you>")
    terminal.send("slow_steps 3")
    terminal.wait_for("1/3 step 1 of 3")

    terminal.press("C-c")

    terminal.wait_for("cancelled: the run was stopped")
    terminal.send("echo still here")
    terminal.wait_for("(simulated) The tool answered: still here")
    terminal.send("/quit")
    assert terminal.exit_status() == 0


def test_chat_resumed_in_a_new_process_warns_that_the_servers_started_anew(tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    argo_mcp("chat", "--offline", "--server", SERVER, "--history", str(history), stdin="echo first\n/quit\n")

    done = argo_mcp("chat", "--offline", "--server", SERVER, "--resume", str(history), stdin="/quit\n")

    assert done.returncode == 0, done.stderr
    assert " ".join(done.stderr.split()).startswith(
        "warning: faulty_server started anew since this conversation last ran: what they kept in memory"
    )
