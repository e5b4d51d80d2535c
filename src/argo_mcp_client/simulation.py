"""The simulated model: no LLM, a fixed and visible behaviour, able to do the Gem-Flux workflow.

``argo-mcp --offline``, the tutorials and the web chat use it when no model is
at hand. The tool calls it makes and their results are real; only the "model"
is simulated, and every answer it writes starts with ``(simulated)``.

What it does with each message:

* A request that speaks of building a draft model, gapfilling, running FBA
  (or asking for a growth rate), or listing media gets those Gem-Flux tool
  calls, one per turn and in workflow order (``build_model`` →
  ``gapfill_model`` → ``run_fba``), each taking its arguments from the
  message and from the results before it: protein sequences written in the
  message, the model id the previous tool returned, the medium the message
  names. Then it sums up what the tools found (reactions added, growth rate).
* A question about what was already done ("what did gapfilling add?", "what
  growth rate did FBA predict?") is answered from the tool results in the
  conversation.
* A message naming a tool (``echo hello``) calls that tool, its required
  arguments filled from the rest of the message.
* Anything else gets a reply saying what it can do.

Example:
    ```python
    from argo_mcp_client import ArgoMCPClient
    from argo_mcp_client.simulation import simulated_model

    async with ArgoMCPClient(servers=..., model="simulated",
                             http_client=simulated_model().http_client()) as client:
        result = await client.run("Build a draft model of E. coli, gapfill it on glucose and run FBA")
    ```
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argo_mcp_client.testing import ScriptedModel, ScriptedReply, ScriptedRequest, call, reply

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["SAMPLE_SEQUENCES", "SIMULATED", "respond", "simulated_model"]

SIMULATED = "(simulated)"
"""How every answer of the simulated model starts."""

SAMPLE_SEQUENCES = {"prot_001": "MKLVINLVGNSGLGKSTFTQRLIN", "prot_002": "MKQHKAMIVALERFRKEKRDAALL"}
"""The protein sequences ``build_model`` gets when the message gives none."""

_CUT = 300
_STEPS = (
    ("build_model", re.compile(r"\bbuild\b|\bdraft model\b|\bcreate (?:a |the )?(?:draft )?model\b", re.I)),
    ("gapfill_model", re.compile(r"\bgap-?fill", re.I)),
    ("run_fba", re.compile(r"\bfba\b|flux balance|growth rate|how fast|\bgrows?\b", re.I)),
)
_MEDIA_QUESTION = re.compile(r"\bmedia\b|\bmedium\b.*\b(available|list|which)\b", re.I)
_QUESTION = re.compile(r"^\s*(what|which|how|did|does|do|is|are|was|were|why|tell me)\b", re.I)
_PROTEIN = re.compile(r"\b[ACDEFGHIKLMNPQRSTVWY]{15,}\b")
_MODEL_ID = re.compile(r"\b[A-Za-z][\w-]*\.draft(?:\.gf)?\b")


def simulated_model(*, chunk_size: int = 4) -> ScriptedModel:
    """A scripted model following the simulation's rules, streaming a few characters at a time."""
    return ScriptedModel(respond, chunk_size=chunk_size)


@dataclass(frozen=True, slots=True)
class _Result:
    tool: str
    value: Any
    """The parsed JSON result, or the text when it is not JSON."""
    failed: bool


def respond(request: ScriptedRequest) -> ScriptedReply:
    """The simulated model's answer to one chat-completion request."""
    messages = request.messages
    last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=-1)
    said = _text(messages[last_user]["content"]) if last_user >= 0 else ""
    asked = sum(1 for m in messages if m["role"] == "user")
    earlier = _results(messages[: max(last_user, 0)])
    now = _results(messages[last_user + 1 :])
    offered = set(request.tool_names)
    steps = [tool for tool, words in _STEPS if words.search(said) and tool in offered]
    if not steps and _MEDIA_QUESTION.search(said) and "list_media" in offered:
        steps = ["list_media"]
    if steps and _QUESTION.match(said) and not now:
        known = _answer_from(said, earlier)
        if known is not None:
            return reply(known)
    if steps:
        if now and now[-1].failed:
            return reply(_summary(now))
        if len(now) < len(steps):
            step = steps[len(now)]
            return ScriptedReply(tool_calls=(call(step, _workflow_arguments(step, said, earlier + now)),))
        return reply(_summary(now))
    if now:
        answer = now[-1].value if isinstance(now[-1].value, str) else json.dumps(now[-1].value)
        if len(answer) > _CUT:
            answer = answer[:_CUT] + "..."
        return reply(f"{SIMULATED} The tool answered: {answer} [message {asked} of this conversation]")
    tool = _named_tool(request.tools, said)
    if tool is None:
        names = ", ".join(request.tool_names) or "none"
        return reply(
            f"{SIMULATED} I am a simulated model, not an LLM. Ask me to build a draft model, gapfill it "
            f"and run FBA, or name a tool to have it called; the tools are: {names}. "
            f"[message {asked} of this conversation]"
        )
    name = tool["function"]["name"]
    rest = re.sub(rf"^.*?\b{re.escape(name)}\b\s*", "", said, count=1, flags=re.DOTALL).strip()
    return ScriptedReply(tool_calls=(call(name, _named_arguments(tool["function"]["parameters"], rest)),))


