"""Batches: many conversations through one client, from and to JSON Lines, resumable.

``ArgoMCPClient.map`` runs items' conversations a bounded number at a time and
hands back their results in completion order; ``argo-mcp batch IN.jsonl --out
OUT.jsonl`` does it from the command line, with a progress bar, and resumes a
batch that was stopped. :mod:`argo_mcp_client.batch.fleet` spreads a batch over
machines with Parsl.
"""

from __future__ import annotations

from argo_mcp_client.batch._files import ResultWriter, done_ids, read_items
from argo_mcp_client.batch._items import BatchItem, BatchResult, ToolCallSummary
from argo_mcp_client.batch._map import BatchResults, ItemSource, map_conversations

__all__ = [
    "BatchItem",
    "BatchResult",
    "BatchResults",
    "ItemSource",
    "ResultWriter",
    "ToolCallSummary",
    "done_ids",
    "map_conversations",
    "read_items",
]
