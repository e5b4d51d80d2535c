"""Growth media: the four predefined minimal media and media built from compound ids."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .biochem import BiochemDatabase
from .errors import ToolValidationError, utc_timestamp

DEFAULT_SECRETION = 100.0
RICH_MEDIUM_THRESHOLD = 50  # Gem-Flux calls a medium "rich" from 50 compounds up

# Water, nitrogen, phosphorus, sulfur and the trace ions of a ModelSEED minimal medium.
_MINERALS = (
    "cpd00001", "cpd00009", "cpd00013", "cpd00048", "cpd00205", "cpd00254", "cpd10515", "cpd10516",
    "cpd00063", "cpd00099", "cpd00030", "cpd00034", "cpd00058", "cpd00149", "cpd11574", "cpd00971",
)  # fmt: skip
_GLUCOSE, _PYRUVATE, _OXYGEN = "cpd00027", "cpd00020", "cpd00007"
# A carbon uptake of 10 mmol/gDW/h is the classic E. coli core setting (growth 0.874 /h aerobically).
_CARBON_UPTAKE = 10.0


@dataclass(frozen=True)
class Medium:
    """A medium: exchange bounds per compound id, in mmol/gDW/h (negative lower bound = uptake)."""

    media_id: str
    media_name: str | None
    bounds: Mapping[str, tuple[float, float]]
    created_at: str
    predefined: bool

    @property
    def media_type(self) -> str:
        """``minimal`` below 50 compounds, ``rich`` otherwise."""
        return "minimal" if len(self.bounds) < RICH_MEDIUM_THRESHOLD else "rich"

    def compound_entries(self, db: BiochemDatabase) -> list[dict[str, Any]]:
        """The compounds with names, formulas and bounds, as build_media reports them."""
        entries = []
        for compound_id, (lower, upper) in self.bounds.items():
            compound = db.find_compound(compound_id)
            entries.append(
                {
                    "id": compound_id,
                    "name": compound.name if compound else compound_id,
                    "formula": compound.formula if compound else None,
                    "bounds": [lower, upper],
                }
            )
        return entries

    def listing(self, db: BiochemDatabase) -> dict[str, Any]:
        """The list_media entry for this medium."""
        return {
            "media_id": self.media_id,
            "media_name": self.media_name,
            "num_compounds": len(self.bounds),
            "media_type": self.media_type,
            "compounds_preview": [{"id": c, "name": db.compound_name(c)} for c in list(self.bounds)[:3]],
            "created_at": self.created_at,
        }


def predefined_media() -> list[Medium]:
    """Glucose or pyruvate minimal media, with and without oxygen (18 and 17 compounds)."""
    created = utc_timestamp()
    media = []
    for carbon_name, carbon in (("glucose", _GLUCOSE), ("pyruvate", _PYRUVATE)):
        for aeration, with_oxygen in (("aerobic", True), ("anaerobic", False)):
            bounds = {carbon: (-_CARBON_UPTAKE, DEFAULT_SECRETION)}
            if with_oxygen:
                bounds[_OXYGEN] = (-100.0, DEFAULT_SECRETION)
            bounds.update(dict.fromkeys(_MINERALS, (-100.0, DEFAULT_SECRETION)))
            name = f"{carbon_name}_minimal_{aeration}"
            media.append(Medium(name, name, bounds, created, predefined=True))
    return media


def new_media_id() -> str:
    """``media_YYYYMMDD_HHMMSS_<6 random characters>``."""
    return f"media_{_stamp()}_{random_suffix()}"


def random_suffix(length: int = 6) -> str:
    """Lower-case letters and digits, for collision-free generated ids."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d_%H%M%S")


def build_medium(
    db: BiochemDatabase,
    compounds: Sequence[str],
    default_uptake: float,
    custom_bounds: Mapping[str, Sequence[float]] | None,
) -> tuple[Medium, int]:
    """Validate the compound ids and bounds; return the medium and how many custom bounds applied."""
    if not compounds:
        raise ToolValidationError("compounds must list at least one compound id", error_code="EMPTY_MEDIA")
    if default_uptake < 0:
        raise ToolValidationError(
            f"default_uptake must be >= 0, got {default_uptake}", error_code="INVALID_UPTAKE_RATE"
        )
    ids = _resolve_compounds(db, compounds)
    bounds: dict[str, tuple[float, float]] = {c: (-float(default_uptake), DEFAULT_SECRETION) for c in ids}
    applied = 0
    for raw_id, pair in (custom_bounds or {}).items():
        compound = db.find_compound(raw_id)
        if compound is None or compound.id not in bounds:
            raise ToolValidationError(
                f"custom_bounds names '{raw_id}', which is not in compounds",
                error_code="INVALID_CUSTOM_BOUNDS",
                details={"compound_id": raw_id},
            )
        lower, upper = float(pair[0]), float(pair[1])
        if lower > upper:
            raise ToolValidationError(
                f"custom_bounds for '{raw_id}': lower bound {lower} exceeds upper bound {upper}",
                error_code="INVALID_CUSTOM_BOUNDS",
                details={"compound_id": raw_id, "bounds": [lower, upper]},
            )
        bounds[compound.id] = (lower, upper)
        applied += 1
    return Medium(new_media_id(), None, bounds, utc_timestamp(), predefined=False), applied


def _resolve_compounds(db: BiochemDatabase, compounds: Sequence[str]) -> list[str]:
    resolved: list[str] = []
    unknown: list[str] = []
    for raw_id in compounds:
        compound = db.find_compound(raw_id)
        if compound is None:
            unknown.append(raw_id)
        elif compound.id not in resolved:
            resolved.append(compound.id)
    if unknown:
        raise ToolValidationError(
            f"Invalid compound IDs: {', '.join(unknown)}. Not found in the compound database",
            error_code="INVALID_COMPOUND_IDS",
            details={"invalid_ids": unknown, "num_invalid": len(unknown)},
            suggestions=["Use search_compounds to find valid compound ids"],
        )
    return resolved