# ---------------------------------------------------------------------------
# The conversation's tool results.


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _results(messages: Sequence[dict[str, Any]]) -> list[_Result]:
    """The tool results among ``messages``, with the tool each answers and whether it failed."""
    names: dict[str, str] = {}
    found: list[_Result] = []
    for message in messages:
        for tool_call in message.get("tool_calls") or ():
            names[str(tool_call.get("id"))] = str(tool_call["function"]["name"])
        if message["role"] != "tool":
            continue
        text = _text(message.get("content"))
        try:
            value: Any = json.loads(text)
        except ValueError:
            value = text
        failed = (isinstance(value, dict) and value.get("success") is False) or (
            isinstance(value, str) and value.startswith(("Error", "error"))
        )
        found.append(_Result(names.get(str(message.get("tool_call_id")), ""), value, failed))
    return found


def _latest(results: Sequence[_Result], *tools: str) -> dict[str, Any] | None:
    for result in reversed(results):
        if result.tool in tools and not result.failed and isinstance(result.value, dict):
            return result.value
    return None


# ---------------------------------------------------------------------------
# Arguments, from the message and the results before.


def _workflow_arguments(tool: str, said: str, results: Sequence[_Result]) -> dict[str, Any]:
    if tool == "build_model":
        return {
            "protein_sequences": _sequences(said),
            "template": "GramPositive" if re.search(r"gram[- ]?positive", said, re.I) else "GramNegative",
            "model_name": _model_name(said),
        }
    if tool == "list_media":
        return {}
    source = ("build_model",) if tool == "gapfill_model" else ("gapfill_model", "build_model")
    previous = _latest(results, *source) or {}
    named = _MODEL_ID.findall(said)
    model_id = named[-1] if named else previous.get("model_id", "")
    return {"model_id": model_id, "media_id": _medium(said, results)}


def _sequences(said: str) -> dict[str, str]:
    """Sequences given as a JSON object, or written out in the message; else the sample ones."""
    for match in re.finditer(r"\{[^{}]*\}", said):
        try:
            value = json.loads(match.group())
        except ValueError:
            continue
        if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
            return {str(k): v for k, v in value.items()}
    written = _PROTEIN.findall(said)
    if written:
        return {f"prot_{i:03d}": sequence for i, sequence in enumerate(written, start=1)}
    return dict(SAMPLE_SEQUENCES)


def _model_name(said: str) -> str:
    named = re.search(r"\b(?:named|called)\s+[\"'`]?([A-Za-z][\w-]*)", said)
    if named:
        return named.group(1)
    if re.search(r"\bE\.?\s*coli\b", said, re.I):
        return "E_coli_K12" if re.search(r"\bK-?12\b", said, re.I) else "E_coli"
    return "draft_model"


def _medium(said: str, results: Sequence[_Result]) -> str:
    named = re.search(r"\b(glucose|pyruvate)_minimal_(aerobic|anaerobic)\b", said)
    if named:
        return named.group()
    lowered = said.lower()
    if "glucose" in lowered or "pyruvate" in lowered:
        carbon = "pyruvate" if "pyruvate" in lowered else "glucose"
        return f"{carbon}_minimal_{'anaerobic' if 'anaerobic' in lowered else 'aerobic'}"
    previous = _latest(results, "gapfill_model", "run_fba") or {}
    return str(previous.get("media_id", "glucose_minimal_aerobic"))


