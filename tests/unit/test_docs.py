"""Every public name has a docstring and a place in the generated API reference (docs/api/)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

import argo_mcp_client
import argo_mcp_client.batch.fleet as fleet
import argo_mcp_client.simulation
import argo_mcp_client.testing

DOCS = Path(__file__).resolve().parents[2] / "docs"
DIRECTIVE = re.compile(r"^:::\s*([\w.]+)\s*$", re.MULTILINE)
PUBLIC = [
    *[(argo_mcp_client, name) for name in argo_mcp_client.__all__],
    *[(argo_mcp_client.testing, name) for name in argo_mcp_client.testing.__all__],
    *[(argo_mcp_client.simulation, name) for name in argo_mcp_client.simulation.__all__],
]
PUBLIC += [(fleet, name) for name in fleet.__all__]
# Type aliases and constants carry their docstrings in the source, where the reference reads them.
CALLABLE = [(m, n) for m, n in PUBLIC if inspect.isclass(obj := getattr(m, n)) or inspect.isfunction(obj)]


def documented_identifiers() -> set[str]:
    """The targets of every ``::: identifier`` block in the docs."""
    return {match for page in DOCS.rglob("*.md") for match in DIRECTIVE.findall(page.read_text("utf-8"))}


def qualified(module: ModuleType, name: str) -> str:
    return f"{module.__name__}.{name}"


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=[qualified(m, n) for m, n in PUBLIC])
def test_the_public_name_is_in_the_api_reference(module: ModuleType, name: str) -> None:
    assert qualified(module, name) in documented_identifiers(), (
        f"add `::: {qualified(module, name)}` to a page under docs/api/"
    )


@pytest.mark.parametrize(("module", "name"), CALLABLE, ids=[qualified(m, n) for m, n in CALLABLE])
def test_the_public_class_or_function_has_a_docstring(module: ModuleType, name: str) -> None:
    # Its own docstring: not inherited, and not the signature a dataclass makes up for itself.
    # (A class's ``__doc__`` is never inherited; a function's is its own.)
    obj = getattr(module, name)
    doc = (obj.__doc__ or "").strip()
    assert doc, f"{qualified(module, name)} needs a docstring"
    made_up = (f"{name}(", f"{obj.__name__}(")
    assert not doc.startswith(made_up), f"{qualified(module, name)} needs a docstring of its own"


def test_every_reference_block_names_a_public_object() -> None:
    public = {qualified(m, n) for m, n in PUBLIC} | {"argo_mcp_client.testing", "argo_mcp_client.simulation"}
    unknown = sorted(documented_identifiers() - public)
    assert unknown == [], f"these ::: blocks name nothing public: {unknown}"
