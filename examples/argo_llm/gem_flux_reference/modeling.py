"""The COBRApy side: the curated reference model, draft derivation, FBA and gapfilling.

Nothing here is thread-safe (COBRApy models are mutable and ``Reaction.copy`` briefly detaches
objects from their model), so callers serialise every call; the server does so with one lock.
COBRApy is imported lazily because importing it takes over a second and the MCP handshake
should not wait for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .biochem import get_database, model_reaction_id, split_bigg_metabolite
from .errors import InfeasibilityError

BIOMASS_ID = "bio1"
ATPM_ID = "ATPM_c0"
REFERENCE_MODEL = "textbook"  # e_coli_core: 95 reactions, solves in about a millisecond
COMPARTMENT_NAMES = {"c0": "Cytosol", "e0": "Extracellular"}
GROWTH_EPSILON = 1e-9

# Every draft lacks citrate synthase, glutamine synthetase and ribose-5-phosphate isomerase:
# each is needed for a biomass precursor on every predefined medium, yet none is needed to
# regenerate ATP, so a draft solves (growth 0) instead of being infeasible.
DRAFT_GAPS = ("CS", "GLNS", "RPI")
# Further reactions removed per genome, chosen from the sequence digest.
EXTRA_GAPS = 4
REDUNDANCY = 0.95

MediumBounds = Mapping[str, tuple[float, float]]
Progress = Callable[[int, int, str], None]
"""Told of each gapfilling step: ``(step, steps, what)``."""
GAPFILL_STEPS = 4
CobraModel = Any  # cobra ships no type information

_reference: CobraModel | None = None


def reference_model() -> CobraModel:
    """e_coli_core from ``cobra/data`` (never downloaded), renamed to ModelSEED-style ids.

    Metabolites become ``cpd00027_e0``, compartments ``c0``/``e0``, exchanges
    ``EX_cpd00027_e0``, the biomass reaction ``bio1`` and maintenance ``ATPM_c0``. Callers
    must copy it before changing anything.
    """
    global _reference
    if _reference is None:
        from cobra.io import read_sbml_model

        from .biochem import bundled_model_path

        model = read_sbml_model(str(bundled_model_path(REFERENCE_MODEL)))
        _rename_to_modelseed(model)
        _reference = model
    return _reference


def _rename_to_modelseed(model: CobraModel) -> None:
    db = get_database()
    for metabolite in list(model.metabolites):
        base, compartment = split_bigg_metabolite(metabolite.id)
        compound_id = db.compound_id_for_bigg.get(base, base)
        metabolite.id = f"{compound_id}_{compartment}0"
        metabolite.compartment = f"{compartment}0"
        metabolite.name = db.compound_name(compound_id)
    for reaction in list(model.reactions):
        reaction.id = model_reaction_id(reaction.id, db.compound_id_for_bigg)
    model.compartments = dict(COMPARTMENT_NAMES)
    model.repair()


def exchange_reactions(model: CobraModel) -> list[Any]:
    """The ``EX_`` boundary reactions."""
    return [r for r in model.boundary if r.id.startswith("EX_")]


def exchange_compound(reaction: Any) -> str:
    """``EX_cpd00027_e0`` -> ``cpd00027``."""
    metabolite = next(iter(reaction.metabolites))
    return str(metabolite.id).rsplit("_", 1)[0]


def apply_medium(model: CobraModel, bounds: MediumBounds) -> None:
    """Open uptake only for the medium's compounds; everything else may only be secreted.

    Call inside ``with model:`` so the bounds revert afterwards.
    """
    for reaction in exchange_reactions(model):
        reaction.bounds = bounds.get(exchange_compound(reaction), (0.0, 1000.0))


def max_growth(model: CobraModel, bounds: MediumBounds, objective: str = BIOMASS_ID) -> float:
    """Optimal objective value on the medium, 0 when infeasible."""
    with model:
        apply_medium(model, bounds)
        model.objective = objective
        return _value_or_zero(model)


def _value_or_zero(model: CobraModel) -> float:
    value = float(model.slim_optimize(error_value=0.0))
    return value if model.solver.status == "optimal" else 0.0


def derive_draft(sequence_digest: bytes, test_bounds: MediumBounds) -> CobraModel:
    """Copy the reference and remove the fixed gaps plus a few digest-chosen reactions.

    Digest-chosen reactions are redundant ones: removing them all keeps at least
    ``REDUNDANCY`` of the reference growth on ``test_bounds``. So the genome decides which
    reactions a draft lacks, while gapfilling on the test medium still restores full growth.
    """
    draft = reference_model().copy()
    protected = {BIOMASS_ID, ATPM_ID, *DRAFT_GAPS}
    candidates = sorted(
        (r for r in draft.reactions if r.id not in protected and not r.boundary),
        key=lambda r: hashlib.sha256(sequence_digest + r.id.encode()).digest(),
    )
    full_growth = max_growth(draft, test_bounds)
    extras: list[Any] = []
    with draft:
        apply_medium(draft, test_bounds)
        for reaction in candidates:
            if len(extras) == EXTRA_GAPS:
                break
            with draft:
                reaction.knock_out()
                redundant = _value_or_zero(draft) >= REDUNDANCY * full_growth
            if redundant:
                reaction.knock_out()
                extras.append(reaction)
    draft.remove_reactions([draft.reactions.get_by_id(r) for r in DRAFT_GAPS] + extras, remove_orphans=True)
    return draft


@dataclass(frozen=True)
class FbaOutcome:
    """Solver status, objective value and all fluxes (empty unless optimal)."""

    status: str
    objective_value: float
    fluxes: dict[str, float]


def solve_fba(model: CobraModel, bounds: MediumBounds, objective: str, maximize: bool) -> FbaOutcome:
    """Run FBA on the medium without changing the stored model."""
    from cobra.core.solution import get_solution

    with model:
        apply_medium(model, bounds)
        model.objective = objective
        model.objective_direction = "max" if maximize else "min"
        model.slim_optimize(error_value=0.0)
        status = str(model.solver.status)
        if status != "optimal":
            return FbaOutcome(status, 0.0, {})
        solution = get_solution(model)
        fluxes = {str(rid): float(value) for rid, value in solution.fluxes.items()}
        return FbaOutcome(status, float(solution.objective_value), fluxes)


@dataclass
class AtpStage:
    """Whether the model covers its maintenance ATP on the medium (after any additions)."""

    passed: bool
    added: list[str] = field(default_factory=list)


@dataclass
class GapfillOutcome:
    """The gapfilled copy with the growth rates and reactions of each stage."""

    model: CobraModel
    growth_before: float
    growth_after: float
    atp: AtpStage | None
    genome_added: list[str]
    genome_performed: bool


def gapfill_model(
    draft: CobraModel, bounds: MediumBounds, target: float, mode: str, progress: Progress | None = None
) -> GapfillOutcome:
    """Gapfill a copy of ``draft`` against the curated reference model's reactions.

    ``full`` runs an ATP stage (can the model cover its maintenance ATP?) and then the
    genome-scale stage (biomass flux >= ``target``); ``atp_only`` and ``genomescale_only`` run one.
    ``progress`` hears of each of the ``GAPFILL_STEPS`` steps as it starts.
    """
    tell = progress or (lambda step, steps, what: None)
    tell(1, GAPFILL_STEPS, "copying the draft and solving FBA for its growth before gapfilling")
    working = draft.copy()
    growth_before = max_growth(working, bounds)
    if growth_before >= target:
        tell(GAPFILL_STEPS, GAPFILL_STEPS, f"growth {growth_before:.4g} already reaches the target")
        return GapfillOutcome(working, growth_before, growth_before, None, [], False)
    atp: AtpStage | None = None
    if mode in ("full", "atp_only"):
        tell(
            2,
            GAPFILL_STEPS,
            f"ATP stage: can the model cover its maintenance ATP? (growth {growth_before:.4g})",
        )
        atp = _atp_stage(working, bounds)
    genome_added: list[str] = []
    genome_performed = mode in ("full", "genomescale_only")
    if genome_performed:
        tell(3, GAPFILL_STEPS, f"genome-scale stage: cobra.flux_analysis.gapfill to growth {target:g}")
        genome_added = _genome_stage(working, bounds, target)
    tell(
        GAPFILL_STEPS,
        GAPFILL_STEPS,
        f"solving FBA for the growth after gapfilling ({len(genome_added)} added)",
    )
    return GapfillOutcome(
        working, growth_before, max_growth(working, bounds), atp, genome_added, genome_performed
    )


def _atp_stage(model: CobraModel, bounds: MediumBounds) -> AtpStage:
    demand = float(model.reactions.get_by_id(ATPM_ID).lower_bound)
    with model:
        model.reactions.get_by_id(ATPM_ID).lower_bound = 0.0
        passed = max_growth(model, bounds, objective=ATPM_ID) >= demand - GROWTH_EPSILON
        if passed:
            return AtpStage(passed=True)
        with model:
            apply_medium(model, bounds)
            model.objective = ATPM_ID
            added = _fill(model, lower_bound=max(demand, 1e-3))
    if added is None:
        return AtpStage(passed=False)
    _add_from_reference(model, added)
    return AtpStage(passed=True, added=added)


def _genome_stage(model: CobraModel, bounds: MediumBounds, target: float) -> list[str]:
    if max_growth(model, bounds) >= target:
        return []
    with model:
        apply_medium(model, bounds)
        model.objective = BIOMASS_ID
        added = _fill(model, lower_bound=target)
    if added is None:
        raise InfeasibilityError(
            f"Gapfilling found no set of reactions that reaches growth {target} on this medium",
            error_code="GAPFILL_INFEASIBLE",
            details={"target_growth_rate": target},
            suggestions=["Try a richer medium", "Try a lower target_growth_rate"],
        )
    _add_from_reference(model, added)
    return added


def _fill(model: CobraModel, lower_bound: float) -> list[str] | None:
    """Smallest set of reference reactions that lets the objective reach ``lower_bound``."""
    from cobra import Model
    from cobra.exceptions import OptimizationError
    from cobra.flux_analysis import gapfill

    universal = Model("universal")
    universal.add_reactions([r.copy() for r in reference_model().reactions if r.id not in model.reactions])
    try:
        # Demand reactions would let gapfilling "solve" a gap by draining a metabolite.
        solutions = gapfill(model, universal, lower_bound=lower_bound, demand_reactions=False)
    except (OptimizationError, RuntimeError):
        return None
    return sorted(str(r.id) for r in solutions[0])


def _add_from_reference(model: CobraModel, reaction_ids: Iterable[str]) -> None:
    reference = reference_model()
    model.add_reactions([reference.reactions.get_by_id(rid).copy() for rid in reaction_ids])


def model_statistics(model: CobraModel) -> dict[str, Any]:
    """Counts by compartment, reversibility and transport, as build_model reports them."""
    reactions_by_compartment: dict[str, int] = {}
    for reaction in model.reactions:
        for compartment in sorted(reaction.compartments):
            reactions_by_compartment[compartment] = reactions_by_compartment.get(compartment, 0) + 1
    metabolites_by_compartment: dict[str, int] = {}
    for metabolite in model.metabolites:
        key = str(metabolite.compartment)
        metabolites_by_compartment[key] = metabolites_by_compartment.get(key, 0) + 1
    reversible = sum(1 for r in model.reactions if r.reversibility)
    return {
        "reactions_by_compartment": reactions_by_compartment,
        "metabolites_by_compartment": metabolites_by_compartment,
        "reversible_reactions": reversible,
        "irreversible_reactions": len(model.reactions) - reversible,
        "transport_reactions": sum(1 for r in model.reactions if len(r.compartments) > 1),
    }
