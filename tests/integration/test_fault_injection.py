"""Fault injection: the tool-calling loop against a simulated faulty gateway and real stdio MCP servers.

Every scenario runs the real loop over loopback HTTP (tests/support/fault_gateway.py)
and real MCP server subprocesses (servers/faulty_server.py), streamed and not, and
checks what must hold whatever fails:

* the run either completes or raises an ``ArgoMCPError`` subclass (or, when the
  test cancels it, is cancelled); anything else is a bug;
* every history it leaves (the result's, the error's, the conversation's) is valid;
* no process it started outlives it;
* the planted secrets (the API key, a server's environment, an HTTP server's
  headers) appear in no log record, exception text, history or request body.

The module reports one summary line of these figures, printed under "figures" at
the end of the run (and written nowhere).
"""

from __future__ import annotations

import itertools
import json
import logging
import tempfile
import traceback
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO, TypeVar

import anyio
import pytest

from argo_mcp_client import (
    AllModelsFailed,
    ArgoMCPClient,
    ArgoMCPError,
    BreakerSettings,
    ConfigError,
    Conversation,
    Event,
    GatewayError,
    HttpServer,
    ModelError,
    ModelRetrying,
    ModelSwitched,
    RetryPolicy,
    RunFinished,
    RunResult,
    RunTimeout,
    StdioServer,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnRestarted,
)
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import call, reply
from integration.conftest import faulty, faulty_http_server
from support.fakes import FakeClock
from support.fault_gateway import (
    AUTH_NOTICE,
    PARTIAL_TEXT,
    BadAnswer,
    Drop,
    FaultGateway,
    Item,
    Malformed,
    SilentDone,
    Stall,
    StreamErrorEvent,
    always,
    auth_forbidden,
    fault_gateway,
    rate_limited,
    sequence,
    server_error,
    unavailable,
)
from support.figures import report
from support.processes import descendants

# Fresh per session, so no fixture or recorded text can contain them by accident.
API_KEY = f"sk-planted-secret-{uuid.uuid4().hex}"
ENV_SECRET = f"planted-env-secret-{uuid.uuid4().hex}"
HEADER_SECRET = f"planted-header-secret-{uuid.uuid4().hex}"
SECRETS = (API_KEY, ENV_SECRET, HEADER_SECRET)

LOGGERS = ("argo_mcp_client", "mcp", "httpx2", "openai")

# Small delays and timeouts keep the module fast; none of the assertions time anything.
RETRY = RetryPolicy(
    attempts=3,
    base_delay=0.01,
    max_delay=0.02,
    max_retry_after=0.05,
    rate_limit_base_delay=0.01,
    rate_limit_jitter=0,
)
REQUEST_TIMEOUT = 0.5
TOOL_TIMEOUT = 1.0
MAX_TOOL_OUTPUT = 1000
# Bounds that only stop a hung test; a healthy run takes a fraction of them.
RUN_BOUND = 20.0

STREAMING = pytest.mark.parametrize("streaming", [True, False], ids=["stream", "no-stream"])

E = TypeVar("E")

Outcome = Literal["completed", "typed error", "cancelled", "untyped error"]


# -- what the module records ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    scenario: str
    outcome: Outcome
    history_valid: bool
    orphans: int
    secrets: int
    faults: int


@dataclass
class Audit:
    """Everything the module observed, for the summary line."""

    baseline: set[int]
    runs: list[RunRecord] = field(default_factory=list)
    outside_runs: list[logging.LogRecord] = field(default_factory=list)
    other_texts: list[str] = field(default_factory=list)
    """Texts outside the runs to search for the planted secrets (reprs of the clients and servers)."""
    in_test: bool = False
    teardown_orphans: int = 0
    teardown_secrets: int = 0

    def summary(self) -> str:
        count = len(self.runs)
        outcomes = [r.outcome for r in self.runs]
        return (
            f"fault-injection: faults injected {sum(r.faults for r in self.runs)}, "
            f"runs {count}, runs completed {outcomes.count('completed')}, "
            f"typed errors {outcomes.count('typed error')}, cancelled {outcomes.count('cancelled')}, "
            f"untyped errors {outcomes.count('untyped error')}, "
            f"histories valid {sum(r.history_valid for r in self.runs)}/{count}, "
            f"orphan processes {sum(r.orphans for r in self.runs) + self.teardown_orphans}, "
            f"planted secrets found {sum(r.secrets for r in self.runs) + self.teardown_secrets}"
        )


