"""Error types and the error dictionaries that Gem-Flux tools return instead of raising.

Most tools raise: the MCP layer turns the exception into an ``isError`` result whose text is
``Error calling tool '<name>': <message>``. ``run_fba`` and ``delete_model`` instead *return*
error dictionaries, and the helpers here build those with the same keys as Gem-Flux.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar


class GemFluxError(Exception):
    """Base class for the errors a tool reports to the caller."""

    error_type: ClassVar[str] = "server_error"
    jsonrpc_code: ClassVar[int] = -32603

    def __init__(
        self,
        message: str,
        *,
        error_code: str,
        details: dict[str, Any] | None = None,
        suggestions: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.details = details or {}
        self.suggestions = suggestions or []


class ToolValidationError(GemFluxError):
    """The arguments are well-formed JSON but not acceptable (bad ids, bad ranges, bad modes)."""

    error_type = "validation_error"
    jsonrpc_code = -32000


class NotFoundError(GemFluxError):
    """A model, medium, compound or reaction id is not known to this server process."""

    error_type = "not_found_error"
    jsonrpc_code = -32001


class InfeasibilityError(GemFluxError):
    """The optimisation problem has no solution (gapfilling failed, or FBA is infeasible)."""

    error_type = "infeasibility_error"
    jsonrpc_code = -32002


class LibraryError(GemFluxError):
    """COBRApy or the solver failed in a way the inputs do not explain."""

    error_type = "library_error"
    jsonrpc_code = -32003


def utc_timestamp() -> str:
    """Return the current UTC time as ISO 8601 with a ``Z`` suffix."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def error_response(error: GemFluxError, *, tool_name: str) -> dict[str, Any]:
    """Build the structured error dictionary that ``run_fba`` returns for known failures."""
    return {
        "success": False,
        "error_type": error.error_type,
        "error_code": error.error_code,
        "jsonrpc_error_code": error.jsonrpc_code,
        "message": error.message,
        "details": error.details,
        "suggestions": error.suggestions,
        "tool_name": tool_name,
        "timestamp": utc_timestamp(),
    }


def model_not_found(model_id: str, available: list[str]) -> NotFoundError:
    """Build the error for an unknown model id."""
    return NotFoundError(
        f"Model '{model_id}' not found in current session",
        error_code="MODEL_NOT_FOUND",
        details={"requested_id": model_id, "available_models": available, "num_available": len(available)},
        suggestions=[
            "Use build_model tool to create a new model",
            "Check model_id spelling",
            "Available models listed in details.available_models",
        ],
    )


def media_not_found(media_id: str, available: list[str]) -> NotFoundError:
    """Build the error for an unknown media id."""
    return NotFoundError(
        f"Media '{media_id}' not found in current session",
        error_code="MEDIA_NOT_FOUND",
        details={"requested_id": media_id, "available_media": available, "num_available": len(available)},
        suggestions=[
            "Use build_media tool to create a new medium",
            "Use list_media tool to see predefined and created media",
            "Check media_id spelling",
        ],
    )
