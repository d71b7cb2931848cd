"""open311 reader rows: the Open311 reader reads no ledger or attachment row itself; an
Open311 case's state changes and first photo come from owner-run functions with the row
rule of its ``cases`` policy (branch ``intake7b``)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:30:00

Until this revision ``seatdesk_open311_reader`` (the role the intake server's anonymous
Open311 GETs run as) read seven columns of every ledger row and four of every attachment
— so every case's state changes by case id, and every attachment's id and kind, also of
cases Open311 does not show. Now it reads neither table; the mySociety updates and a
record's ``media_url`` come from two SECURITY DEFINER PL/pgSQL functions
(``dbrules/intake_sql.py``): ``seatdesk_open311_updates(start, end, partner_id, limit)``
and ``seatdesk_open311_first_photos(case_ids)``, which return rows of cases that came in
through Open311 only (a ``partner_requests`` row names them), EXECUTE for the reader and
the partner group. The intake login no longer reads ``attachments`` either (every case's
photos and the callers' recordings): the photos a 12345 "finished" callback sends come
from ``seatdesk_callback_photos(outbox_id, limit)``, EXECUTE for the intake login only.
``dbrules.apply`` (after every migration run at the head) also takes
from former intake logins what they held (``grants.retire_former_intake_logins``).

The upgrade installs the functions (``apply`` revokes the reader's column grants); the
downgrade drops them and gives the reader back its 0017 column grants and the intake
login its read of ``attachments``, which the code of 0017 reads. The former intake
logins' grants are not given back. SQLite: nothing.
"""
from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

#: what the Open311 reader read of these tables at 0017 (its code reads them directly)
READER_0017 = {"case_ledger": ("id", "case_id", "seq", "at", "action", "from_state",
                               "to_state"),
               "attachments": ("id", "case_id", "kind", "ledger_seq")}

NEW_INTAKE_SIGNATURES = ("seatdesk_callback_photos(integer, integer)",)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import ensure_roles, grants, intake_sql

    ensure_roles(conn)  # (the reader it grants EXECUTE to: a new cluster has none yet)
    intake_sql.install(conn, grants.intake_login(conn))  # (apply brings in the rest)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import OPEN311_READER, grants, intake_sql, run_sql

    intake_sql.uninstall(conn, only=(*intake_sql.RECORD_SIGNATURES, *NEW_INTAKE_SIGNATURES))
    for table, columns in READER_0017.items():
        listed = ", ".join(f'"{c}"' for c in columns)
        run_sql(conn, f'GRANT SELECT ({listed}) ON public."{table}" TO "{OPEN311_READER}"')
    intake = grants.intake_login(conn)
    if intake:
        run_sql(conn, f'GRANT SELECT ON public.attachments TO "{intake}"')