class _Keep(logging.Handler):
    """Keeps the records logged outside the tests (client start-up and shutdown), which caplog misses."""

    def __init__(self, audit: Audit) -> None:
        super().__init__(logging.DEBUG)
        self._audit = audit

    def emit(self, record: logging.LogRecord) -> None:
        if not self._audit.in_test:
            self._audit.outside_runs.append(record)


def count_secrets(texts: Iterable[str]) -> int:
    return sum(text.count(secret) for text in texts for secret in SECRETS)


def log_texts(records: Iterable[logging.LogRecord]) -> Iterator[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        yield formatter.format(record)  # with the traceback, when there is one
        yield repr(record.args)


def exception_texts(error: BaseException | None) -> Iterator[str]:
    """str, repr and traceback of an exception and of everything chained to it."""
    pending = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield "".join(traceback.format_exception_only(current))
        pending += [current.__cause__, current.__context__]
        if isinstance(current, BaseExceptionGroup):
            pending += current.exceptions


# -- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    # Module-wide, so the shared client below lives in one event loop across the tests.
    return "asyncio"


@pytest.fixture(scope="module")
def errlog() -> Iterator[TextIO]:
    """The servers' stderr, kept to be searched for the planted secrets."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as file:
        yield file


@pytest.fixture(scope="module", autouse=True)
def audit(errlog: TextIO, request: pytest.FixtureRequest) -> Iterator[Audit]:
    """Collects the figures; at the very end, counts leftovers and reports the summary line."""
    found = Audit(baseline=descendants())
    keep = _Keep(found)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(keep)
    try:
        yield found
    finally:
        # Torn down after the gateway, the HTTP server and the shared client, which all depend on this.
        root.removeHandler(keep)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        errlog.seek(0)
        found.teardown_orphans = len(descendants() - found.baseline)
        found.teardown_secrets = count_secrets(
            [*log_texts(found.outside_runs), errlog.read(), *found.other_texts]
        )
        report(request.config, found.summary())
    assert found.teardown_orphans == 0, "a server process outlived the module's clients"
    assert found.teardown_secrets == 0, "a planted secret reached a log or a server's stderr"


@pytest.fixture(autouse=True)
def capture_logs(caplog: pytest.LogCaptureFixture, audit: Audit) -> Iterator[None]:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    audit.in_test = True
    yield
    audit.in_test = False


@pytest.fixture(scope="module")
def gateway(audit: Audit) -> Iterator[FaultGateway]:
    with fault_gateway() as served:
        yield served


@pytest.fixture(scope="module")
def http_mcp_url(audit: Audit, errlog: TextIO) -> Iterator[str]:
    """The faulty server over streamable HTTP, reached with a planted secret in its headers."""
    with faulty_http_server(errlog) as url:
        yield url


def stdio_server() -> StdioServer:
    return faulty(connect_timeout=20.0, env={"FAULT_TEST_TOKEN": ENV_SECRET})


def make_client(
    gateway: FaultGateway, servers: Sequence[StdioServer | HttpServer], errlog: TextIO
) -> ArgoMCPClient:
    return ArgoMCPClient(
        servers=list(servers),
        base_url=gateway.base_url,
        api_key=API_KEY,
        model="unused-default",
        retry=RETRY,
        breaker=BreakerSettings(failure_threshold=2, cooldown=60.0),
        clock=FakeClock(),  # never moved: an open breaker stays open for the whole module
        request_timeout=REQUEST_TIMEOUT,
        tool_timeout=TOOL_TIMEOUT,
        max_tool_output=MAX_TOOL_OUTPUT,
        server_errlog=errlog,
    )


@pytest.fixture(scope="module")
async def shared_client(
    audit: Audit, gateway: FaultGateway, http_mcp_url: str, errlog: TextIO
) -> AsyncIterator[ArgoMCPClient]:
    """One client for the scenarios that leave its servers running (starting servers is the slow part).

    Each scenario uses model names of its own, so breakers and learned quirks do not carry over.
    """
    remote = HttpServer(
        name="remote",
        url=http_mcp_url,
        headers={"Authorization": f"Bearer {HEADER_SECRET}"},
        allow_tools=("authorization",),
        connect_timeout=20.0,
    )
    local = stdio_server()
    async with make_client(gateway, [local, remote], errlog) as client:
        audit.other_texts += [repr(client), repr(local), repr(remote), repr(client.tools)]
        yield client


_names = itertools.count(1)


def model_name(scenario: str, streaming: bool) -> str:
    """A model name used by one scenario only (unique under the client's name normalisation too)."""
    return f"sim{next(_names)}-{scenario}-{'stream' if streaming else 'whole'}"


# -- running and recording a scenario -----------------------------------------------------------


@dataclass
class Observed:
    """One run, as seen from outside."""

    conversation: Conversation
    events: list[Event] = field(default_factory=list)
    result: RunResult | None = None
    error: Exception | None = None
    cancelled: bool = False

    @property
    def outcome(self) -> Outcome:
        if self.result is not None:
            return "completed"
        if isinstance(self.error, ArgoMCPError):
            return "typed error"
        if self.cancelled and self.error is None:
            return "cancelled"
        return "untyped error"

    def histories(self) -> list[list[dict[str, Any]] | None]:
        found: list[list[dict[str, Any]] | None] = [self.conversation.messages]
        if self.result is not None:
            found.append(self.result.messages)
        if self.error is not None:
            # An error that ends a run must carry a history to resume from.
            found.append(self.error.history if isinstance(self.error, ArgoMCPError) else None)
        return found

    def texts(self) -> Iterator[str]:
        yield from exception_texts(self.error)
        yield json.dumps(self.histories(), default=str)
        yield repr(self.events)
        if self.result is not None:
            yield repr(self.result)

    def of_type(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]


def valid(history: list[dict[str, Any]] | None) -> bool:
    if history is None:
        return False
    try:
        check_history(history)
    except ConfigError:
        return False
    return True


async def observe(
    client: ArgoMCPClient,
    *,
    model: str,
    streaming: bool,
    fallbacks: Sequence[str] = (),
    prompt: str = "use the tools",
) -> Observed:
    """Run the loop to its end, keeping every event, the result or the error, and the conversation."""
    observed = Observed(conversation=Conversation())
    try:
        with anyio.fail_after(RUN_BOUND):
            async with client.stream(
                prompt,
                model=model,
                fallback_models=fallbacks,
                streaming=streaming,
                conversation=observed.conversation,
            ) as events:
                async for event in events:
                    observed.events.append(event)
                    if isinstance(event, RunFinished):
                        observed.result = event.result
    except Exception as exc:
        observed.error = exc
    return observed


@dataclass
class Recorder:
    """Records the runs of one test: outcome, histories, orphans, secrets, faults."""

    audit: Audit
    gateway: FaultGateway
    caplog: pytest.LogCaptureFixture
    _logged: int = 0
    _requests: int = 0

    def record(
        self,
        scenario: str,
        observed: Observed,
        *,
        before: set[int],
        models: Iterable[str],
        extra_faults: int = 0,
    ) -> RunRecord:
        names = set(models)
        served = [s for s in self.gateway.served[self._requests :] if s.model in names]
        self._requests = len(self.gateway.served)
        records = self.caplog.records[self._logged :]
        self._logged = len(self.caplog.records)
        texts = [*log_texts(records), *observed.texts(), *(json.dumps(s.body) for s in served)]
        run = RunRecord(
            scenario=scenario,
            outcome=observed.outcome,
            history_valid=all(valid(h) for h in observed.histories()),
            orphans=len(descendants() - before),
            secrets=count_secrets(texts),
            faults=sum(s.kind != "answer" for s in served) + extra_faults,
        )
        self.audit.runs.append(run)
        # The key is planted where it belongs, so finding it nowhere else means something.
        assert all(s.authorization == f"Bearer {API_KEY}" for s in served)
        assert run.outcome != "untyped error", f"{scenario}: not an ArgoMCPError: {observed.error!r}"
        assert run.history_valid, f"{scenario}: invalid history: {observed.histories()}"
        assert run.orphans == 0, f"{scenario}: {run.orphans} server processes outlived the run"
        assert run.secrets == 0, f"{scenario}: a planted secret leaked"
        return run


@pytest.fixture
def recorder(audit: Audit, gateway: FaultGateway, caplog: pytest.LogCaptureFixture) -> Recorder:
    return Recorder(audit, gateway, caplog, _requests=len(gateway.served))


def test_the_secret_search_finds_what_is_planted(caplog: pytest.LogCaptureFixture) -> None:
    # Guards the figures against a search that could not find anything.
    logging.getLogger("argo_mcp_client").debug("key %s", API_KEY)
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = ValueError(f"header {HEADER_SECRET}")

    assert count_secrets(log_texts(caplog.records)) == 2  # the formatted message, and the record's args
    # The cause, inside a group: its str, repr and formatted line.
    assert count_secrets(exception_texts(ExceptionGroup("group", [wrapped]))) == 3
    caplog.clear()


# -- gateway faults the loop recovers from ------------------------------------------------------


@dataclass(frozen=True)
class Recoverable:
    """A fault on the first request of a run, after which the gateway answers normally."""

    fault: Item
    kind: str
    """The fault's name in the gateway's log."""
    check: Callable[[Observed, bool], None]
    partial: bool = False
    """The fault sends part of an answer (text included) before failing."""


def retried(reason: str = "", delay: float | None = None) -> Callable[[Observed, bool], None]:
    """The request was retried once, for ``reason``, after a computed delay (or exactly ``delay``)."""

    def check(observed: Observed, streaming: bool) -> None:
        (retry,) = observed.of_type(ModelRetrying)
        assert retry.attempt == 2
        assert reason in retry.reason
        if delay is None:
            assert retry.delay <= RETRY.base_delay
        else:
            assert retry.delay == delay

    return check


def restarted_or_retried(reason: str) -> Callable[[Observed, bool], None]:
    """A stream cut short is asked for again without streaming; a whole reply that fails is retried."""

    def check(observed: Observed, streaming: bool) -> None:
        if streaming:
            (restart,) = observed.of_type(TurnRestarted)
            assert "asking again without streaming" in restart.reason
            assert not observed.of_type(ModelRetrying)
        else:
            retried(reason)(observed, streaming)

    return check


RECOVERABLE = {
    # The gateway asks for 1 s; the policy caps what it honours, so the wait is exactly the cap.
    "429-with-retry-after": Recoverable(
        rate_limited(retry_after="1"), "http-429", retried("HTTP 429", delay=RETRY.max_retry_after)
    ),
    # argo-proxy drops Retry-After: the policy's own backoff applies.
    "429-without-retry-after": Recoverable(rate_limited(), "http-429", retried("HTTP 429")),
    "500": Recoverable(server_error(), "http-500", retried("HTTP 500")),
    "503": Recoverable(unavailable(), "http-503", retried("HTTP 503")),
    "stall": Recoverable(Stall(), "stall", retried("did not answer in time")),
    "stall-mid-body": Recoverable(
        Stall(partial=True), "stall-mid-body", retried("did not answer in time"), partial=True
    ),
    # Any reason: how a transport error is worded is not what this checks.
    "dropped-connection": Recoverable(Drop(), "drop", retried(), partial=True),
    "silent-done": Recoverable(SilentDone(), "silent-done", restarted_or_retried("HTTP 502"), partial=True),
    "stream-error-event": Recoverable(
        StreamErrorEvent(), "stream-error-event", retried("simulated upstream stream error"), partial=True
    ),
}


@STREAMING
@pytest.mark.parametrize("scenario", list(RECOVERABLE))
async def test_the_loop_recovers_from_a_gateway_fault(
    scenario: str, streaming: bool, shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    case = RECOVERABLE[scenario]
    model = model_name(scenario, streaming)
    gateway.route(
        model, sequence(case.fault, call("echo", {"text": "after the fault"}), reply("the echo came back"))
    )
    before = descendants()

    observed = await observe(shared_client, model=model, streaming=streaming)

    recorder.record(scenario, observed, before=before, models=[model])
    assert observed.result is not None, f"{scenario}: the run failed: {observed.error!r}"
    assert observed.result.output == "the echo came back"
    # Only the scripted call ran: no half-built call from the faulty answer reached the tool.
    assert [(c.tool, c.output, c.is_error) for c in observed.result.tool_calls] == [
        ("echo", "after the fault", False)
    ]
    assert gateway.kinds(model)[case.kind] == 1
    case.check(observed, streaming)
    # Text of the cut answer was withdrawn from the consumer and never entered the history.
    assert PARTIAL_TEXT not in json.dumps(observed.result.messages)
    if streaming and case.partial:
        text = "".join(e.text for e in observed.of_type(TextDelta))
        assert PARTIAL_TEXT[:8] in text
        assert observed.of_type(TurnRestarted)


@STREAMING
@pytest.mark.parametrize(
    ("body", "every_time"),
    [("json", False), ("html", False), ("html", True)],
    ids=["json-once", "html-once", "html-every-time"],
)
async def test_an_unparseable_answer_is_recovered_or_a_typed_error(
    body: Literal["json", "html"],
    every_time: bool,
    streaming: bool,
    shared_client: ArgoMCPClient,
    gateway: FaultGateway,
    recorder: Recorder,
) -> None:
    # A 200 the SDK cannot parse: a broken JSON chunk or body, or an HTML page from something in
    # front of the gateway. Whether to retry it is the library's call; raising anything but an
    # ArgoMCPError is not (the recorder fails the test on that).
    model = model_name(f"malformed-{body}", streaming)
    then_answers = sequence(
        Malformed(body), call("echo", {"text": "after the fault"}), reply("the echo came back")
    )
    gateway.route(model, always(Malformed(body)) if every_time else then_answers)
    before = descendants()

    observed = await observe(shared_client, model=model, streaming=streaming)

    recorder.record(f"malformed {body}", observed, before=before, models=[model])
    if streaming:
        # A stream that cannot be assembled is asked for again without streaming.
        assert "asking again without streaming" in observed.of_type(TurnRestarted)[0].reason
    if every_time:
        assert isinstance(observed.error, ModelError)
    elif streaming:
        assert observed.result is not None
    if observed.result is not None:
        assert [c.output for c in observed.result.tool_calls] == ["after the fault"]


async def test_the_run_deadline_stops_a_stalled_model_with_a_resumable_history(
    shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    model = model_name("deadline", True)
    # Every attempt stalls; the run's deadline is shorter than one request timeout.
    gateway.route(model, always(Stall()))
    before = descendants()

    observed = Observed(conversation=Conversation(model=model))
    try:
        with anyio.fail_after(RUN_BOUND):
            observed.result = await shared_client.chat(
                observed.conversation, "use the tools", deadline=REQUEST_TIMEOUT / 2
            )
    except Exception as exc:
        observed.error = exc

    recorder.record("run deadline", observed, before=before, models=[model])
    assert isinstance(observed.error, RunTimeout)
    assert observed.error.history == observed.conversation.messages


# -- answers that are themselves faulty -----------------------------------------------------------


@STREAMING
@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ('{"text": "the closing quote and brace never c', "are not valid JSON"),
        # argo-proxy's wrapping of unparseable arguments: taken for what it is, arguments that did not parse.
        (json.dumps({"raw_arguments": '{"text": "cut'}), "not valid JSON (the gateway passed on the text"),
    ],
    ids=["not-json", "raw-arguments-wrapper"],
)
async def test_invalid_tool_arguments_reach_the_model_not_the_tool(
    arguments: str,
    problem: str,
    streaming: bool,
    shared_client: ArgoMCPClient,
    gateway: FaultGateway,
    recorder: Recorder,
) -> None:
    model = model_name("invalid-arguments", streaming)
    gateway.route(
        model, sequence(BadAnswer(call("echo", arguments), "invalid-arguments"), reply("I will fix the call"))
    )
    before = descendants()

    observed = await observe(shared_client, model=model, streaming=streaming)

    recorder.record("invalid tool arguments", observed, before=before, models=[model])
    assert observed.result is not None
    (record,) = observed.result.tool_calls
    assert record.is_error
    assert problem in record.output
    assert observed.result.messages[-2] == {
        "role": "tool",
        "tool_call_id": record.call_id,
        "content": record.output,
    }


@STREAMING
async def test_a_call_to_an_unknown_tool_is_answered_with_the_tool_list(
    streaming: bool, shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    model = model_name("unknown-tool", streaming)
    gateway.route(model, sequence(BadAnswer(call("no_such_tool", {}), "unknown-tool"), reply("sorry")))
    before = descendants()

    observed = await observe(shared_client, model=model, streaming=streaming)

    recorder.record("unknown tool", observed, before=before, models=[model])
    assert observed.result is not None
    (record,) = observed.result.tool_calls
    assert record.is_error
    assert record.server is None
    assert "there is no tool named 'no_such_tool'" in record.output
    assert "echo" in record.output


# -- models that are down -----------------------------------------------------------------------


@STREAMING
async def test_a_down_model_opens_its_breaker_and_the_fallback_takes_over(
    streaming: bool, shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    primary, fallback = model_name("down", streaming), model_name("fallback", streaming)
    gateway.route(primary, always(unavailable()))
    gateway.route(
        fallback,
        sequence(call("echo", {"text": "from the fallback"}), reply("first run"), reply("second run")),
    )

    before = descendants()
    first = await observe(shared_client, model=primary, fallbacks=[fallback], streaming=streaming)
    recorder.record("model down: breaker opens", first, before=before, models=[primary, fallback])
    asked_while_closed = len(gateway.requests_for(primary))

    before = descendants()
    second = await observe(shared_client, model=primary, fallbacks=[fallback], streaming=streaming)
    recorder.record("model down: breaker open, next run", second, before=before, models=[primary, fallback])

    assert first.result is not None
    assert second.result is not None
    assert (first.result.output, first.result.model) == ("first run", fallback)
    assert (second.result.output, second.result.model) == ("second run", fallback)
    assert first.result.tool_calls[0].output == "from the fallback"
    # Two failures opened the breaker; from then on the model is skipped, not asked.
    assert asked_while_closed == 2
    assert len(gateway.requests_for(primary)) == asked_while_closed
    assert shared_client.breakers[primary].state == "open"
    assert all(e.to_model == fallback for e in second.of_type(ModelSwitched))
    assert "was skipped" in second.of_type(ModelSwitched)[0].reason


@STREAMING
async def test_every_model_down_raises_all_models_failed_with_a_resumable_history(
    streaming: bool, shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    primary, fallback = model_name("all-down-a", streaming), model_name("all-down-b", streaming)
    # The first turn works, so the history to resume from holds a tool exchange.
    gateway.route(primary, sequence(call("echo", {"text": "before the outage"}), then=unavailable()))
    gateway.route(fallback, always(unavailable()))
    before = descendants()

    observed = await observe(shared_client, model=primary, fallbacks=[fallback], streaming=streaming)

    recorder.record("every model down", observed, before=before, models=[primary, fallback])
    assert isinstance(observed.error, AllModelsFailed)
    causes = [e for e in observed.error.exceptions if isinstance(e, ModelError)]
    assert [(e.model, e.status_code) for e in causes] == [(primary, 503), (fallback, 503)]
    assert observed.error.history is not None
    assert [m["role"] for m in observed.error.history] == ["user", "assistant", "tool"]
    assert observed.conversation.messages == observed.error.history


# -- the Argo authentication notice ----------------------------------------------------------------

NOTICES: dict[str, tuple[Item, int | None]] = {
    # Status 200, the notice as the answer's text: whole, or split across stream deltas.
    "notice-as-text": (BadAnswer(reply(AUTH_NOTICE), "auth-notice-text"), None),
    # argo-proxy's non-streamed form.
    "notice-as-403": (auth_forbidden(), 403),
}


@STREAMING
@pytest.mark.parametrize("notice", list(NOTICES))
async def test_the_authentication_notice_is_a_gateway_error_and_no_model_is_tried_after_it(
    notice: str, streaming: bool, shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    item, status = NOTICES[notice]
    primary, fallback = model_name("auth", streaming), model_name("auth-fallback", streaming)
    gateway.route(primary, always(item))
    gateway.route(fallback, always(reply("the fallback should not have been asked")))
    before = descendants()

    observed = await observe(shared_client, model=primary, fallbacks=[fallback], streaming=streaming)

    recorder.record(f"authentication notice ({notice})", observed, before=before, models=[primary, fallback])
    assert isinstance(observed.error, GatewayError)
    assert observed.error.status_code == status
    assert "config.yaml" in str(observed.error)
    # Fatal: not retried, and no fallback, since the same gateway serves every model.
    assert len(gateway.requests_for(primary)) == 1
    assert gateway.requests_for(fallback) == []
    assert all(m["role"] != "assistant" for m in observed.conversation.messages)


async def test_the_authentication_notice_as_a_stream_error_event_is_a_gateway_error(
    shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    # argo-proxy's form when the notice fits in one upstream chunk: an error event in a 200
    # stream. The user is not registered, so every model behind the gateway answers the same.
    primary, fallback = model_name("auth-event", True), model_name("auth-event-fallback", True)
    event = StreamErrorEvent(
        message="Upstream stream ended before completion: ArgoAuthWarning", answer=reply("")
    )
    gateway.route(primary, always(event))
    gateway.route(fallback, always(event))
    before = descendants()

    observed = await observe(shared_client, model=primary, fallbacks=[fallback], streaming=True)

    recorder.record(
        "authentication notice (stream error event)", observed, before=before, models=[primary, fallback]
    )
    asked = len(gateway.requests_for(primary)) + len(gateway.requests_for(fallback))
    assert isinstance(observed.error, GatewayError), (
        f"the notice was taken for a transient failure: {asked} requests, retried and handed to the "
        f"fallback, ending in {observed.error!r}"
    )
    assert asked == 1


# -- MCP server faults ------------------------------------------------------------------------------


@STREAMING
async def test_a_server_crashing_mid_call_becomes_an_error_result_and_the_run_completes(
    streaming: bool, gateway: FaultGateway, errlog: TextIO, recorder: Recorder
) -> None:
    # A client of its own: the crash takes its server down.
    model = model_name("crash", streaming)
    gateway.route(
        model, sequence(call("crash"), call("echo", {"text": "anyone there?"}), reply("it crashed"))
    )
    before = descendants()

    with anyio.fail_after(RUN_BOUND):
        async with make_client(gateway, [stdio_server()], errlog) as client:
            observed = await observe(client, model=model, streaming=streaming)

    recorder.record("MCP server crash", observed, before=before, models=[model], extra_faults=1)
    assert observed.result is not None
    crashed = observed.result.tool_calls[0]
    assert crashed.is_error
    # The model was told, in the tool message answering the call.
    told = gateway.requests_for(model)[1].body["messages"][-1]
    assert told == {"role": "tool", "tool_call_id": crashed.call_id, "content": crashed.output}
    assert observed.result.output == "it crashed"


@STREAMING
async def test_a_hung_tool_times_out_into_an_error_result(
    streaming: bool, shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    model = model_name("hang", streaming)
    gateway.route(model, sequence(call("hang"), call("echo", {"text": "still serving"}), reply("it hung")))
    before = descendants()

    observed = await observe(shared_client, model=model, streaming=streaming)

    recorder.record("MCP tool hang", observed, before=before, models=[model], extra_faults=1)
    assert observed.result is not None
    hung, echoed = observed.result.tool_calls
    assert hung.is_error
    assert f"no result within {TOOL_TIMEOUT:g} s" in hung.output
    # The server is still usable after the timed-out call.
    assert (echoed.output, echoed.is_error) == ("still serving", False)


@STREAMING
async def test_oversized_tool_output_is_cut_with_a_marker(
    streaming: bool, shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    model = model_name("oversized", streaming)
    text = "x" * (MAX_TOOL_OUTPUT * 5)
    gateway.route(model, sequence(call("echo", {"text": text}), reply("that was long")))
    before = descendants()

    observed = await observe(shared_client, model=model, streaming=streaming)

    recorder.record("oversized tool output", observed, before=before, models=[model], extra_faults=1)
    assert observed.result is not None
    marker = f"\n[output truncated: {len(text) - MAX_TOOL_OUTPUT} of {len(text)} characters not shown]"
    tool_message = observed.result.messages[-2]
    assert tool_message["role"] == "tool"
    assert tool_message["content"] == "x" * MAX_TOOL_OUTPUT + marker
    # What the model was sent next is the cut text, not the whole output.
    last_request = gateway.requests_for(model)[-1].body["messages"]
    assert last_request[-1]["content"] == tool_message["content"]


# -- cancellation at each await point of a turn ---------------------------------------------------

CancelPoint = Literal["waiting-for-model", "streaming", "tool-running", "slow-consumer"]

CANCEL_POINTS: list[tuple[CancelPoint, bool]] = [
    ("waiting-for-model", True),
    ("waiting-for-model", False),
    ("streaming", True),  # only a streamed reply has a "while streaming"
    ("tool-running", True),
    ("tool-running", False),
    ("slow-consumer", True),
    ("slow-consumer", False),
]


@pytest.mark.parametrize(
    ("point", "streaming"),
    CANCEL_POINTS,
    ids=[f"{p}-{'stream' if s else 'no-stream'}" for p, s in CANCEL_POINTS],
)
async def test_cancelling_at_an_await_point_leaves_a_valid_conversation(
    point: CancelPoint,
    streaming: bool,
    shared_client: ArgoMCPClient,
    gateway: FaultGateway,
    recorder: Recorder,
) -> None:
    model = model_name(f"cancel-{point}", streaming)
    plans = {
        # The gateway holds every request (retries included) until the client goes away.
        "waiting-for-model": always(Stall()),
        "streaming": always(Stall(partial=True, answer=reply("a long answer that never finishes " * 4))),
        "tool-running": sequence(call("hang"), reply("never asked")),
        # The next turn's request is held too, so the run is parked whether events are handed
        # over unbuffered (it waits on the consumer) or buffered (it goes on to that request).
        "slow-consumer": sequence(call("echo", {"text": "delivered"}), then=Stall()),
    }
    gateway.route(model, plans[point])
    arrived = gateway.arrival(model)
    reached = anyio.Event()
    observed = Observed(conversation=Conversation(), cancelled=True)

    def is_the_point(event: Event) -> bool:
        return {
            "waiting-for-model": False,  # the gateway tells when the request is in
            "streaming": isinstance(event, TextDelta),
            "tool-running": isinstance(event, ToolCallStarted),
            "slow-consumer": isinstance(event, ToolCallFinished),
        }[point]

    async def consume() -> None:
        async with shared_client.stream(
            "use the tools", model=model, streaming=streaming, conversation=observed.conversation
        ) as events:
            async for event in events:
                observed.events.append(event)
                if is_the_point(event):
                    reached.set()
                    if point == "slow-consumer":
                        # Stop reading, as a consumer busy with something else does.
                        await anyio.sleep_forever()

    before = descendants()
    try:
        with anyio.fail_after(RUN_BOUND):
            async with anyio.create_task_group() as group:
                group.start_soon(consume)
                await (arrived if point == "waiting-for-model" else reached).wait()
                if point in ("tool-running", "slow-consumer"):
                    # Until the run is parked: on the server's reply, or on handing over the next event.
                    await anyio.wait_all_tasks_blocked()
                group.cancel_scope.cancel()
    except Exception as exc:
        observed.error = exc

    recorder.record(f"cancelled: {point}", observed, before=before, models=[model], extra_faults=1)
    assert observed.outcome == "cancelled"
    messages = observed.conversation.messages
    if point in ("waiting-for-model", "streaming"):
        # Nothing of the unfinished reply (streamed text included) enters the history.
        assert [m["role"] for m in messages] == ["user"]
    else:
        assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
        tool = messages[-1]["content"]
        if point == "tool-running":
            assert "the run stopped before this tool call finished" in tool
        else:
            assert tool == "delivered"


async def test_the_shared_server_survives_the_cancellations_and_timeouts(
    shared_client: ArgoMCPClient, gateway: FaultGateway, recorder: Recorder
) -> None:
    # Runs after the scenarios above in file order: the server they cancelled calls on still answers.
    model = model_name("still-alive", False)
    gateway.route(model, sequence(call("pid"), reply("alive")))
    before = descendants()

    observed = await observe(shared_client, model=model, streaming=False)

    recorder.record("server alive after faults", observed, before=before, models=[model])
    assert observed.result is not None
    (record,) = observed.result.tool_calls
    assert not record.is_error
    assert int(record.output) in descendants()
