"""Gem-Flux reference server: a stand-in for jplfaria/gem-flux-mcp that runs anywhere.

Gem-Flux builds genome-scale metabolic models with ModelSEEDpy, RAST and the ModelSEED
database. None of those are available offline, so this package serves the same eleven MCP
tools, with the same input schemas and result keys, on top of COBRApy alone.

What is real:
    * FBA is COBRApy's ``optimize`` on an actual model (e_coli_core, bundled in ``cobra/data``).
    * Gapfilling is ``cobra.flux_analysis.gapfill`` (a MILP) with the curated model's reactions
      as the universal set, so "growth before" is 0 and "growth after" is a solved optimum.
    * Compound and reaction lookups index the metabolites and reactions of the bundled iJO1366
      and e_coli_core models; compound ids are the ModelSEED ids from their annotations.

What is simulated:
    * There is no RAST annotation and there are no ModelSEED templates. ``build_model`` derives
      a draft from e_coli_core by removing three reactions that every draft lacks (CS, GLNS,
      RPI) plus four redundant ones chosen deterministically from a hash of the sequences. The
      template name is recorded but all templates map to e_coli_core.
    * The ATP stage of gapfilling only checks that maintenance ATP can be covered on the medium.
    * Reactions keep their BiGG ids (PGI, PFK, ...) since the bundled models carry no ModelSEED
      reaction ids; exchange, biomass and maintenance reactions use ModelSEED-style ids.

Nothing touches the network. State (models, media) lives in memory for one server process.
"""

from .server import create_server, main, serve_stdio
from .session import GemFluxSession

__all__ = ["GemFluxSession", "create_server", "main", "serve_stdio"]
