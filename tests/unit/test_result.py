"""ToolCallRecord's reading of results that report failure without being marked as errors."""

from __future__ import annotations

from typing import Any

import pytest

from argo_mcp_client import ToolCallRecord


def _record(output: str, *, structured: Any = None, is_error: bool = False) -> ToolCallRecord:
    return ToolCallRecord(
        call_id="c1",
        name="run_fba",
        server="gemflux",
        tool="run_fba",
        raw_arguments="{}",
        arguments={},
        output=output,
        structured_content=structured,
        is_error=is_error,
        duration=0.1,
    )


def test_a_structured_result_with_success_false_is_a_reported_failure() -> None:
    record = _record('{"success": false}', structured={"success": False, "error_code": "MODEL_NOT_FOUND"})

    assert record.reported_failure is True
    assert record.failed is True
    assert record.is_error is False  # the model was sent the result as it was


def test_without_structured_content_a_json_text_result_is_read() -> None:
    assert _record('{"success": false, "message": "no model"}').reported_failure is True


@pytest.mark.parametrize(
    ("output", "structured"),
    [
        ('{"success": true}', {"success": True}),
        ("{not json", None),
        ("plain text that says success: false", None),
        ('{"status": "failed"}', None),
    ],
)
def test_other_results_are_not_reported_failures(output: str, structured: Any) -> None:
    record = _record(output, structured=structured)

    assert record.reported_failure is False
    assert record.failed is False


def test_an_error_result_is_failed_but_not_a_reported_failure() -> None:
    record = _record('{"success": false}', is_error=True)

    assert record.reported_failure is False
    assert record.failed is True
