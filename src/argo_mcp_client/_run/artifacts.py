"""Big tool results kept whole, outside the conversation, and read back in parts.

Above a threshold a result is saved in an :class:`ArtifactStore` and the model
is sent a preview, the size, the shape (top-level keys of JSON) and a handle; the
built-in ``read_artifact`` tool (see :mod:`argo_mcp_client._run.reader`) reads
parts of it. The default store keeps files in a folder of the client's own.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import anyio

from argo_mcp_client.errors import ConfigError
from argo_mcp_client.result import ArtifactRef

__all__ = ["ArtifactStore", "Artifacts", "FileArtifactStore", "artifacts_from"]

DEFAULT_THRESHOLD = 20_000
"""Characters above which a tool result becomes an artifact (about 7,000 tokens)."""
PREVIEW_CHARS = 1_500
_CACHED = 4
_MAX_KEYS = 30


@runtime_checkable
class ArtifactStore(Protocol):
    """Where artifacts are kept: any object with these two methods will do (a database, S3, ...)."""

    async def save(self, artifact_id: str, data: bytes, media_type: str) -> str | None:
        """Keep ``data`` under ``artifact_id``; return where it is (a path or URI), or ``None``."""
        ...

    async def load(self, artifact_id: str) -> bytes:
        """The data kept under ``artifact_id``; raise ``KeyError`` if there is none."""
        ...


class FileArtifactStore:
    """Artifacts as files in one folder.

    Without a folder, a temporary one is made on the first save and removed when
    the client closes; a folder given is kept, with its files.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self._given = Path(folder) if folder is not None else None
        self._folder: Path | None = self._given

    @property
    def folder(self) -> Path | None:
        """The folder, once there is one."""
        return self._folder

    def _path(self, artifact_id: str) -> Path:
        if not artifact_id.isalnum() or not artifact_id.isascii():
            raise KeyError(artifact_id)
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="argo-mcp-artifacts-"))
        return self._folder / artifact_id

    async def save(self, artifact_id: str, data: bytes, media_type: str) -> str | None:
        path = self._path(artifact_id)
        await anyio.to_thread.run_sync(_write, path, data)
        return str(path)

    async def load(self, artifact_id: str) -> bytes:
        if self._folder is None:
            raise KeyError(artifact_id)
        path = self._path(artifact_id)
        try:
            return await anyio.Path(path).read_bytes()
        except FileNotFoundError:
            raise KeyError(artifact_id) from None

    def close(self) -> None:
        """Remove the temporary folder, if this store made one."""
        if self._given is None and self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def artifacts_from(choice: ArtifactStore | str | os.PathLike[str] | bool, threshold: int) -> Artifacts | None:
    """The client's artifacts from its ``artifacts`` argument (a folder, a store, True or False)."""
    if choice is False:
        return None
    if choice is True:
        store: ArtifactStore = FileArtifactStore()
    elif isinstance(choice, str | os.PathLike):
        store = FileArtifactStore(Path(choice))
    elif isinstance(choice, ArtifactStore):
        store = choice
    else:
        raise ConfigError(f"artifacts must be True, False, a folder or an ArtifactStore, not {choice!r}")
    return Artifacts(store, threshold=threshold)


