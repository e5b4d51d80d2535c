"""The tools of all servers, as the model sees them and as the servers know them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argo_mcp_client._mcp.naming import assign_names
from argo_mcp_client._mcp.schema.convert import (
    SchemaLimits,
    SchemaReport,
    SchemaTarget,
    convert_description,
    convert_schema,
)
from argo_mcp_client._mcp.schema.strict import NullPlan, strict_form, strip_added_nulls

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    import mcp.types as mcp_types
    from jsonschema import Draft202012Validator

logger = logging.getLogger("argo_mcp_client")


@dataclass(frozen=True, slots=True)
class ToolInfo:
    """One tool: the name and schema the model sees, and where calls go."""

    name: str
    """The name the model sees and calls."""
    server: str
    """The server that owns the tool."""
    tool: str
    """The tool's own name on that server."""
    description: str
    """The description sent to the model (capped if the server's was very long)."""
    parameters: dict[str, Any]
    """The JSON Schema sent to the model, converted from ``input_schema``."""
    input_schema: dict[str, Any] = field(repr=False)
    """The schema exactly as the server declared it."""
    report: SchemaReport = field(repr=False)
    """What the conversion changed, in the schema and the description."""
    read_only: bool = False
    """The server says the tool changes nothing (``readOnlyHint``)."""
    idempotent: bool = False
    """The server says repeating a call has no further effect (``idempotentHint``)."""
    task_support: str | None = None
    """``"required"`` or ``"optional"`` when the server lists the tool as able to run as a
    task (2025-11-25 servers); ``None`` otherwise (2026-07-28 servers decide per call)."""

    def openai_tool(self) -> dict[str, Any]:
        """The tool in OpenAI function-calling format."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


class ToolRegistry:
    """Tools of all servers under unique model-facing names, with an exact way back.

    Built once when the servers are listed; lookups during a run are dict reads.
    """

    def __init__(self, tools: Sequence[ToolInfo], *, limits: SchemaLimits | None = None) -> None:
        self._by_name = {tool.name: tool for tool in tools}
        self._validators: dict[str, Draft202012Validator | None] = {}
        self._openai = [tool.openai_tool() for tool in tools]
        self._limits = limits or SchemaLimits()
        self._by_target: dict[SchemaTarget, list[dict[str, Any]]] = {}
        self._by_target_name: dict[SchemaTarget | None, dict[str, dict[str, Any]]] = {}
        self._strict: dict[str, tuple[dict[str, Any] | None, NullPlan, str]] = {}
        self._converted: dict[tuple[str, str], dict[str, Any]] = {}

    @classmethod
    def build(
        cls,
        listed: Mapping[str, Sequence[mcp_types.Tool]],
        *,
        limits: SchemaLimits = SchemaLimits(),  # noqa: B008 - frozen and immutable
    ) -> ToolRegistry:
        """Name and convert the tools listed by each server (keys in server order)."""
        keys = [(server, tool.name) for server, tools in listed.items() for tool in tools]
        names = assign_names(keys)
        infos: list[ToolInfo] = []
        seen: set[tuple[str, str]] = set()
        for server, tools in listed.items():
            for tool in tools:
                key = (server, tool.name)
                if key in seen:
                    logger.warning("MCP server %r lists tool %r twice; using the first", server, tool.name)
                    continue
                seen.add(key)
                infos.append(_tool_info(names[key], server, tool, limits))
        return cls(infos, limits=limits)

    def __iter__(self) -> Iterator[ToolInfo]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> ToolInfo | None:
        """The tool the model called ``name``, if any."""
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def openai_tools(self, target: SchemaTarget | None = None) -> list[dict[str, Any]]:
        """All tools in OpenAI format for a backend like ``target`` (default: the portable form), built once.

        With ``target.strict``, each tool that can be written in the strict subset is
        sent so, with ``strict: true``; the others keep their plain form.
        """
        if target is None:
            return self._openai
        if (built := self._by_target.get(target)) is None:
            built = self._by_target[target] = [self._tool_for(tool, target) for tool in self]
        return built

    def openai_tools_by_name(self, target: SchemaTarget | None = None) -> dict[str, dict[str, Any]]:
        """:meth:`openai_tools` for ``target``, keyed by tool name, built once."""
        if (built := self._by_target_name.get(target)) is None:
            tools = self.openai_tools(target)
            built = self._by_target_name[target] = {spec["function"]["name"]: spec for spec in tools}
        return built

    def strict(self, tool: ToolInfo) -> tuple[dict[str, Any] | None, NullPlan, str]:
        """The strict form of ``tool``'s schema (``None``, and why, when it has none) and its null plan."""
        if (found := self._strict.get(tool.name)) is None:
            kept, _ = convert_schema(
                tool.input_schema, limits=self._limits, target=SchemaTarget(nulls="keep")
            )
            found = self._strict[tool.name] = strict_form(kept)
            if found[0] is None:
                logger.debug("tool %r is sent without strict: %s", tool.name, found[2])
        return found

    def server_arguments(self, tool: ToolInfo, arguments: dict[str, Any]) -> dict[str, Any]:
        """``arguments`` as the server declared them: without the nulls the strict form added."""
        plan = self.strict(tool)[1]
        return arguments if plan.empty else strip_added_nulls(arguments, plan)

    def _tool_for(self, tool: ToolInfo, target: SchemaTarget) -> dict[str, Any]:
        if target.strict and (strict := self.strict(tool)[0]) is not None:
            spec = {"name": tool.name, "description": tool.description, "parameters": strict, "strict": True}
            return {"type": "function", "function": spec}
        if target.nulls == "omit":
            return tool.openai_tool()
        spec = {
            "name": tool.name,
            "description": tool.description,
            "parameters": self._parameters(tool, target),
        }
        return {"type": "function", "function": spec}

    def _parameters(self, tool: ToolInfo, target: SchemaTarget) -> dict[str, Any]:
        """``tool``'s schema converted for ``target``'s nulls (the strict form aside), converted once."""
        key = (tool.name, target.nulls)
        if (found := self._converted.get(key)) is None:
            nulls = SchemaTarget(nulls=target.nulls)
            found = self._converted[key] = convert_schema(
                tool.input_schema, limits=self._limits, target=nulls
            )[0]
        return found

    def validator(self, tool: ToolInfo) -> Draft202012Validator | None:
        """A validator for the server's own schema, or ``None`` if that schema is itself invalid."""
        if tool.name not in self._validators:
            # Imported on the first tool call rather than with the library: jsonschema
            # and what it pulls in take about a fifth of the library's own import time.
            from jsonschema import Draft202012Validator
            from jsonschema.exceptions import SchemaError

            try:
                Draft202012Validator.check_schema(tool.input_schema)
                self._validators[tool.name] = Draft202012Validator(tool.input_schema)
            except SchemaError as exc:
                logger.warning(
                    "tool %r has an invalid input schema (%s); arguments go unchecked", tool.name, exc
                )
                self._validators[tool.name] = None
        return self._validators[tool.name]


def _tool_info(name: str, server: str, tool: mcp_types.Tool, limits: SchemaLimits) -> ToolInfo:
    parameters, schema_report = convert_schema(tool.input_schema, limits=limits)
    description, description_report = convert_description(tool.description or tool.title or "", limits=limits)
    annotations = tool.annotations
    return ToolInfo(
        name=name,
        server=server,
        tool=tool.name,
        description=description,
        parameters=parameters,
        input_schema=dict(tool.input_schema),
        report=SchemaReport(changes=schema_report.changes + description_report.changes),
        read_only=bool(annotations and annotations.read_only_hint),
        idempotent=bool(annotations and (annotations.idempotent_hint or annotations.read_only_hint)),
        task_support=tool.execution.task_support if tool.execution is not None else None,
    )
