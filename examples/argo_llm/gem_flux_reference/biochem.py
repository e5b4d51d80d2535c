"""A small biochemistry database read from the SBML models bundled with COBRApy.

Gem-Flux looks compounds and reactions up in the ModelSEED database. That database is not
available here, so this module indexes the metabolites and reactions of the curated E. coli
models shipped inside the ``cobra`` package (iJO1366 and e_coli_core). Compounds are keyed by
their ModelSEED id taken from the models' ``seed.compound`` annotations; reactions keep their
BiGG ids, except the exchange, biomass and maintenance reactions, which are renamed to the
ModelSEED conventions that Gem-Flux models use (``EX_cpd00027_e0``, ``bio1``, ``ATPM_c0``).

Parsing uses the standard library only, so lookups never pay for importing COBRApy.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import threading
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

_SBML = "{http://www.sbml.org/sbml/level3/version1/core}"
_FBC = "{http://www.sbml.org/sbml/level3/version1/fbc/version2}"
_GROUPS = "{http://www.sbml.org/sbml/level3/version1/groups/version1}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_IDENTIFIER = re.compile(r"https?://identifiers\.org/([^/]+)/(.+)")

# The database is built from these bundled models; the first one wins on conflicts.
DATABASE_MODELS = ("iJO1366", "textbook")

# Reactions whose ids follow ModelSEED conventions in Gem-Flux models.
SPECIAL_REACTION_IDS = {"Biomass_Ecoli_core": "bio1", "ATPM": "ATPM_c0"}

# BiGG names are sometimes doubled ("O2 O2") or odd; use the ModelSEED names for common compounds.
_PREFERRED_NAMES = {
    "cpd00001": "H2O",
    "cpd00007": "O2",
    "cpd00009": "Phosphate",
    "cpd00011": "CO2",
    "cpd00013": "NH3",
    "cpd00027": "D-Glucose",
    "cpd00067": "H+",
    "cpd10515": "Fe2+",
    "cpd10516": "Fe3+",
}

_ALIAS_SOURCES = {
    "bigg.metabolite": "BiGG",
    "bigg.reaction": "BiGG",
    "kegg.compound": "KEGG",
    "kegg.reaction": "KEGG",
    "biocyc": "MetaCyc",
    "chebi": "ChEBI",
    "hmdb": "HMDB",
    "metanetx.chemical": "MetaNetX",
    "metanetx.reaction": "MetaNetX",
    "rhea": "Rhea",
    "seed.compound": "ModelSEED",
}

_ATOMIC_MASS = {
    "H": 1.008, "C": 12.011, "N": 14.007, "O": 15.999, "P": 30.974, "S": 32.06, "Na": 22.99,
    "Mg": 24.305, "Cl": 35.45, "K": 39.098, "Ca": 40.078, "Mn": 54.938, "Fe": 55.845, "Co": 58.933,
    "Ni": 58.693, "Cu": 63.546, "Zn": 65.38, "Se": 78.971, "Mo": 95.95, "W": 183.84, "Cd": 112.41,
    "Hg": 200.59, "As": 74.922, "F": 18.998, "Br": 79.904, "I": 126.9, "B": 10.81,
}  # fmt: skip
_FORMULA_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)")


@dataclass(frozen=True)
class Compound:
    """One compound, merged over compartments."""

    id: str
    name: str
    abbreviation: str
    formula: str | None
    charge: int | None
    aliases: Mapping[str, list[str]]

    @property
    def mass(self) -> float | None:
        """Molecular mass from the formula, or None when the formula has generic groups (R, X)."""
        return formula_mass(self.formula)

    def summary(self) -> dict[str, object]:
        """The per-compound fields that search results carry."""
        return {
            "id": self.id,
            "name": self.name,
            "abbreviation": self.abbreviation,
            "formula": self.formula,
            "mass": self.mass,
            "charge": self.charge,
        }


@dataclass(frozen=True)
class Participant:
    """A compound in a reaction, with its compartment (``c0``, ``e0``, ``p0``) and coefficient."""

    compound_id: str
    compartment: str
    coefficient: float


@dataclass(frozen=True)
class ReactionInfo:
    """One reaction as listed in a bundled model."""

    id: str
    name: str
    abbreviation: str
    participants: tuple[Participant, ...]
    lower_bound: float
    upper_bound: float
    ec_numbers: tuple[str, ...]
    pathways: tuple[str, ...]
    external_ids: Mapping[str, list[str]]

    @property
    def reversibility(self) -> str:
        """``reversible``, ``irreversible_forward`` or ``irreversible_reverse`` from the bounds."""
        if self.lower_bound < 0 < self.upper_bound:
            return "reversible"
        return "irreversible_reverse" if self.upper_bound <= 0 else "irreversible_forward"

    @property
    def direction_symbol(self) -> str:
        """ModelSEED's one-character direction: ``=``, ``>`` or ``<``."""
        return {"reversible": "=", "irreversible_forward": ">", "irreversible_reverse": "<"}[
            self.reversibility
        ]

    @property
    def is_transport(self) -> bool:
        """True when the reaction moves compounds between compartments."""
        return len({p.compartment for p in self.participants}) > 1


