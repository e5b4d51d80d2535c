"""``argo-mcp batch`` as a user runs it: killed mid-way with SIGKILL, then resumed."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from argo_mcp_client.testing import ScriptedModel, ScriptedReply, ScriptedRequest, call, reply
from support.gateway import stub_gateway
from support.processes import environment_without_argo

ROOT = Path(__file__).parents[2]
GATED = Path(__file__).parent / "servers" / "gated_server.py"
CLI = [sys.executable, "-m", "argo_mcp_client.cli"]
QUICK, HELD = 20, 20


def work_then_answer(request: ScriptedRequest) -> ScriptedReply:
    """Call ``work`` with the prompt, then answer with its result."""
    if request.messages[-1]["role"] == "tool":
        return reply(f"done: {request.messages[-1]['content']}")
    return ScriptedReply(tool_calls=(call("work", {"text": request.messages[-1]["content"]}),))


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def wait_for_lines(path: Path, count: int, process: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(lines_of(path)) < count:
        if process.poll() is not None:
            pytest.fail(f"the batch ended early with {process.returncode}: {process.stderr}")
        if time.monotonic() > deadline:
            pytest.fail(f"{path} has {len(lines_of(path))} lines, not {count}, after {timeout} s")
        time.sleep(0.05)  # polling the output file for the batch's progress


def test_a_batch_killed_mid_way_and_resumed_has_every_id_exactly_once(tmp_path: Path) -> None:
    items = tmp_path / "in.jsonl"
    out = tmp_path / "out.jsonl"
    ids = [f"q{i:02d}" for i in range(QUICK)] + [f"h{i:02d}" for i in range(HELD)]
    items.write_text(
        "".join(json.dumps({"id": i, "prompt": ("hold " if i[0] == "h" else "") + i}) + "\n" for i in ids)
    )
    with stub_gateway(ScriptedModel(work_then_answer)) as gateway:
        args = [
            *CLI, "batch", str(items), "--out", str(out), "--concurrency", "4",
            "--base-url", gateway.base_url, "--model", "scripted",
        ]  # fmt: skip
        held = ["--server", shlex.join([sys.executable, str(GATED), "--hold"])]
        free = ["--server", shlex.join([sys.executable, str(GATED)])]
        env = environment_without_argo()
        first = subprocess.Popen(
            [*args, *held], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            text=True, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for_lines(out, QUICK, first)
        finally:
            os.kill(first.pid, signal.SIGKILL)  # no chance to clean up or flush anything
            first.wait(timeout=30)
            # Its stdio servers see their input close and exit; their group is killed too, in case.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(first.pid, signal.SIGKILL)
        assert first.returncode == -signal.SIGKILL
        killed = lines_of(out)
        assert sorted(json.loads(line)["id"] for line in killed) == ids[:QUICK]  # the held ones were lost
        with out.open("a") as file:  # as if the machine had gone down in the middle of a write
            file.write('{"id": "h03", "ok": tr')

        second = subprocess.run(
            [*args, *free, "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    assert second.returncode == 0, second.stderr[-3000:]
    summary = json.loads(second.stdout)
    assert summary["skipped"] == QUICK
    assert summary["done"] == HELD
    results = [json.loads(line) for line in lines_of(out)]
    assert sorted(r["id"] for r in results) == sorted(ids)  # every id exactly once
    assert all(r["ok"] for r in results)
    assert all(r["output"].startswith("done: worked on") for r in results)


def test_an_offline_batch_runs_every_item_with_the_simulated_model(tmp_path: Path) -> None:
    items = tmp_path / "in.jsonl"
    out = tmp_path / "out.jsonl"
    items.write_text("".join(json.dumps({"id": f"i{n}", "prompt": f"hello {n}"}) + "\n" for n in range(5)))
    done = subprocess.run(
        [*CLI, "batch", str(items), "--out", str(out), "--offline", "--json", "--concurrency", "2"],
        cwd=ROOT, env=environment_without_argo(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["ok"] == 5
    results = [json.loads(line) for line in lines_of(out)]
    assert sorted(r["id"] for r in results) == [f"i{n}" for n in range(5)]
    assert all(r["ok"] and r["model"] == "simulated" for r in results)
