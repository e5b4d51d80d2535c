"""The four database tools: compound and reaction lookup and search."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .biochem import BiochemDatabase, Compound, ReactionInfo
from .errors import NotFoundError, ToolValidationError

MAX_SEARCH_LIMIT = 100
_T = TypeVar("_T")


def get_compound_name(db: BiochemDatabase, compound_id: str) -> dict[str, Any]:
    """Everything the database knows about one compound (by ModelSEED or BiGG id)."""
    compound = db.find_compound(_require_text(compound_id, "compound_id"))
    if compound is None:
        raise NotFoundError(
            f"Compound '{compound_id}' not found in the compound database",
            error_code="COMPOUND_NOT_FOUND",
            suggestions=["Use search_compounds to find compound ids by name or formula"],
        )
    return {
        "success": True,
        **compound.summary(),
        "inchikey": None,  # the bundled models carry no structures
        "smiles": None,
        "aliases": dict(compound.aliases),
    }


def search_compounds(db: BiochemDatabase, query: str, limit: int) -> dict[str, Any]:
    """Rank compounds by where the query matches: id, name, abbreviation, formula, aliases."""
    text = _require_text(query, "query").lower()
    limit = _check_limit(limit)
    ranked = _rank(db.compounds.values(), lambda c: _compound_match(c, text), lambda c: (len(c.name), c.id))
    results = [{**c.summary(), "match_field": field, "match_type": kind} for c, field, kind in ranked[:limit]]
    response: dict[str, Any] = {
        "success": True,
        "query": text,
        "num_results": len(results),
        "results": results,
        "truncated": len(ranked) > limit,
    }
    if not results:
        response["suggestions"] = [
            "Try a more general search term",
            "Check the spelling of the compound name",
            "Search by formula (e.g. C6H12O6) or by a KEGG, BiGG or ChEBI id",
        ]
    response["next_steps"] = [
        "Use get_compound_name for full details of a result",
        "Use the compound ids in build_media to define a growth medium",
    ]
    return response


def get_reaction_name(db: BiochemDatabase, reaction_id: str) -> dict[str, Any]:
    """Everything the database knows about one reaction (ids as they appear in models)."""
    reaction = db.find_reaction(_require_text(reaction_id, "reaction_id"))
    if reaction is None:
        raise NotFoundError(
            f"Reaction '{reaction_id}' not found in the reaction database "
            "(reaction ids are those of the bundled models, e.g. PGI, bio1, EX_cpd00027_e0)",
            error_code="REACTION_NOT_FOUND",
            suggestions=["Use search_reactions to find reaction ids by name, EC number or pathway"],
        )
    return {
        "success": True,
        "id": reaction.id,
        "name": reaction.name,
        "abbreviation": reaction.abbreviation,
        "equation": db.equation(reaction, with_ids=False),
        "equation_with_ids": db.equation(reaction, with_ids=True),
        "reversibility": reaction.reversibility,
        "direction_symbol": reaction.direction_symbol,
        "ec_numbers": list(reaction.ec_numbers),
        "pathways": list(reaction.pathways),
        "is_transport": reaction.is_transport,
        "external_ids": dict(reaction.external_ids),
    }


def search_reactions(db: BiochemDatabase, query: str, limit: int) -> dict[str, Any]:
    """Rank reactions by where the query matches: id, name, abbreviation, EC, pathway, aliases."""
    text = _require_text(query, "query").lower()
    limit = _check_limit(limit)
    ranked = _rank(db.reactions.values(), lambda r: _reaction_match(r, text), lambda r: (len(r.name), r.id))
    results = [
        {
            "id": r.id,
            "name": r.name,
            "equation": db.equation(r, with_ids=False),
            "ec_numbers": list(r.ec_numbers),
            "match_field": field,
            "match_type": kind,
        }
        for r, field, kind in ranked[:limit]
    ]
    response: dict[str, Any] = {
        "success": True,
        "query": text,
        "num_results": len(results),
        "results": results,
        "truncated": len(ranked) > limit,
    }
    if not results:
        response["suggestions"] = [
            "Try a more general search term",
            "Search by EC number (e.g. 5.3.1.9) or pathway (e.g. glycolysis)",
            "Reaction ids are BiGG ids such as PGI or PFK",
        ]
    return response


def _require_text(value: str, name: str) -> str:
    if not value.strip():
        raise ToolValidationError(f"{name} must not be empty", error_code="INVALID_INPUT")
    return value.strip()


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise ToolValidationError(
            f"limit must be between 1 and {MAX_SEARCH_LIMIT}, got {limit}", error_code="INVALID_LIMIT"
        )
    return int(limit)


Match = tuple[int, str, str]  # (priority, match_field, match_type); lower priority sorts first


def _rank(
    items: Iterable[_T], match: Callable[[_T], Match | None], tiebreak: Callable[[_T], tuple[int, str]]
) -> list[tuple[_T, str, str]]:
    scored = [(m, item) for item in items if (m := match(item)) is not None]
    scored.sort(key=lambda pair: (pair[0][0], tiebreak(pair[1])))
    return [(item, m[1], m[2]) for m, item in scored]


def _compound_match(compound: Compound, text: str) -> Match | None:
    name, abbreviation = compound.name.lower(), compound.abbreviation.lower()
    aliases = [a.lower() for values in compound.aliases.values() for a in values]
    checks: list[tuple[bool, str, str]] = [
        (compound.id.lower() == text, "id", "exact"),
        (name == text, "name", "exact"),
        (abbreviation == text, "abbreviation", "exact"),
        (text in name, "name", "partial"),
        (text in abbreviation, "abbreviation", "partial"),
        ((compound.formula or "").lower() == text, "formula", "exact"),
        (text in aliases, "aliases", "exact"),
    ]
    return _first(checks)


def _reaction_match(reaction: ReactionInfo, text: str) -> Match | None:
    name, abbreviation = reaction.name.lower(), reaction.abbreviation.lower()
    aliases = [a.lower() for values in reaction.external_ids.values() for a in values]
    checks: list[tuple[bool, str, str]] = [
        (reaction.id.lower() == text, "id", "exact"),
        (name == text, "name", "exact"),
        (abbreviation == text, "abbreviation", "exact"),
        (text in name, "name", "partial"),
        (any(ec == text or ec.startswith(text + ".") for ec in reaction.ec_numbers), "ec_numbers", "exact"),
        (any(text in p.lower() for p in reaction.pathways), "pathways", "partial"),
        (text in aliases, "aliases", "exact"),
    ]
    return _first(checks)


def _first(checks: list[tuple[bool, str, str]]) -> Match | None:
    for priority, (hit, field, kind) in enumerate(checks):
        if hit:
            return priority, field, kind
    return None
