"""Typed final answers: a schema for the model, and its answer validated. Pure.

Two routes, chosen by the model's profile: ``response_format`` with a JSON
schema, where the model takes one (the final answer's text is the JSON), else a
``final_answer`` tool whose arguments are the answer. Either way a failed
validation is sent back to the model, a bounded number of times.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from argo_mcp_client._mcp.schema.convert import convert_schema

__all__ = ["FINAL_ANSWER_TOOL", "OutputSpec"]

FINAL_ANSWER_TOOL = "final_answer"
_NAME = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_ERRORS = 6
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """What a typed run asks the model for, and how its answer is checked."""

    output_type: Any
    route: Literal["response_format", "tool"]
    retries: int = 2
    """Answers that fail validation the model may correct before the run fails."""

    @property
    def _adapter(self) -> TypeAdapter[Any]:
        return _adapter(self.output_type)

    @property
    def name(self) -> str:
        return _NAME.sub("_", getattr(self.output_type, "__name__", "output"))[:64] or "output"

    @property
    def wrapped(self) -> bool:
        """The type's schema is not an object, so the answer is ``{"value": ...}``."""
        return self._raw_schema().get("type") != "object"

    def _raw_schema(self) -> dict[str, Any]:
        return dict(self._adapter.json_schema())

    def schema(self) -> dict[str, Any]:
        """The JSON schema the model is given (an object: wrapped when the type is not one)."""
        raw = self._raw_schema()
        if raw.get("type") != "object":
            defs = raw.pop("$defs", None)
            raw = {"type": "object", "properties": {"value": raw}, "required": ["value"]}
            if defs:
                raw["$defs"] = defs
        converted, _ = convert_schema(raw)
        return converted

    def response_format(self) -> dict[str, Any]:
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "schema": self.schema(), "strict": False},
        }

    def tool_spec(self) -> dict[str, Any]:
        description = getattr(self.output_type, "__doc__", None) or ""
        return {
            "type": "function",
            "function": {
                "name": FINAL_ANSWER_TOOL,
                "description": "Give your final answer by calling this, once the work is done. "
                + description.strip()[:500],
                "parameters": self.schema(),
            },
        }

    def instruction(self) -> str:
        """Told to the model when its answer came in the wrong form."""
        if self.route == "tool":
            return f"Give your final answer by calling the {FINAL_ANSWER_TOOL} tool, not as text."
        return "Answer with a single JSON object that matches the response format, and nothing else."

    def from_text(self, text: str | None) -> tuple[Any, str | None]:
        """The answer's text validated: ``(value, None)``, or ``(None, what is wrong)``."""
        stripped = (text or "").strip()
        if fenced := _FENCE.match(stripped):
            stripped = fenced.group(1)
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            return None, f"the answer is not JSON ({exc})"
        return self.from_data(data)

    def from_data(self, data: Any) -> tuple[Any, str | None]:
        """Parsed JSON validated: ``(value, None)``, or ``(None, what is wrong)``."""
        if self.wrapped:
            if not isinstance(data, dict) or "value" not in data:
                return None, "the answer must be an object with the key 'value'"
            data = data["value"]
        try:
            return self._adapter.validate_python(data), None
        except ValidationError as exc:
            return None, _errors(exc)


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(output_type: Any) -> TypeAdapter[Any]:
    try:
        return _ADAPTERS[output_type]
    except (KeyError, TypeError):
        adapter: TypeAdapter[Any] = TypeAdapter(output_type)
        with contextlib.suppress(TypeError):
            _ADAPTERS[output_type] = adapter
        return adapter


def _errors(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors()[:_MAX_ERRORS]:
        where = ".".join(str(part) for part in error["loc"]) or "the answer"
        lines.append(f"{where}: {error['msg']}")
    more = f" (and {exc.error_count() - _MAX_ERRORS} more)" if exc.error_count() > _MAX_ERRORS else ""
    return "; ".join(lines) + more
