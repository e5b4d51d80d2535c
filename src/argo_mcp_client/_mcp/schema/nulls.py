"""Null alternatives rewritten as OpenAPI ``nullable: true``, for backends that take only that form.

Pure, on converted schemas: ``anyOf: [X, {"type": "null"}]`` becomes ``X`` with
``nullable: true``; an ``anyOf`` of several non-null alternatives and a null keeps
the others and gains ``nullable: true``.
"""

from __future__ import annotations

from typing import Any

from argo_mcp_client._mcp.schema.keywords import is_null

__all__ = ["nullable_keyword"]


def nullable_keyword(schema: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """``schema`` with its null alternatives written as ``nullable: true``, and how many were."""
    count = 0

    def walk(node: dict[str, Any]) -> dict[str, Any]:
        nonlocal count
        out = dict(node)
        if isinstance(out.get("properties"), dict):
            out["properties"] = {name: walk(sub) for name, sub in out["properties"].items()}
        for key in ("items", "additionalProperties"):
            if isinstance(out.get(key), dict):
                out[key] = walk(out[key])
        branches = out.get("anyOf")
        if isinstance(branches, list):
            kept = [walk(branch) for branch in branches if not is_null(branch)]
            if kept and len(kept) < len(branches):
                count += 1
                del out["anyOf"]
                if len(kept) == 1:
                    out = {**kept[0], **out}
                else:
                    out["anyOf"] = kept
                out["nullable"] = True
            else:
                out["anyOf"] = kept or branches
        return out

    return walk(schema), count
