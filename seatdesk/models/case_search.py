"""Substring search in the case text (description, address) through the gram index.

Migration 0012 indexes every case's text as its characters and character pairs
("grams"): on PostgreSQL a GIN index on ``seatdesk_grams(description, address)``, on
SQLite the FTS5 table ``case_grams``. A term needs all its pairs (its lone characters
when it has none: 灯, "路 灯"), so the index hands back the few cases that can hold the
term and the exact, case-insensitive substring match (``ILIKE`` / ``lower() LIKE``)
decides — a two-character word (垃圾) is served by the index like a long one, and a
term the index cannot narrow (only spaces and punctuation) falls back to the plain match.
"""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, Text, and_, false, func, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from .cases import Case

#: the SQLite FTS5 table of the grams; FTS5 keeps it in shadow tables named after it
GRAMS_TABLE = "case_grams"


def is_search_table(name: str) -> bool:
    """The FTS5 table and its shadow tables: made by migration 0012, not models."""
    return name == GRAMS_TABLE or name.startswith(GRAMS_TABLE + "_")


def search_grams(term: str) -> list[str]:
    """The grams a text must hold to contain ``term``: every pair of adjacent non-space
    characters, and each character that stands alone between spaces (SQLite's cut; the
    PostgreSQL function ``seatdesk_search_grams`` cuts the same way)."""
    grams: dict[str, None] = {}
    for word in term.lower().split():
        grams.update(dict.fromkeys([word[i:i + 2] for i in range(len(word) - 1)] or [word]))
    return list(grams)


def _fts_phrases(term: str) -> str:
    """An FTS5 query holding every gram as a quoted phrase (implicit AND); grams without a
    letter or digit are left out (the tokenizer drops punctuation: nothing to ask for)."""
    phrases = ['"' + g.replace('"', '""') + '"' for g in search_grams(term)
               if any(ch.isalnum() for ch in g)]
    return " ".join(phrases)


def text_match(dialect: str, term: str, address_only: bool = False,
               indexed: bool = True) -> ColumnElement[bool]:
    """``term`` occurs in the description or the address (only the address:
    ``address_only``), case-insensitive, wildcards literal; the gram index narrows the
    candidates first unless ``indexed`` is False (see ``broad_search``)."""
    columns = (Case.address,) if address_only else (Case.description, Case.address)
    if term.lower() == term.upper():  # no letter has a case (Chinese, digits): plain LIKE,
        exact = or_(*(c.contains(term, autoescape=True) for c in columns))  # ~2× cheaper
    else:
        exact = or_(*(c.icontains(term, autoescape=True) for c in columns))
    if not indexed:
        return exact
    if dialect == "postgresql":
        held = gram_condition(term)
        # coalesce(…, false) is the same truth value; it keeps the planner from multiplying
        # its fixed guess for a LIKE pattern (~1 %) into the gram index's own statistics,
        # an underestimate that made it sort 50,000 matches instead of walking an index
        return and_(held, func.coalesce(exact, false()))
    phrases = _fts_phrases(term)
    if not phrases:
        return exact
    hits = (select(literal_column("rowid")).select_from(text("case_grams"))
            .where(literal_column("case_grams").match(phrases)))
    return and_(Case.id.in_(hits), exact)


def gram_condition(term: str) -> ColumnElement[bool]:
    """PostgreSQL: the case's grams hold every gram of ``term`` (what the GIN index
    answers; the exact match decides among these candidates)."""
    grams = func.seatdesk_grams(Case.description, Case.address, type_=ARRAY(Text))
    return grams.contains(func.seatdesk_search_grams(term, type_=ARRAY(Text)))


def estimated_matches(session, terms: list[str]) -> tuple[float, float]:
    """PostgreSQL: the planner's estimate of the cases holding the grams of all ``terms``
    (from the gram index's statistics, which ``ANALYZE`` keeps: the most common grams and
    their frequencies) and of all cases (``reltuples``, ≤ 0 before the first ``ANALYZE``);
    no case is read."""
    query = select(Case.id).where(*(gram_condition(t) for t in terms))
    compiled = query.compile(dialect=session.get_bind().dialect)
    conn = session.connection()
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled),
                                compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    total = conn.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = 'cases'::regclass").scalar()
    return float(plan[0]["Plan"]["Plan Rows"]), float(total or 0)


def searches_text(filters) -> bool:
    """The filter has a text or address term (a ``queues.CaseFilter``)."""
    return bool(filters.text.strip() or filters.address.strip())
