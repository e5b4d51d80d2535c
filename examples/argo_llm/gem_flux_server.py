"""Run the Gem-Flux reference server over stdio: ``python examples/argo_llm/gem_flux_server.py``.

This is a stand-in for jplfaria/gem-flux-mcp with the same eleven tools, input schemas and
result keys, computing for real with COBRApy (FBA with ``optimize``, gapfilling with
``cobra.flux_analysis.gapfill`` against the curated e_coli_core model). Model building is
simulated: there is no RAST annotation and no ModelSEED template, and a draft is e_coli_core
with reactions removed deterministically. See ``gem_flux_reference/__init__.py`` for details.

In-process use (tests, notebooks)::

    from gem_flux_server import create_server     # with examples/argo_llm on sys.path
    async with mcp.Client(create_server()) as client: ...
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # mypy names modules from the repository root; at run time this directory is on sys.path.
    from examples.argo_llm.gem_flux_reference import GemFluxSession, create_server, main, serve_stdio
else:
    # Loaded by file path (importlib, runpy) the package directory may not be on sys.path yet;
    # appending it cannot shadow anything already importable.
    _HERE = str(Path(__file__).resolve().parent)
    if _HERE not in sys.path:
        sys.path.append(_HERE)
    from gem_flux_reference import GemFluxSession, create_server, main, serve_stdio

__all__ = ["GemFluxSession", "create_server", "main", "serve_stdio"]

if __name__ == "__main__":
    main()