class Artifacts:
    """A client's artifacts: the store, the handles given out, and the last few read, parsed."""

    def __init__(self, store: ArtifactStore, *, threshold: int = DEFAULT_THRESHOLD) -> None:
        if threshold < 1_000:
            raise ConfigError(f"artifact_threshold must be at least 1000 characters, got {threshold}")
        self.store = store
        self.threshold = threshold
        self.refs: dict[str, ArtifactRef] = {}
        self.by_call: dict[str, str] = {}
        """The artifact keeping each tool call's result, by call id."""
        self._texts: OrderedDict[str, tuple[str, Any]] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self.refs)

    async def keep(self, text: str, *, call_id: str, tool: str | None) -> ArtifactRef:
        """Save a tool result; the handle to send the model."""
        if call_id in self.by_call:
            return self.refs[self.by_call[call_id]]
        parsed = _parse(text)
        media_type = "application/json" if parsed is not _NOT_JSON else "text/plain"
        ref = await self.save(text.encode(), media_type=media_type, tool=tool)
        self.by_call[call_id] = ref.id
        self._remember(ref.id, text, parsed)
        return ref

    async def save(self, data: bytes, *, media_type: str, tool: str | None = None) -> ArtifactRef:
        """Save any data (a binary result too); the handle."""
        artifact_id = "a" + secrets.token_hex(5)
        location = await self.store.save(artifact_id, data, media_type)
        ref = ArtifactRef(id=artifact_id, size=len(data), media_type=media_type, location=location, tool=tool)
        self.refs[artifact_id] = ref
        return ref

    async def read(self, artifact_id: str) -> bytes:
        """The whole artifact.

        Raises:
            KeyError: no artifact has this id.
        """
        if artifact_id in self.refs:
            return await self.store.load(artifact_id)
        # Kept by an earlier client in the same store (a conversation resumed): adopt it.
        data = await self.store.load(artifact_id)
        media_type = (
            "application/json" if _parse(data.decode(errors="replace")) is not _NOT_JSON else "text/plain"
        )
        self.refs[artifact_id] = ArtifactRef(id=artifact_id, size=len(data), media_type=media_type)
        return data

    async def text_of(self, artifact_id: str) -> tuple[str, Any]:
        """The artifact as text, and parsed as JSON (or a marker that it is not JSON)."""
        if artifact_id in self._texts:
            self._texts.move_to_end(artifact_id)
            return self._texts[artifact_id]
        data = await self.read(artifact_id)
        text = data.decode(errors="replace")
        parsed = _parse(text) if self.refs[artifact_id].media_type == "application/json" else _NOT_JSON
        self._remember(artifact_id, text, parsed)
        return text, parsed

    def _remember(self, artifact_id: str, text: str, parsed: Any) -> None:
        self._texts[artifact_id] = (text, parsed)
        while len(self._texts) > _CACHED:
            self._texts.popitem(last=False)

    def preview(self, ref: ArtifactRef, text: str, reader: str = "read_artifact") -> str:
        """What the model is sent in place of a big result."""
        lines = text.count("\n") + 1
        head = text[:PREVIEW_CHARS]
        shape = ""
        if ref.media_type == "application/json":
            cached = self._texts.get(ref.id)
            shape = _shape(cached[1] if cached is not None else _parse(text))
        return (
            f"[The result is {len(text):,} characters ({lines:,} lines, {ref.media_type}); it is kept whole "
            f"as artifact {ref.id!r}.{shape} Read parts with {reader}(id={ref.id!r}) and a JSON pointer "
            f"(pointer='/key/0'), a line range (start_line, end_line), a character range (offset, length) "
            f"or a text search (search='...'). Its start:]\n{head}\n"
            f"[... {len(text) - len(head):,} more characters]"
        )


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


_NOT_JSON: Any = _NotJson()


def _parse(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return _NOT_JSON
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON


def is_json(parsed: Any) -> bool:
    return parsed is not _NOT_JSON


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        keys = list(value)
        described = ", ".join(f"{key} ({_kind(value[key])})" for key in keys[:_MAX_KEYS])
        more = f" and {len(keys) - _MAX_KEYS} more" if len(keys) > _MAX_KEYS else ""
        return f" Top-level keys: {described}{more}."
    if isinstance(value, list):
        return f" It is a list of {len(value):,} items."
    return ""


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return f"object, {len(value):,} keys"
    if isinstance(value, list):
        return f"list, {len(value):,} items"
    text = json.dumps(value)
    return text if len(text) <= 40 else f"{type(value).__name__}"
