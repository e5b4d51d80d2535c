"""Reading parts of an artifact: what the built-in ``read_artifact`` tool does. Pure functions.

One part per call: a JSON pointer (RFC 6901, or a dotted path such as
``fluxes.PGI`` or ``top_fluxes[0]``), a line range, a character range, or the
lines matching a text search. Every answer is capped at ``max_chars``, and says
how to ask for what follows.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["READER_PARAMETERS", "read_part", "resolve_pointer"]

DEFAULT_CHARS = 6_000
MAX_CHARS = 16_000
_MAX_MATCHES = 40
_CONTEXT = 80
_INDEX = re.compile(r"\[(\d+)\]")

READER_DESCRIPTION = (
    "Read part of a big tool result kept as an artifact (its id was given with the result's preview). "
    "Give exactly one of: pointer (a JSON pointer like '/fluxes/PGI' or a path like 'fluxes.PGI'), "
    "start_line/end_line (1-based, inclusive), offset/length (characters), or search (case-insensitive "
    "text; answers each occurrence with the text around it, its line and offset)."
)
READER_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "The artifact's id."},
        "pointer": {"type": "string", "description": "JSON pointer or dotted path into a JSON artifact."},
        "start_line": {"type": "integer", "minimum": 1},
        "end_line": {"type": "integer", "minimum": 1},
        "offset": {"type": "integer", "minimum": 0},
        "length": {"type": "integer", "minimum": 1},
        "search": {"type": "string"},
        "max_chars": {"type": "integer", "minimum": 100, "maximum": MAX_CHARS},
    },
    "required": ["id"],
}


class ReadError(ValueError):
    """The part asked for does not exist; the message says what does."""


def read_part(text: str, parsed: Any, arguments: dict[str, Any], *, is_json: bool) -> str:
    """The part of ``text`` (``parsed`` when it is JSON) that ``arguments`` ask for.

    Raises:
        ReadError: the arguments ask for nothing, or for a part that is not there.
    """
    limit = min(int(arguments.get("max_chars") or DEFAULT_CHARS), MAX_CHARS)
    if (pointer := arguments.get("pointer")) is not None:
        if not is_json:
            raise ReadError("this artifact is not JSON; read it by lines, offset or search")
        value = resolve_pointer(parsed, str(pointer))
        rendered = value if isinstance(value, str) else json.dumps(value)
        return _capped(rendered, 0, limit, f"pointer={pointer!r}")
    if arguments.get("search"):
        return _search(text, str(arguments["search"]), limit)
    if arguments.get("start_line") is not None or arguments.get("end_line") is not None:
        lines = text.splitlines()
        start = int(arguments.get("start_line") or 1)
        end = int(arguments.get("end_line") or start + 49)
        if start > len(lines):
            raise ReadError(f"the artifact has {len(lines):,} lines; start_line {start} is past its end")
        chosen = lines[start - 1 : end]
        body = "\n".join(f"{start + i}: {line}" for i, line in enumerate(chosen))
        header = f"[lines {start}-{start + len(chosen) - 1} of {len(lines):,}]\n"
        return header + _capped(body, 0, limit, "a smaller line range")
    if arguments.get("offset") is not None or arguments.get("length") is not None:
        offset = int(arguments.get("offset") or 0)
        length = min(int(arguments.get("length") or limit), limit)
        if offset >= len(text):
            raise ReadError(f"the artifact has {len(text):,} characters; offset {offset} is past its end")
        part = text[offset : offset + length]
        rest = len(text) - offset - len(part)
        tail = f"\n[{rest:,} more characters; next offset {offset + len(part)}]" if rest else ""
        return f"[characters {offset}-{offset + len(part)} of {len(text):,}]\n{part}{tail}"
    raise ReadError("say which part to read: pointer, start_line/end_line, offset/length or search")


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` (``/a/0/b``, or the path ``a[0].b``) in ``document``.

    Raises:
        ReadError: a step of the pointer does not exist; says which keys do.
    """
    steps = _steps(pointer)
    value = document
    walked = ""
    for step in steps:
        if isinstance(value, dict):
            if step not in value:
                keys = ", ".join(list(value)[:20]) + (" ..." if len(value) > 20 else "")
                raise ReadError(f"no key {step!r} at {walked or '/'}; the keys there are: {keys}")
            value = value[step]
        elif isinstance(value, list):
            if not step.isdigit() or int(step) >= len(value):
                raise ReadError(f"{walked or '/'} is a list of {len(value)} items; {step!r} is not an index")
            value = value[int(step)]
        else:
            raise ReadError(f"{walked or '/'} is a {type(value).__name__}, not an object or list")
        walked += "/" + step
    return value


def _steps(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return []
    if pointer.startswith("/"):
        return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]
    dotted = _INDEX.sub(r".\1", pointer.lstrip("$").lstrip("."))
    return [part for part in dotted.split(".") if part]


def _capped(text: str, offset: int, limit: int, how: str) -> str:
    if len(text) <= limit:
        return text
    return (
        f"{text[:limit]}\n[{len(text) - limit:,} more characters: narrow the {how}, "
        f"or read by offset from {offset + limit}]"
    )


def _search(text: str, needle: str, limit: int) -> str:
    """Each occurrence with text either side, its line and offset (one-line JSON has only one line)."""
    lowered, pattern = text.lower(), needle.lower()
    found: list[str] = []
    total, line, counted, position = 0, 1, 0, lowered.find(pattern)
    while position != -1:
        total += 1
        if len(found) < _MAX_MATCHES:
            line += text.count("\n", counted, position)
            counted = position
            start = max(0, position - _CONTEXT)
            end = min(len(text), position + len(pattern) + _CONTEXT)
            snippet = text[start:end].replace("\n", " ")
            found.append(f"line {line}, offset {position}: ...{snippet}...")
        position = lowered.find(pattern, position + len(pattern))
    if not found:
        return f"[{needle!r} does not occur in the artifact]"
    more = f"\n[{total - len(found)} more occurrences]" if total > len(found) else ""
    return _capped(f"[{total} occurrences]\n" + "\n".join(found) + more, 0, limit, "search")
