"""The soak test: conversations against real servers while a chaos task kills and restarts them.

Run it alone with ``pytest -k soak -s``; ``ARGO_MCP_SOAK_RUNS`` sets how many conversations
(default 6, the short form CI runs). Servers: server-everything over stdio and over
streamable HTTP, server-memory over stdio, and the FastMCP ledger server over streamable
HTTP (legacy mode, so a restart loses its sessions). Each run makes four calls at once, one
per server; a chaos task kills a random server at random moments, between and during calls,
and starts the HTTP ones again at the same URL. Side effects are counted by the servers
themselves: the ledger's file (one line per ``record`` that ran) and server-memory's file.
``ARGO_MCP_SOAK_DEBUG=1`` also prints slow runs and every call that did not simply run.
"""

from __future__ import annotations

import json
import os
import random
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from argo_mcp_client import ArgoMCPClient, ArgoMCPError, HttpServer, StdioServer, ToolCallRecord
from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, call, reply
from support.long_run import everything_http, ledger_http, memory_spec
from support.processes import descendants, servers_among
from support.reference_servers import everything_spec

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

RUNS = int(os.environ.get("ARGO_MCP_SOAK_RUNS", "6"))


def soak_script(names: dict[str, str]) -> Any:
    """Each run: four calls at once (one per server), then an answer."""

    def answer(request: ScriptedRequest) -> Any:
        if request.messages[-1]["role"] == "tool":
            return reply("done")
        token = request.messages[-1]["content"]
        return [
            call(names["everything_stdio"], {"message": token}, id=f"{token}-es"),
            call(names["everything_http"], {"message": token}, id=f"{token}-eh"),
            call(
                names["memory"],
                {"entities": [{"name": token, "entityType": "soak", "observations": ["seen"]}]},
                id=f"{token}-m",
            ),
            call(names["ledger"], {"token": token, "delay": random.uniform(0, 0.4)}, id=f"{token}-l"),
        ]

    return answer


def guard_child(pid: int) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


