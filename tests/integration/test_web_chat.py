"""Tutorial 06, the web chat, run as a user runs it: served by a subprocess, used in a browser.

The app runs with ``--offline`` (the simulated model, with the real Gem-Flux reference
server). One test reads its server-sent events directly; the other drives the page in
headless Chromium (Debian's ``chromium``, through playwright-core from npm).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from integration.conftest import free_port, wait_for_port
from support.browser import Browser, BrowserUnavailable, browser
from support.processes import environment_without_argo, stop_process_tree
from support.reference_servers import RegistryUnreachable

TUTORIAL = Path(__file__).parents[2] / "examples" / "argo_llm" / "06_web_chat.py"
START_TIMEOUT = 120.0
"""Seconds the app may take to listen: it starts the Gem-Flux server and lists its tools first."""
STOP_TIMEOUT = 20.0


@dataclass
class WebChat:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _stop(process: subprocess.Popen[bytes]) -> list[int]:
    """Stop the app with SIGTERM, as Ctrl-C would; return the descendants that outlived it (killed)."""
    return sorted(stop_process_tree(process, timeout=STOP_TIMEOUT, grace=STOP_TIMEOUT))


@pytest.fixture(scope="module")
def web_chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebChat]:
    """The tutorial serving on a free loopback port with the simulated model, stopped after the module."""
    port = free_port()
    log = tmp_path_factory.mktemp("web_chat") / "app.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(TUTORIAL), "--offline", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment_without_argo(),
        )
    try:
        wait_for_port(port, process, timeout=START_TIMEOUT)
    except (RuntimeError, TimeoutError) as exc:
        _stop(process)
        pytest.fail(f"{exc}\n{log.read_text()}")
    chat = WebChat(url=f"http://127.0.0.1:{port}/", process=process, log=log)
    yield chat
    outlived = _stop(process)
    assert not outlived, f"processes outlived the web chat: {outlived}"
    assert "Traceback" not in log.read_text(), log.read_text()


def _post(url: str, body: dict[str, Any] | None = None) -> urllib.request.Request:
    data = json.dumps(body).encode() if body is not None else b""
    return urllib.request.Request(url, data=data, method="POST", headers={"content-type": "application/json"})


def _events(chat: WebChat, session: str, message: str) -> list[tuple[str, dict[str, Any]]]:
    """The server-sent events of one chat turn, read to the end of the response."""
    events: list[tuple[str, dict[str, Any]]] = []
    with urllib.request.urlopen(
        _post(f"{chat.url}api/chat", {"session": session, "message": message}), timeout=120
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        name = "message"
        for raw in r:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.split(":", 1)[1])))
                name = "message"
    return events


def test_web_chat_streams_a_turn_as_server_sent_events_and_keeps_the_conversation(web_chat: WebChat) -> None:
    with urllib.request.urlopen(_post(f"{web_chat.url}api/sessions"), timeout=30) as r:
        info = json.load(r)
    assert info["scripted"] is True
    assert "simulated model, which calls no LLM" in info["backend"]
    assert info["servers"] == ["gemflux"]

    first = _events(web_chat, info["session"], "Build a draft model of E. coli K-12")
    follow_up = _events(web_chat, info["session"], "Now gapfill it")

    names = [name for name, _ in first]
    assert names[0] == "run_started"
    assert names[-1] == "done"
    assert names.count("text") > 1
    started = next(data for name, data in first if name == "tool_started")
    assert (started["server"], started["tool"]) == ("gemflux", "build_model")
    finished = next(data for name, data in first if name == "tool_finished")
    assert finished["ok"] is True
    assert '"model_id":"E_coli_K12.draft"' in finished["output"]
    assert finished["structured"]["model_id"] == "E_coli_K12.draft"
    text = "".join(data["text"] for name, data in first if name == "text")
    assert text.startswith("(simulated) Built the draft E_coli_K12.draft")
    # The second message continues the same conversation: the simulated model gapfills the first draft.
    gapfill = next(data for name, data in follow_up if name == "tool_finished")
    assert gapfill["ok"] is True
    assert "E_coli_K12.draft.gf" in gapfill["output"]


def _new_session(chat: WebChat) -> str:
    with urllib.request.urlopen(_post(f"{chat.url}api/sessions"), timeout=60) as r:
        return str(json.load(r)["session"])


def test_web_chat_gives_each_tab_its_own_gem_flux_server(web_chat: WebChat) -> None:
    first, second = _new_session(web_chat), _new_session(web_chat)

    _events(web_chat, first, "Build a draft model of E. coli")
    listed = _events(web_chat, second, "list_models")

    models = next(data for name, data in listed if name == "tool_finished")["structured"]
    assert models["success"] is True
    assert models["models"] == []


def test_web_chat_cancel_answers_for_a_session_with_no_running_turn(web_chat: WebChat) -> None:
    session = _new_session(web_chat)

    with urllib.request.urlopen(_post(f"{web_chat.url}api/cancel", {"session": session}), timeout=30) as r:
        answer = json.load(r)

    assert answer == {"cancelled": False}


SLOW_SERVER = Path(__file__).parent / "servers" / "slow_server.py"


@pytest.fixture
def slow_web_chat(tmp_path: Path) -> Iterator[WebChat]:
    """The tutorial in front of a server whose tool reports progress, then waits (never released)."""
    port = free_port()
    log = tmp_path / "app.log"
    server = f"{sys.executable} {SLOW_SERVER} --release {tmp_path / 'never-created'}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(TUTORIAL), "--offline", "--port", str(port), "--server", server],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment_without_argo(),
        )
    try:
        wait_for_port(port, process, timeout=START_TIMEOUT)
    except (RuntimeError, TimeoutError) as exc:
        _stop(process)
        pytest.fail(f"{exc}\n{log.read_text()}")
    yield WebChat(url=f"http://127.0.0.1:{port}/", process=process, log=log)
    assert not _stop(process), "processes outlived the web chat"


def test_web_chat_streams_progress_and_stops_a_turn_on_cancel(slow_web_chat: WebChat) -> None:
    session = _new_session(slow_web_chat)
    events: list[tuple[str, dict[str, Any]]] = []
    request = _post(f"{slow_web_chat.url}api/chat", {"session": session, "message": "slow_steps 3"})
    with urllib.request.urlopen(request, timeout=120) as stream:
        name = "message"
        for raw in stream:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.split(":", 1)[1])))
                if name == "tool_progress":
                    cancel = _post(f"{slow_web_chat.url}api/cancel", {"session": session})
                    with urllib.request.urlopen(cancel, timeout=30) as answer:
                        assert json.load(answer) == {"cancelled": True}

    names = [name for name, _ in events]
    progress = next(data for name, data in events if name == "tool_progress")
    assert (progress["progress"], progress["total"], progress["message"]) == (1, 3, "step 1 of 3")
    assert names[-1] == "cancelled"
    assert "tool_finished" not in names
    # The conversation goes on after the cancelled turn.
    after = _events(slow_web_chat, session, "echo still here")
    assert next(data for name, data in after if name == "tool_finished")["output"] == "still here"


def _refusal(request: urllib.request.Request) -> tuple[int, str]:
    """The status and error message of a request the app refuses."""
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30).close()
    with refused.value as response:
        return response.code, json.load(response)["error"]


def test_web_chat_refuses_unknown_sessions_and_empty_messages(web_chat: WebChat) -> None:
    unknown = _refusal(_post(f"{web_chat.url}api/chat", {"session": "nope", "message": "hi"}))
    with urllib.request.urlopen(_post(f"{web_chat.url}api/sessions"), timeout=30) as r:
        session = json.load(r)["session"]
    empty = _refusal(_post(f"{web_chat.url}api/chat", {"session": session, "message": " "}))

    assert unknown == (404, "unknown session: reload the page")
    assert empty == (400, "the message is empty")


@pytest.fixture(scope="module")
def chromium() -> Browser:
    try:
        return browser()
    except BrowserUnavailable as exc:
        pytest.skip(str(exc))
    except RegistryUnreachable as exc:
        pytest.skip(f"cannot install playwright-core for the browser test: {exc}")


CHAT_IN_THE_BROWSER = """
withPage(async (page, args) => {
  await page.goto(args.url);
  await page.waitForSelector('#backend[data-scripted="true"]');
  await page.waitForSelector("#send:not([disabled])");
  const backend = await page.textContent("#backend");

  async function ask(message, index) {
    await page.fill("#message", message);
    await page.click("#send");
    const reply = page.locator(".message.assistant").nth(index);
    await reply.locator('xpath=self::*[@data-state="done" or @data-state="error"]').waitFor();
    await page.waitForSelector("#send:not([disabled])");
    return {
      state: await reply.getAttribute("data-state"),
      deltas: Number(await reply.getAttribute("data-deltas")),
      text: await reply.locator(".text").allTextContents(),
      tools: await reply.locator("details.tool").evaluateAll((cards) =>
        cards.map((card) => ({
          tool: card.dataset.tool,
          status: card.dataset.status,
          open: card.open,
          summary: card.querySelector("summary").textContent,
          result: card.querySelector("pre.result")?.textContent ?? null,
        }))
      ),
      footer: await reply.locator(".summary, .note.error").allTextContents(),
    };
  }

  const first = await ask(args.first, 0);
  const second = await ask(args.second, 1);
  const third = await ask(args.third, 2);
  const userBubble = page.locator(".message.user .content").first();
  const fba = page.locator(".message.assistant").nth(2).locator("figure.fba");
  await fba.scrollIntoViewIfNeeded();
  await page.screenshot({ path: args.screenshot });
  return {
    backend,
    first,
    second,
    growth: await fba.locator(".growth").textContent(),
    bars: await fba.locator("svg.flux-chart rect.bar").count(),
    reactions: await fba.locator("svg.flux-chart text.reaction").allTextContents(),
    tables: await page.locator(".visual table").count(),
    fieldRows: await fba.locator("xpath=..").locator("table.fields tr").allTextContents(),
    thirdText: third.text,
    userText: await userBubble.textContent(),
    userBoldElements: await userBubble.locator("b").count(),
  };
});
"""


def test_web_chat_in_headless_chromium(web_chat: WebChat, chromium: Browser, tmp_path: Path) -> None:
    screenshot = tmp_path / "web_chat.png"
    first = "Build a draft model of <b>E. coli</b> K-12 from two protein sequences."

    seen = chromium.run(
        CHAT_IN_THE_BROWSER,
        {
            "url": web_chat.url,
            "first": first,
            "second": "Now gapfill it.",
            "third": "How fast does the gapfilled model grow?",
            "screenshot": str(screenshot),
        },
        work=tmp_path / "browser",
    )

    assert seen["errors"] == []
    assert seen["backend"].startswith("Simulation")
    assert "simulated model" in seen["backend"]
    # The user's text is shown as text: the markup in it made no element.
    assert seen["userText"] == first
    assert seen["userBoldElements"] == 0
    reply = seen["first"]
    assert reply["state"] == "done", reply
    assert reply["deltas"] > 1
    assert "(simulated) Built the draft E_coli_K12.draft" in "".join(reply["text"])
    [tool] = reply["tools"]
    assert tool["tool"] == "build_model"
    assert tool["status"] == "ok"
    assert tool["open"] is False
    assert "gemflux.build_model" in tool["summary"]
    assert '"model_name":"E_coli_K12"' in tool["summary"]
    assert '"model_id":"E_coli_K12.draft"' in tool["result"]
    assert "1 tool call" in reply["footer"][0]
    follow_up = seen["second"]
    assert follow_up["state"] == "done", follow_up
    assert [(t["tool"], t["status"]) for t in follow_up["tools"]] == [("gapfill_model", "ok")]
    # The FBA result is drawn: the growth rate, and a chart of the largest fluxes, next to its table.
    assert seen["growth"].startswith("Growth rate 0.866 h⁻¹ · optimal")
    assert seen["bars"] == 12
    assert "CYTBD" in seen["reactions"]
    assert "objective_value0.865716" in seen["fieldRows"]
    assert seen["tables"] >= 3
    assert "the growth rate is 0.866 per hour" in "".join(seen["thirdText"])
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 1000


STOP_IN_THE_BROWSER = """
withPage(async (page, args) => {
  await page.goto(args.url);
  await page.waitForSelector("#send:not([disabled])");
  await page.fill("#message", "slow_steps 3");
  await page.click("#send");
  const progress = page.locator(".progress");
  await page.waitForSelector('.progress progress[value="1"]');
  const timed = () => /· \\d+\\.\\d s$/.test(document.querySelector(".progress-text").textContent);
  await page.waitForFunction(timed);
  const seen = { bar: await progress.locator("progress").evaluate((bar) => [bar.value, bar.max]),
                 text: await progress.locator(".progress-text").textContent(),
                 stopVisible: await page.isVisible("#stop") };
  await page.screenshot({ path: args.screenshot });
  await page.click("#stop");
  const reply = page.locator(".message.assistant").first();
  await reply.locator('xpath=self::*[@data-state="cancelled"]').waitFor();
  await page.waitForSelector("#send:not([disabled])");
  return {
    ...seen,
    status: await reply.locator("details.tool .status").textContent(),
    note: await reply.locator(".note.error, .summary").allTextContents(),
    progressLeft: await page.locator(".progress").count(),
    stopVisibleAfter: await page.isVisible("#stop"),
  };
});
"""


def test_web_chat_shows_progress_and_the_stop_button_cancels(
    slow_web_chat: WebChat, chromium: Browser, tmp_path: Path
) -> None:
    screenshot = tmp_path / "progress.png"

    seen = chromium.run(
        STOP_IN_THE_BROWSER,
        {"url": slow_web_chat.url, "screenshot": str(screenshot)},
        work=tmp_path / "browser",
    )

    assert seen["errors"] == []
    assert seen["bar"] == [1, 3]
    assert seen["text"].startswith("1 of 3: step 1 of 3 · ")
    assert seen["stopVisible"] is True
    assert seen["status"] == "stopped"
    assert seen["note"] == ["Stopped: the turn was cancelled."]
    assert seen["progressLeft"] == 0
    assert seen["stopVisibleAfter"] is False
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