def _named_tool(tools: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    found: list[tuple[int, dict[str, Any]]] = []
    for tool in tools:
        match = re.search(rf"\b{re.escape(tool['function']['name'])}\b", text)
        if match:
            found.append((match.start(), tool))
    return min(found, key=lambda item: item[0])[1] if found else None


def _named_arguments(schema: dict[str, Any], text: str) -> dict[str, Any]:
    """Required arguments from the rest of the message: ids it names, numbers, or the text itself."""
    properties = schema.get("properties") or {}
    arguments: dict[str, Any] = {}
    words = text.split()
    for name in schema.get("required") or []:
        spec = properties.get(name) or {}
        if name == "model_id" and _MODEL_ID.search(text):
            arguments[name] = _MODEL_ID.findall(text)[-1]
        elif name == "media_id" and re.search(r"_minimal_", text):
            arguments[name] = next(w for w in words if "_minimal_" in w)
        elif name.endswith("_id") and words:
            arguments[name] = words[0]
        else:
            arguments[name] = _value(spec, text)
    return arguments


def _value(schema: dict[str, Any], text: str) -> Any:
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind in ("integer", "number"):
        number = re.search(r"-?\d+(\.\d+)?", text)
        if number:
            return json.loads(number.group()) if kind == "number" else int(float(number.group()))
        return 0
    empty: dict[str, Any] = {"boolean": False, "array": [], "object": {}}
    return empty.get(str(kind), text)


# ---------------------------------------------------------------------------
# What the simulated model says.


def _summary(results: Sequence[_Result]) -> str:
    lines = [_describe(result) for result in results]
    return f"{SIMULATED} " + " ".join(lines)


def _describe(result: _Result) -> str:
    value = result.value
    if result.failed:
        message = value.get("message") or value.get("error") if isinstance(value, dict) else value
        return f"{result.tool} failed: {str(message)[:_CUT]}"
    if not isinstance(value, dict):
        return f"{result.tool} answered: {str(value)[:_CUT]}"
    if result.tool == "build_model":
        return (
            f"Built the draft {value.get('model_id')}: {value.get('num_reactions')} reactions, "
            f"{value.get('num_metabolites')} metabolites ({value.get('template_used')} template)."
        )
    if result.tool == "gapfill_model":
        return _gapfill_line(value)
    if result.tool == "run_fba" and "objective_value" in value:
        return _fba_line(value)
    if result.tool == "list_media":
        media = [str(m.get("media_id")) for m in value.get("media", []) if isinstance(m, dict)]
        return f"The media available are: {', '.join(media)}."
    facts = [f"{k} = {v}" for k, v in value.items() if isinstance(v, str | int | float | bool)][:8]
    return f"{result.tool} reported: " + "; ".join(facts) + "."


def _gapfill_line(value: dict[str, Any]) -> str:
    added = (value.get("genomescale_gapfill") or {}).get("new_reactions") or []
    listed = ", ".join(f"{r.get('id')} ({r.get('name')})" for r in added if isinstance(r, dict))
    return (
        f"Gapfilling {value.get('original_model_id')} on {value.get('media_id')} added "
        f"{value.get('num_reactions_added', len(added))} reactions{': ' + listed if listed else ''}; "
        f"growth went from {value.get('growth_rate_before')} to {value.get('growth_rate_after')} per hour "
        f"(the gapfilled model is {value.get('model_id')})."
    )


def _fba_line(value: dict[str, Any]) -> str:
    return (
        f"FBA of {value.get('model_id')} on {value.get('media_id')} is {value.get('status')}: "
        f"the growth rate is {float(value['objective_value']):.3f} per hour."
    )


def _answer_from(said: str, results: Sequence[_Result]) -> str | None:
    """An answer to a question about work already done, or ``None`` when there is none to give."""
    lowered = said.lower()
    if "gapfill" in lowered.replace("-", "") and re.search(r"\badd", lowered):
        gapfill = _latest(results, "gapfill_model")
        return f"{SIMULATED} {_gapfill_line(gapfill)}" if gapfill else None
    if re.search(r"growth|grow|fba|flux", lowered):
        fba = _latest(results, "run_fba")
        if fba and "objective_value" in fba:
            return f"{SIMULATED} {_fba_line(fba)}"
    return None