@dataclass
class BiochemDatabase:
    """Compounds and reactions with case-insensitive lookup by id and alias."""

    compounds: dict[str, Compound] = field(default_factory=dict)
    reactions: dict[str, ReactionInfo] = field(default_factory=dict)
    compound_id_for_bigg: dict[str, str] = field(default_factory=dict)
    _compound_keys: dict[str, str] = field(default_factory=dict)
    _reaction_keys: dict[str, str] = field(default_factory=dict)

    def find_compound(self, compound_id: str) -> Compound | None:
        """Look a compound up by ModelSEED id or BiGG id, ignoring case."""
        key = self._compound_keys.get(compound_id.strip().lower())
        return self.compounds[key] if key else None

    def find_reaction(self, reaction_id: str) -> ReactionInfo | None:
        """Look a reaction up by its id or BiGG id, ignoring case."""
        key = self._reaction_keys.get(reaction_id.strip().lower())
        return self.reactions[key] if key else None

    def compound_name(self, compound_id: str) -> str:
        """The compound's name, or the id itself when unknown."""
        compound = self.find_compound(compound_id)
        return compound.name if compound else compound_id

    def equation(self, reaction: ReactionInfo, *, with_ids: bool) -> str:
        """Render ``A[c0] + 2 B[c0] => C[e0]``, with names or with compound ids."""
        arrow = {"=": "<=>", ">": "=>", "<": "<="}[reaction.direction_symbol]

        def side(participants: Iterable[Participant]) -> str:
            terms = []
            for p in participants:
                label = p.compound_id if with_ids else self.compound_name(p.compound_id)
                amount = abs(p.coefficient)
                prefix = "" if amount == 1 else f"{amount:g} "
                terms.append(f"{prefix}{label}[{p.compartment}]")
            return " + ".join(terms)

        left = side(p for p in reaction.participants if p.coefficient < 0)
        right = side(p for p in reaction.participants if p.coefficient > 0)
        return f"{left} {arrow} {right}".strip()

    def _index(self) -> None:
        for compound in self.compounds.values():
            self._compound_keys.setdefault(compound.id.lower(), compound.id)
        for bigg_id, compound_id in self.compound_id_for_bigg.items():
            self._compound_keys.setdefault(bigg_id.lower(), compound_id)
        for reaction in self.reactions.values():
            self._reaction_keys.setdefault(reaction.id.lower(), reaction.id)
            self._reaction_keys.setdefault(reaction.abbreviation.lower(), reaction.id)


def formula_mass(formula: str | None) -> float | None:
    """Sum atomic masses over a Hill formula; None if it contains unknown symbols."""
    if not formula:
        return None
    total = 0.0
    consumed = 0
    for match in _FORMULA_TOKEN.finditer(formula):
        element, count = match.group(1), match.group(2)
        if element not in _ATOMIC_MASS or match.start() != consumed:
            return None
        total += _ATOMIC_MASS[element] * (int(count) if count else 1)
        consumed = match.end()
    return round(total, 3) if consumed == len(formula) else None


def bundled_model_path(name: str) -> Path:
    """Path of a gzipped SBML model shipped in ``cobra/data`` (found without importing cobra)."""
    spec = importlib.util.find_spec("cobra")
    if spec is None or spec.origin is None:
        raise RuntimeError("COBRApy is not installed; install the 'gemflux' extra")
    return Path(spec.origin).parent / "data" / f"{name}.xml.gz"


def model_reaction_id(bigg_id: str, compound_id_for_bigg: Mapping[str, str]) -> str:
    """Rename exchange, biomass and maintenance reactions to ModelSEED conventions."""
    if bigg_id in SPECIAL_REACTION_IDS:
        return SPECIAL_REACTION_IDS[bigg_id]
    if bigg_id.startswith("EX_") and bigg_id.endswith("_e"):
        base = bigg_id[3:-2]
        return f"EX_{compound_id_for_bigg.get(base, base)}_e0"
    return bigg_id


def split_bigg_metabolite(species_id: str) -> tuple[str, str]:
    """``glc__D_e`` -> (``glc__D``, ``e``)."""
    base, _, compartment = species_id.rpartition("_")
    return base, compartment


_database: BiochemDatabase | None = None
_database_lock = threading.Lock()


def get_database() -> BiochemDatabase:
    """The process-wide database, parsed on first use (about half a second)."""
    global _database
    with _database_lock:
        if _database is None:
            _database = _build_database([_read_sbml(name) for name in DATABASE_MODELS])
        return _database


def _read_sbml(name: str) -> ET.Element:
    root = ET.fromstring(gzip.decompress(bundled_model_path(name).read_bytes()))
    model = root.find(f"{_SBML}model")
    if model is None:
        raise RuntimeError(f"bundled model {name} has no <model> element")
    return model


