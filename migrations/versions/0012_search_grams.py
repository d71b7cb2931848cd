"""search grams: two-character Chinese text search served by an index on both backends

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 22:00:00

Most Chinese search terms are two characters (垃圾, 井盖, 路灯, 占道), and the trigram
indexes of 0003 cannot serve a term shorter than three characters: a 垃圾 filter on
全部案件 read every case (316 ms at 1,000,000 cases, docs/performance.md). The case
text (description and address, lower-cased) is indexed as the set of its characters and
character pairs ("grams"); a search asks for the pairs of the term (its lone characters
when it has no pair) and the exact substring match rechecks the candidates.

- PostgreSQL: ``seatdesk_grams(description, address)`` — the characters and the pairs of
  adjacent characters of every word (whitespace separates words) of the lower-cased text,
  an IMMUTABLE PL/pgSQL function (~40 µs a case; the same in set-returning SQL took
  770 µs, which made this migration take 10 minutes at 1,000,000 cases) — under a GIN
  expression index, queried with ``@> seatdesk_search_grams(term)``. The index replaces
  the two trigram indexes, whose work it does too (three characters and more, Latin and
  digits). Build time at 1,000,000 cases: ~2.5 minutes on two busy cores; on a large
  deployment build it beforehand with ``CREATE INDEX CONCURRENTLY`` (docs/scale.md).
- SQLite: the FTS5 table ``case_grams`` (contentless, rowid = case id) holding the grams
  as tokens, kept by triggers on ``cases``; a search is an FTS5 MATCH of the term's
  grams. Pure SQL (``json_each`` over a string of the text's length gives the positions),
  so any SQLite client that writes cases keeps it right.

A text's grams are computed in the database by whatever client writes the case. A term is
cut by ``seatdesk_search_grams`` on PostgreSQL and by ``case_search.search_grams`` for
SQLite's MATCH, whose tokenizer then folds it exactly as it folded the text; the tests
hold the two cuts equal.
"""
from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PG_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION seatdesk_grams(description text, address text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
DECLARE
    t text := lower(translate(coalesce(description, '') || ' ' || coalesce(address, ''),
                              E'\t\r\n\u3000', '    ')) || ' ';
    grams text[] := '{}';
    pair text;
BEGIN
    FOR i IN 1 .. length(t) - 1 LOOP
        pair := substr(t, i, 2);
        IF left(pair, 1) <> ' ' THEN
            grams := grams || left(pair, 1);
            IF right(pair, 1) <> ' ' THEN
                grams := grams || pair;
            END IF;
        END IF;
    END LOOP;
    RETURN grams;
END
$$;
CREATE OR REPLACE FUNCTION seatdesk_search_grams(term text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}')
    FROM (SELECT ' ' || lower(translate(coalesce(term, ''), E'\t\r\n\u3000', '    ')) || ' '
                 AS t) AS s,
         generate_series(2, length(s.t) - 1) AS i,
         LATERAL (SELECT CASE
             WHEN substr(s.t, i, 1) = ' ' THEN NULL
             WHEN substr(s.t, i + 1, 1) <> ' ' THEN substr(s.t, i, 2)
             WHEN substr(s.t, i - 1, 1) = ' ' THEN substr(s.t, i, 1)
         END AS g) AS v
    WHERE g IS NOT NULL
$$;
"""

#: the grams of a text on SQLite: its characters and character pairs, space separated
#: (FTS5's unicode61 tokenizer then drops spaces and punctuation)
SQLITE_GRAMS = """(SELECT group_concat(substr(s.t, j.key + 1, 1) || ' '
                           || substr(s.t, j.key + 1, 2), ' ')
     FROM (SELECT lower(coalesce({0}.description, '') || ' ' || coalesce({0}.address, ''))
           AS t) AS s,
          json_each('[' || substr(replace(hex(zeroblob(length(s.t))), '00', ',0'), 2) || ']')
          AS j)"""


def _sqlite_triggers() -> list[str]:
    new, old = SQLITE_GRAMS.format("new"), SQLITE_GRAMS.format("old")
    return [
        f"""CREATE TRIGGER cases_grams_insert AFTER INSERT ON cases BEGIN
            INSERT INTO case_grams (rowid, grams) VALUES (new.id, {new}); END""",
        f"""CREATE TRIGGER cases_grams_update AFTER UPDATE OF description, address ON cases BEGIN
            INSERT INTO case_grams (case_grams, rowid, grams) VALUES ('delete', old.id, {old});
            INSERT INTO case_grams (rowid, grams) VALUES (new.id, {new}); END""",
        f"""CREATE TRIGGER cases_grams_delete AFTER DELETE ON cases BEGIN
            INSERT INTO case_grams (case_grams, rowid, grams) VALUES ('delete', old.id, {old});
            END""",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTIONS)
        op.execute("CREATE INDEX IF NOT EXISTS ix_cases_search_grams ON cases USING gin "
                   "(seatdesk_grams(description, address))")
        op.drop_index("ix_cases_address_trgm", "cases")
        op.drop_index("ix_cases_description_trgm", "cases")
        return
    op.execute("CREATE VIRTUAL TABLE case_grams USING fts5(grams, content='', "
               "tokenize='unicode61')")
    op.execute(f"INSERT INTO case_grams (rowid, grams) SELECT cases.id, "
               f"{SQLITE_GRAMS.format('cases')} FROM cases")
    for trigger in _sqlite_triggers():
        op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_cases_description_trgm", "cases", ["description"],
                        postgresql_using="gin", postgresql_ops={"description": "gin_trgm_ops"})
        op.create_index("ix_cases_address_trgm", "cases", ["address"],
                        postgresql_using="gin", postgresql_ops={"address": "gin_trgm_ops"})
        op.execute("DROP INDEX ix_cases_search_grams")
        op.execute("DROP FUNCTION seatdesk_search_grams(text)")
        op.execute("DROP FUNCTION seatdesk_grams(text, text)")
        return
    for name in ("cases_grams_insert", "cases_grams_update", "cases_grams_delete"):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE case_grams")
