"""Per-process state (models and media) and the tools that use it.

Each method returns the same keys as the Gem-Flux tool of the same name. Methods raise
``GemFluxError`` subclasses for bad input, except ``run_fba`` and ``delete_model``, which
return error dictionaries as Gem-Flux does.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import lookup, modeling
from .biochem import BiochemDatabase, get_database
from .errors import (
    GemFluxError,
    InfeasibilityError,
    NotFoundError,
    ToolValidationError,
    error_response,
    media_not_found,
    model_not_found,
    utc_timestamp,
)
from .media import Medium, build_medium, predefined_media, random_suffix
from .responses import build_model_response, fba_response, gapfill_response

TEMPLATES = ("GramNegative", "GramPositive", "Core")
GAPFILL_MODES = ("full", "atp_only", "genomescale_only")
MODEL_STATES = ("all", "draft", "gapfilled")
AMINO_ACIDS = frozenset("ACDEFGHIKLMNPQRSTVWY")
DEFAULT_MAX_MODELS = 100
_MODEL_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_DRAFT_TEST_MEDIUM = "glucose_minimal_aerobic"


@dataclass
class StoredModel:
    """A COBRApy model with the metadata list_models reports."""

    model_id: str
    model_name: str | None
    model: modeling.CobraModel
    template_used: str
    created_at: str
    derived_from: str | None

    @property
    def state(self) -> str:
        """``gapfilled`` once gapfill_model produced it, else ``draft``."""
        return "gapfilled" if self.model_id.endswith(".gf") else "draft"

    def listing(self) -> dict[str, Any]:
        """The list_models entry for this model."""
        return {
            "model_id": self.model_id,
            "model_name": self.model_name,
            "state": self.state,
            "num_reactions": len(self.model.reactions),
            "num_metabolites": len(self.model.metabolites),
            "num_genes": len(self.model.genes),
            "template_used": self.template_used,
            "created_at": self.created_at,
            "derived_from": self.derived_from,
        }


class GemFluxSession:
    """The models and media of one server process, and the tools that act on them."""

    def __init__(self, max_models: int | None = None) -> None:
        self.models: dict[str, StoredModel] = {}
        self.media: dict[str, Medium] = {m.media_id: m for m in predefined_media()}
        self.max_models = max_models or int(os.environ.get("GEM_FLUX_MAX_MODELS", DEFAULT_MAX_MODELS))

    @property
    def db(self) -> BiochemDatabase:
        """The shared compound and reaction database."""
        return get_database()

    # -- media --------------------------------------------------------------------------------

    def build_media(
        self,
        compounds: Sequence[str],
        default_uptake: float = 100.0,
        custom_bounds: Mapping[str, Sequence[float]] | None = None,
    ) -> dict[str, Any]:
        """Store a medium made of the given compound ids and describe it."""
        medium, applied = build_medium(self.db, compounds, default_uptake, custom_bounds)
        self.media[medium.media_id] = medium
        return {
            "success": True,
            "media_id": medium.media_id,
            "compounds": medium.compound_entries(self.db),
            "num_compounds": len(medium.bounds),
            "media_type": medium.media_type,
            "default_uptake_rate": float(default_uptake),
            "custom_bounds_applied": applied,
            "next_steps": [
                f"Use media_id '{medium.media_id}' with gapfill_model to make a draft model grow",
                f"Use media_id '{medium.media_id}' with run_fba to simulate growth",
            ],
        }

    def list_media(self) -> dict[str, Any]:
        """All predefined and built media."""
        predefined = sum(1 for m in self.media.values() if m.predefined)
        return {
            "success": True,
            "media": [m.listing(self.db) for m in self.media.values()],
            "total_media": len(self.media),
            "predefined_media": predefined,
            "user_created_media": len(self.media) - predefined,
        }

    # -- models -------------------------------------------------------------------------------

    def build_model(
        self,
        protein_sequences: Mapping[str, str] | None = None,
        fasta_file_path: str | None = None,
        template: str = "GramNegative",
        model_name: str | None = None,
        annotate_with_rast: bool = True,
    ) -> dict[str, Any]:
        """Derive a draft model from the curated reference model (see the package docstring)."""
        sequences = _read_sequences(protein_sequences, fasta_file_path)
        if template not in TEMPLATES:
            raise ToolValidationError(
                f"Invalid template '{template}'. Must be one of: {', '.join(TEMPLATES)}",
                error_code="INVALID_TEMPLATE",
                details={"template": template, "valid_templates": list(TEMPLATES)},
            )
        model_id = self._new_model_id(model_name)
        test_bounds = self.media[_DRAFT_TEST_MEDIUM].bounds
        draft = modeling.derive_draft(_digest(sequences), test_bounds)
        draft.id = model_id
        growth = modeling.max_growth(draft, test_bounds)
        self._store(StoredModel(model_id, model_name, draft, template, utc_timestamp(), None))
        return build_model_response(draft, model_id, model_name, template, annotate_with_rast, growth)

    def gapfill_model(
        self,
        model_id: str,
        media_id: str,
        target_growth_rate: float = 0.01,
        allow_all_non_grp_reactions: bool = True,
        gapfill_mode: str = "full",
        progress: modeling.Progress | None = None,
    ) -> dict[str, Any]:
        """Gapfill a copy of a stored model on a medium and store it as ``<model_id>.gf``.

        ``progress`` hears of each COBRApy step (it is not a tool argument).
        """
        if gapfill_mode not in GAPFILL_MODES:
            raise ToolValidationError(
                f"Invalid gapfill_mode '{gapfill_mode}'. Must be one of: {', '.join(GAPFILL_MODES)}",
                error_code="INVALID_GAPFILL_MODE",
                details={"gapfill_mode": gapfill_mode, "valid_modes": list(GAPFILL_MODES)},
            )
        if target_growth_rate <= 0:
            raise ToolValidationError(
                f"target_growth_rate must be > 0, got {target_growth_rate}",
                error_code="INVALID_TARGET_GROWTH_RATE",
            )
        stored, medium = self._model(model_id), self._medium(media_id)
        outcome = modeling.gapfill_model(
            stored.model, medium.bounds, target_growth_rate, gapfill_mode, progress=progress
        )
        new_id = model_id if model_id.endswith(".gf") else f"{model_id}.gf"
        outcome.model.id = new_id
        self._store(
            StoredModel(
                new_id, stored.model_name, outcome.model, stored.template_used, utc_timestamp(), model_id
            )
        )
        return gapfill_response(self.db, outcome, new_id, model_id, media_id, target_growth_rate)

    def run_fba(
        self,
        model_id: str,
        media_id: str,
        objective: str = "bio1",
        maximize: bool = True,
        flux_threshold: float = 1e-6,
    ) -> dict[str, Any]:
        """FBA of a stored model on a medium; failures come back as error dictionaries."""
        try:
            stored, medium = self._model(model_id), self._medium(media_id)
            if objective not in stored.model.reactions:
                raise NotFoundError(
                    f"Objective reaction '{objective}' not found in model '{model_id}'",
                    error_code="REACTION_NOT_FOUND",
                    details={"objective": objective, "model_id": model_id},
                    suggestions=["Use 'bio1' for growth", "Reaction ids appear in run_fba fluxes"],
                )
            outcome = modeling.solve_fba(stored.model, medium.bounds, objective, maximize)
            if outcome.status != "optimal":
                return error_response(_infeasible(model_id, media_id, outcome.status), tool_name="run_fba")
            return fba_response(self.db, stored.model, outcome, model_id, media_id, objective, flux_threshold)
        except GemFluxError as error:
            return error_response(error, tool_name="run_fba")
        except Exception as error:  # Gem-Flux reports solver surprises instead of raising
            return {
                "success": False,
                "error_type": "ServerError",
                "message": f"Internal server error during FBA: {error}",
                "details": {"model_id": model_id, "media_id": media_id, "exception": type(error).__name__},
                "suggestion": "Check the model and medium with list_models and list_media, then retry.",
            }

    def list_models(self, filter_state: str = "all") -> dict[str, Any]:
        """Stored models, optionally only drafts or only gapfilled ones."""
        state = filter_state.lower()
        if state not in MODEL_STATES:
            raise ToolValidationError(
                f"Invalid filter_state '{filter_state}'. Must be one of: {', '.join(MODEL_STATES)}",
                error_code="INVALID_FILTER_STATE",
            )
        listed = [m.listing() for m in self.models.values() if state in ("all", m.state)]
        return {
            "success": True,
            "models": listed,
            "total_models": len(listed),
            "models_by_state": {
                "draft": sum(1 for m in listed if m["state"] == "draft"),
                "gapfilled": sum(1 for m in listed if m["state"] == "gapfilled"),
            },
        }

    def delete_model(self, model_id: str) -> dict[str, Any]:
        """Forget a stored model."""
        if model_id not in self.models:
            return {
                "success": False,
                "error_type": "ModelNotFound",
                "message": f"Model '{model_id}' not found in session",
                "details": {"model_id": model_id, "available_models": list(self.models)},
                "suggestion": "Use list_models tool to see available models.",
            }
        del self.models[model_id]
        return {"success": True, "deleted_model_id": model_id, "message": "Model deleted successfully"}

    # -- database lookups ---------------------------------------------------------------------

    def get_compound_name(self, compound_id: str) -> dict[str, Any]:
        """Details of one compound."""
        return lookup.get_compound_name(self.db, compound_id)

    def search_compounds(self, query: str, limit: int = 10) -> dict[str, Any]:
        """Compounds matching a query, best first."""
        return lookup.search_compounds(self.db, query, limit)

    def get_reaction_name(self, reaction_id: str) -> dict[str, Any]:
        """Details of one reaction."""
        return lookup.get_reaction_name(self.db, reaction_id)

    def search_reactions(self, query: str, limit: int = 10) -> dict[str, Any]:
        """Reactions matching a query, best first."""
        return lookup.search_reactions(self.db, query, limit)

    # -- storage ------------------------------------------------------------------------------

    def _model(self, model_id: str) -> StoredModel:
        if model_id not in self.models:
            raise model_not_found(model_id, list(self.models))
        return self.models[model_id]

    def _medium(self, media_id: str) -> Medium:
        if media_id not in self.media:
            raise media_not_found(media_id, list(self.media))
        return self.media[media_id]

    def _new_model_id(self, model_name: str | None) -> str:
        if model_name is None:
            return f"model_{datetime.now(UTC):%Y%m%d_%H%M%S}_{random_suffix()}.draft"
        if not _MODEL_NAME.match(model_name):
            raise ToolValidationError(
                f"Invalid model_name '{model_name}': use letters, digits, '_', '-' and '.' only",
                error_code="INVALID_MODEL_NAME",
            )
        return f"{model_name}.draft"

    def _store(self, stored: StoredModel) -> None:
        # Rebuilding or re-gapfilling under the same id replaces the earlier model.
        if stored.model_id not in self.models and len(self.models) >= self.max_models:
            raise GemFluxError(
                f"Model storage is full ({self.max_models} models); delete models with delete_model",
                error_code="MODEL_STORAGE_ERROR",
            )
        self.models[stored.model_id] = stored


def _read_sequences(
    protein_sequences: Mapping[str, str] | None, fasta_file_path: str | None
) -> dict[str, str]:
    if (protein_sequences is None) == (fasta_file_path is None):
        raise ToolValidationError(
            "Provide exactly one of protein_sequences or fasta_file_path",
            error_code="INVALID_INPUT",
        )
    sequences = (
        dict(protein_sequences) if protein_sequences is not None else _read_fasta(fasta_file_path or "")
    )
    if not sequences:
        raise ToolValidationError("No protein sequences given", error_code="EMPTY_SEQUENCES")
    invalid = sorted(pid for pid, seq in sequences.items() if not seq or set(seq.upper()) - AMINO_ACIDS)
    if invalid:
        raise ToolValidationError(
            f"Invalid protein sequences (only ACDEFGHIKLMNPQRSTVWY allowed): {', '.join(invalid[:10])}",
            error_code="INVALID_PROTEIN_SEQUENCES",
            details={"invalid_ids": invalid, "num_invalid": len(invalid)},
        )
    return sequences


def _read_fasta(path: str) -> dict[str, str]:
    file = Path(path)
    if not file.is_file():
        raise ToolValidationError(f"FASTA file not found: {path}", error_code="FASTA_FILE_NOT_FOUND")
    sequences: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in file.read_text().splitlines():
        line = line.strip()
        if line.startswith(">"):
            current = sequences.setdefault(line[1:].split()[0] if line[1:].strip() else "", [])
        elif line and current is not None:
            current.append(line.rstrip("*"))
        elif line:
            raise ToolValidationError(f"Not a FASTA file: {path}", error_code="INVALID_FASTA_FORMAT")
    return {pid: "".join(parts) for pid, parts in sequences.items()}


def _digest(sequences: Mapping[str, str]) -> bytes:
    h = hashlib.sha256()
    for pid in sorted(sequences):
        h.update(f"{pid}\0{sequences[pid].upper()}\n".encode())
    return h.digest()


def _infeasible(model_id: str, media_id: str, status: str) -> GemFluxError:
    return InfeasibilityError(
        f"Model '{model_id}' has no feasible flux distribution on media '{media_id}' (status: {status})",
        error_code="MODEL_INFEASIBLE",
        details={"model_id": model_id, "media_id": media_id, "solver_status": status},
        suggestions=["Gapfill the model on this medium with gapfill_model", "Try a richer medium"],
    )