def _annotations(element: ET.Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for item in element.iter(f"{_RDF}li"):
        match = _IDENTIFIER.match(item.get(f"{_RDF}resource", ""))
        if match:
            found[match.group(1)].append(match.group(2).removeprefix("META:"))
    return found


def _aliases(annotations: Mapping[str, list[str]]) -> dict[str, list[str]]:
    aliases: dict[str, list[str]] = defaultdict(list)
    for source, values in annotations.items():
        label = _ALIAS_SOURCES.get(source)
        if label:
            aliases[label].extend(v for v in values if v not in aliases[label])
    return dict(aliases)


def _children(model: ET.Element, list_tag: str) -> list[ET.Element]:
    container = model.find(list_tag)
    return list(container) if container is not None else []


def _assign_compound_ids(candidates: Mapping[str, list[str]]) -> dict[str, str]:
    """Give every BiGG metabolite one ModelSEED id, never the same id twice.

    Metabolites with a single candidate claim first; among several candidates the lowest
    number is the primary ModelSEED entry (the others are later duplicates). Metabolites
    without a free candidate keep their BiGG id.
    """
    taken: set[str] = set()
    assigned: dict[str, str] = {}
    for base in sorted(candidates, key=lambda b: (len(candidates[b]), b)):
        free = next((c for c in sorted(candidates[base]) if c not in taken), None)
        assigned[base] = free or base
        if free:
            taken.add(free)
    return assigned


def _clean_name(name: str, formula: str | None) -> str:
    """Undo two BiGG naming quirks: doubled names ("O2 O2") and a trailing formula ("ATP C10H12...")."""
    words = name.split()
    half = len(words) // 2
    if words and len(words) % 2 == 0 and words[:half] == words[half:]:
        return " ".join(words[:half])
    if len(words) > 1 and formula and words[-1] == formula:
        return " ".join(words[:-1])
    return name


def _build_database(models: list[ET.Element]) -> BiochemDatabase:
    species_by_base: dict[str, ET.Element] = {}
    seed_candidates: dict[str, list[str]] = defaultdict(list)
    species_annotations: dict[str, dict[str, list[str]]] = {}
    for model in models:
        for species in _children(model, f"{_SBML}listOfSpecies"):
            base, _ = split_bigg_metabolite(species.get("id", "").removeprefix("M_"))
            annotations = _annotations(species)
            species_by_base.setdefault(base, species)
            species_annotations.setdefault(base, annotations)
            for seed_id in annotations.get("seed.compound", []):
                if seed_id not in seed_candidates[base]:
                    seed_candidates[base].append(seed_id)
            seed_candidates.setdefault(base, [])

    db = BiochemDatabase(compound_id_for_bigg=_assign_compound_ids(seed_candidates))
    for base, species in species_by_base.items():
        compound_id = db.compound_id_for_bigg[base]
        charge = species.get(f"{_FBC}charge")
        formula = species.get(f"{_FBC}chemicalFormula")
        db.compounds[compound_id] = Compound(
            id=compound_id,
            name=_PREFERRED_NAMES.get(compound_id) or _clean_name(species.get("name") or base, formula),
            abbreviation=base,
            formula=formula,
            charge=int(charge) if charge is not None else None,
            aliases=_aliases(species_annotations[base]),
        )
    for model in models:
        _add_reactions(db, model)
    db._index()
    return db


def _add_reactions(db: BiochemDatabase, model: ET.Element) -> None:
    parameters = {
        p.get("id", ""): float(p.get("value", "0")) for p in _children(model, f"{_SBML}listOfParameters")
    }
    pathways: dict[str, list[str]] = defaultdict(list)
    for group in _children(model, f"{_GROUPS}listOfGroups"):
        members = group.find(f"{_GROUPS}listOfMembers")
        for member in members if members is not None else []:
            pathways[member.get(f"{_GROUPS}idRef", "")].append(group.get(f"{_GROUPS}name", ""))

    for element in _children(model, f"{_SBML}listOfReactions"):
        sbml_id = element.get("id", "")
        bigg_id = sbml_id.removeprefix("R_")
        reaction_id = model_reaction_id(bigg_id, db.compound_id_for_bigg)
        if reaction_id in db.reactions:
            continue
        annotations = _annotations(element)
        db.reactions[reaction_id] = ReactionInfo(
            id=reaction_id,
            name=element.get("name") or bigg_id,
            abbreviation=bigg_id,
            participants=tuple(_participants(element, db.compound_id_for_bigg)),
            lower_bound=parameters.get(element.get(f"{_FBC}lowerFluxBound", ""), -1000.0),
            upper_bound=parameters.get(element.get(f"{_FBC}upperFluxBound", ""), 1000.0),
            ec_numbers=tuple(annotations.get("ec-code", [])),
            pathways=tuple(pathways.get(sbml_id, [])),
            external_ids=_aliases(annotations),
        )


def _participants(reaction: ET.Element, compound_ids: Mapping[str, str]) -> list[Participant]:
    found: list[Participant] = []
    for list_tag, sign in ((f"{_SBML}listOfReactants", -1.0), (f"{_SBML}listOfProducts", 1.0)):
        for reference in _children(reaction, list_tag):
            base, compartment = split_bigg_metabolite(reference.get("species", "").removeprefix("M_"))
            coefficient = sign * float(reference.get("stoichiometry", "1"))
            found.append(Participant(compound_ids.get(base, base), f"{compartment}0", coefficient))
    return found
