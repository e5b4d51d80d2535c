"""The tools of all servers, as the model sees them and as the servers know them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argo_mcp_client._mcp.naming import assign_names
from argo_mcp_client._mcp.schema.convert import (
    SchemaLimits,
    SchemaReport,
    convert_description,
    convert_schema,
)

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

    def __init__(self, tools: Sequence[ToolInfo]) -> None:
        self._by_name = {tool.name: tool for tool in tools}
        self._validators: dict[str, Draft202012Validator | None] = {}
        self._openai = [tool.openai_tool() for tool in tools]

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
        return cls(infos)

    def __iter__(self) -> Iterator[ToolInfo]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> ToolInfo | None:
        """The tool the model called ``name``, if any."""
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def openai_tools(self) -> list[dict[str, Any]]:
        """All tools in OpenAI format, built once."""
        return self._openai

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
