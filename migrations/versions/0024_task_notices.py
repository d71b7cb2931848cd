"""task notices: the ledger trigger announces a change that can touch a supervisor's
核实/核查 task list on ``NOTIFY seatdesk_tasks`` as well

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 19:00:00

The intake server's change feed (``seatdesk/server/feed.py``) wakes the handsets' task
streams and long-polls. Until now it listened on ``seatdesk_cases``, where every ledger
row is announced, and dropped all but the task changes: every report registered cost each
server worker a notification read, parsed and dropped, and PostgreSQL a delivery to each
worker's listening session. ``seatdesk_ledger_notify`` now also sends the task changes
(``notify.TASK_STATES``, ``notify.TASK_ACTIONS``) on ``seatdesk_tasks``, and the feed
listens there only. Seats still listen on ``seatdesk_cases``; its notifications do not
change. Nothing in the schema changes.

The function is (re)installed by ``dbrules.apply`` after every migration run at the head;
this revision makes an existing database take it (``seatdesk db upgrade``), so a server of
this code never listens on a channel nobody sends to. (A run that reaches the head gets it
from ``apply`` anyway; the upgrade's own install is what a run stopped here without
``apply`` gets, and what ``tests/test_dbrules.py`` checks.) The downgrade gives back
0023's function, which announces every row on ``seatdesk_cases`` only: the older server
does not listen on ``seatdesk_tasks``, and a round trip then shows what the upgrade
changed. SQLite: nothing (the feed polls the ledger).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import ledger_sql, table_owner

    if conn.execute(sa.text("SELECT to_regproc('public.seatdesk_ledger_notify')")).scalar():
        ledger_sql.install(conn, table_owner(conn))


#: 0023's function, given back by the downgrade (0017 on: the case's facts from the owner's
#: ``seatdesk_case_facts``)
_FORMER_LEDGER_NOTIFY = """
CREATE OR REPLACE FUNCTION public.seatdesk_ledger_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    c record;
    sent boolean;
BEGIN
    c := public.seatdesk_case_facts(NEW.case_id);
    -- an assignment, not PERFORM (a query of its own per row): pg_notify returns void
    sent := pg_notify('seatdesk_cases', json_build_object(
        'id', NEW.case_id,
        'n', c.number,
        'v', NEW.seq,
        's', NEW.to_state,
        'a', NEW.action)::text) IS NULL;
    RETURN NULL;
END
$fn$
"""


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import run_sql

    if conn.execute(sa.text("SELECT to_regproc('public.seatdesk_ledger_notify')")).scalar():
        run_sql(conn, _FORMER_LEDGER_NOTIFY)
