"""A batch's files: items from JSON Lines, results appended as JSON Lines, and resuming.

Each result is written as one whole line with a single ``write`` to a file opened
for appending, as soon as its conversation ends, so a batch that is killed loses
only the conversations in flight. On resume the ids already in the output are
skipped; a last line cut short (the machine, not the process, went down mid-write)
is removed first, so the output never holds a partial or a duplicate line.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from pydantic import ValidationError

from argo_mcp_client.batch._items import BatchItem, BatchResult
from argo_mcp_client.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

__all__ = ["ResultWriter", "done_ids", "read_items"]


def read_items(path: Path) -> list[BatchItem]:
    """The items of a JSON Lines file, one object per line (blank lines are skipped)."""
    items: list[BatchItem] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = BatchItem.model_validate_json(line)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors()
                )
                raise ConfigError(f"{path}:{number}: not a batch item ({problems})") from exc
            if item.id in seen:
                raise ConfigError(f"{path}:{number}: the id {item.id!r} is used twice; ids must be unique")
            seen.add(item.id)
            items.append(item)
    return items


def done_ids(path: Path) -> set[str]:
    """The ids already in an output file, after cutting off a last line written only in part."""
    if not path.exists():
        return set()
    _drop_partial_line(path)
    ids: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                ids.add(str(json.loads(line)["id"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}:{number}: not a result line of a batch") from exc
    return ids


def _drop_partial_line(path: Path) -> None:
    with path.open("rb+") as file:
        size = file.seek(0, os.SEEK_END)
        if size == 0:
            return
        file.seek(size - 1)
        if file.read(1) == b"\n":
            return
        end = size
        while end > 0:
            step = min(65_536, end)
            file.seek(end - step)
            chunk = file.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                file.truncate(end - step + newline + 1)
                return
            end -= step
        file.truncate(0)


class ResultWriter:
    """Appends result lines to a file, each in one write; use with ``with``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> ResultWriter:
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def write(self, result: BatchResult) -> None:
        """Append ``result`` as one line."""
        assert self._fd is not None, "use ResultWriter with `with`"
        data = (result.model_dump_json() + "\n").encode()
        written = os.write(self._fd, data)
        while written < len(data):  # a regular file takes it whole; this is for anything else
            written += os.write(self._fd, data[written:])