async def test_soak_servers_in_the_long_run(tmp_path: Path, children_before: set[int]) -> None:
    ledger_file, memory_file = tmp_path / "ledger.txt", tmp_path / "memory.jsonl"
    http_everything, http_ledger = everything_http(), ledger_http(ledger_file)
    http_everything.start()
    http_ledger.start()
    records: list[ToolCallRecord] = []
    raw_exceptions: list[BaseException] = []
    kills = 0
    try:
        servers: list[StdioServer | HttpServer] = [
            everything_spec("everything_stdio"),
            http_everything.spec("everything_http", protocol="legacy", connect_timeout=15),
            memory_spec(memory_file),
            http_ledger.spec("ledger", protocol="legacy", connect_timeout=15),
        ]
        names: dict[str, str] = {}
        model = ScriptedModel(lambda request: soak_script(names)(request))
        async with ArgoMCPClient(
            servers=servers, openai_client=model.openai_client(), model="gpt4o", tool_timeout=20
        ) as client:
            wanted = {
                "everything_stdio": "echo",
                "everything_http": "echo",
                "memory": "create_entities",
                "ledger": "record",
            }
            names.update({t.server: t.name for t in client.tools if wanted.get(t.server) == t.tool})
            assert client._pool is not None
            connections = client._pool.connections

            restarting: set[str] = set()

            async def restart_http(victim: str) -> None:
                process = http_everything if victim == "everything_http" else http_ledger
                restarting.add(victim)
                try:
                    await anyio.to_thread.run_sync(process.start)
                finally:
                    restarting.discard(victim)

            async def chaos(stop: anyio.Event, group: TaskGroup) -> None:
                nonlocal kills
                rng = random.Random(12)
                victims = ["everything_stdio", "memory"] * 3 + ["everything_http", "ledger"]
                while not stop.is_set():
                    with anyio.move_on_after(rng.uniform(0.2, 1.0)):
                        await stop.wait()
                    if stop.is_set():
                        return
                    victim = rng.choice(victims)
                    if not connections[victim].alive:
                        continue  # down or starting: a kill now would only measure the backoff
                    if victim in ("everything_http", "ledger"):
                        if victim in restarting:
                            continue
                        (http_everything if victim == "everything_http" else http_ledger).kill()
                        kills += 1
                        group.start_soon(restart_http, victim)
                    else:
                        watch = connections[victim]._life.watch
                        pid = guard_child(watch.pid) if watch is not None and watch.pid else None
                        if pid is not None:
                            os.kill(pid, signal.SIGKILL)
                            kills += 1

            stop = anyio.Event()
            with anyio.fail_after(60 + 15 * RUNS):
                async with anyio.create_task_group() as group:
                    group.start_soon(chaos, stop, group)
                    pace = random.Random(7)
                    for n in range(RUNS):
                        with anyio.move_on_after(pace.uniform(0, 0.3)):  # load shaping, not synchronization
                            await anyio.Event().wait()
                        try:
                            began = anyio.current_time()
                            result = await client.run(f"soak{n:04d}")
                            records.extend(result.tool_calls)
                            if os.environ.get("ARGO_MCP_SOAK_DEBUG") and anyio.current_time() - began > 2:
                                slow = [
                                    (r.server, r.outcome, round(r.duration, 1)) for r in result.tool_calls
                                ]
                                print(f"slow run {n}: {anyio.current_time() - began:.1f} s {slow}")
                        except ArgoMCPError as exc:  # the run's own failure: record it, go on
                            raw_exceptions.append(exc)
                        except Exception as exc:
                            raw_exceptions.append(exc)
                    stop.set()
    finally:
        http_everything.kill()
        http_ledger.kill()

    ledger_counts: dict[str, int] = {}
    for line in ledger_file.read_text().splitlines() if ledger_file.exists() else []:
        kind, token = line.split()
        if kind == "ran":
            ledger_counts[token] = ledger_counts.get(token, 0) + 1
    memory_counts: dict[str, int] = {}
    for line in memory_file.read_text().splitlines() if memory_file.exists() else []:
        item = json.loads(line)
        if item.get("type") == "entity":
            memory_counts[item["name"]] = memory_counts.get(item["name"], 0) + 1

    outcomes = {"ran": 0, "not_run": 0, "replayed": 0, "maybe_ran": 0}
    lost: list[ToolCallRecord] = []
    for record in records:
        outcomes[record.outcome] += 1
        token = record.call_id.rsplit("-", 1)[0]
        counts = {"ledger": ledger_counts, "memory": memory_counts}.get(record.server or "")
        if counts is None:
            continue
        effect = counts.get(token, 0)
        if record.outcome in ("ran", "replayed") and not record.is_error and effect != 1:
            lost.append(record)
        if record.outcome == "not_run" and effect != 0:
            lost.append(record)  # said it did not run, yet it did
        if record.outcome == "maybe_ran":
            assert "may have changed something" in record.output or "no result within" in record.output
    duplicated = sum(n - 1 for counts in (ledger_counts, memory_counts) for n in counts.values() if n > 1)
    orphans = len(servers_among(descendants() - children_before))
    raw = [e for e in raw_exceptions if not isinstance(e, ArgoMCPError)]

    line = (
        f"mcp-soak: runs {RUNS}, calls {len(records)}, ran once {outcomes['ran']}, "
        f"refused not run {outcomes['not_run']}, replayed safely {outcomes['replayed']}, "
        f"maybe ran (reported) {outcomes['maybe_ran']}, duplicated side effects {duplicated}, "
        f"lost calls {len(lost)}, raw exceptions {len(raw)}, orphan processes {orphans}"
    )
    print(f"\n{line}  [kills {kills}]")
    if os.environ.get("ARGO_MCP_SOAK_DEBUG"):
        for record in records:
            if record.outcome != "ran":
                print(record.server, record.outcome, record.output[:300])
    assert raw_exceptions == []
    assert len(records) == 4 * RUNS
    assert line.endswith("duplicated side effects 0, lost calls 0, raw exceptions 0, orphan processes 0"), (
        line,
        lost[:3],
    )
