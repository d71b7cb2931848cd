"""A forged NOTIFY is only a hint (PostgreSQL). Any login that can connect may NOTIFY on
any channel — there is no privilege on it — so each listener is sent, from an operator's
own login connected with its password as psql would, what a stranger could send: text
that is not JSON, JSON of the wrong shape or types, ids that are negative, huge or of no
case, 10^400, an array nested 7,990 deep, a payload of 7,999 bytes, a description meant
for the screen, and a flood of 10,000 distinct notifications in one transaction.

Here the Qt-free listeners: ``workflow.notify`` (the parser every case listener uses), the
intake server's reference cache (``workflow.lookups``) and the handsets' change feed
(``server.feed``). The seat's listener: tests/test_ui_forged_notify.py."""

from __future__ import annotations

import asyncio
import json
import time

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from seatdesk.models.enums import CaseState as S
from seatdesk.models.sources import Source
from seatdesk.server.feed import ChangeFeed
from seatdesk.workflow.lookups import Lookups
from seatdesk.workflow.notify import (
    CHANNEL,
    TASKS_CHANNEL,
    USERS_CHANNEL,
    CaseListener,
    parse_notice,
    parse_user,
)
from tests.dbroles import PASSWORD, make_logins
from tests.dbtemplates import open_database
from tests.workflow_fixtures import open_world

pytestmark = pytest.mark.postgres
WAIT_S = 30.0  # a bound for waiting on a listener, never a measured time

#: what a stranger may NOTIFY on seatdesk_cases (none is a notice the trigger would send)
FORGED = [
    "not json at all",
    "",
    "[1, 2, 3]",
    '"a string"',
    "null",
    '{"id": "7", "n": "x", "v": 1, "s": "reported", "a": "register"}',  # id as text
    '{"id": true, "n": "x", "v": 1, "s": "reported", "a": "register"}',
    '{"id": 1.5, "n": "x", "v": 1, "s": "reported", "a": "register"}',
    '{"id": 1e400, "n": "x", "v": 1, "s": "reported", "a": "register"}',  # int(): Overflow
    '{"id": -5, "n": "x", "v": 1, "s": "reported", "a": "register"}',
    '{"id": 0, "n": "x", "v": 1, "s": "reported", "a": "register"}',
    '{"id": 100000000000000000000000000000, "n": "x", "v": 1, "s": "reported", "a": "x"}',
    '{"id": 9223372036854775808, "n": "x", "v": 1, "s": "reported", "a": "x"}',  # 2^63
    '{"id": 3, "v": 1}',  # keys missing
    "[" * 7990,  # json.loads: RecursionError
    '{"id": ' + "9" * 7980 + "}",  # json.loads: ValueError (digits limit)
    "x" * 7999,  # the longest payload PostgreSQL takes
]


def _login_dsn(db, login: str) -> str:
    url = make_url(db.url)
    return (f"host={url.host} port={url.port} dbname={url.database} user={login}"
            f" password={PASSWORD} connect_timeout=5")


@pytest.fixture
def pg(template_store):
    """A world and a psql-like connection of the acceptor's own login (SCRAM, its password)."""
    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    logins = make_logins(db, ["acceptor"])
    stranger = psycopg.connect(_login_dsn(db, logins["acceptor"]), autocommit=True)
    assert stranger.execute("SELECT current_user").fetchone()[0] == logins["acceptor"]
    yield open_world(db), stranger
    stranger.close()
    db.engine.dispose()
    template_store.drop("postgresql", url)


def notify(conn, channel: str, *payloads: str) -> None:
    """``pg_notify`` each payload in one transaction, as the login (psql would do this)."""
    with conn.transaction():
        for payload in payloads:
            conn.execute("SELECT pg_notify(%s, %s)", (channel, payload))


def flood(conn, channel: str, n: int = 10_000) -> None:
    """``n`` distinct notifications in one transaction (PostgreSQL folds only equal ones)."""
    conn.execute("SELECT pg_notify(%s, json_build_object('id', i, 'n', 'X', 'v', 1,"
                 " 's', 'pending_verification', 'a', 'verify')::text)"
                 " FROM generate_series(1, %s) i", (channel, n))


def test_the_parser_takes_only_what_the_trigger_sends():
    for payload in FORGED:
        assert parse_notice(payload) is None, payload
        assert parse_user(payload) is None or payload == '{"id": 3, "v": 1}', payload
    real = parse_notice('{"id": 12, "n": "20261206-0001", "v": 1, "s": "reported",'
                        ' "a": "register"}')
    assert real is not None and real.case_id == 12 and real.version == 1
    assert parse_user('{"id": 12}') == 12
    assert parse_user('{"id": -12}') is None and parse_user('{"id": 1e400}') is None


def test_a_case_listener_outlives_every_forged_notice_and_still_hears_the_ledger(pg):
    w, stranger = pg
    url = w.db.engine.url.render_as_string(hide_password=False)
    with CaseListener(url, also=(USERS_CHANNEL,)) as listener:
        notify(stranger, CHANNEL, *FORGED)
        notify(stranger, USERS_CHANNEL, *FORGED)
        # a valid-shaped one naming no case, with text meant for a screen: passed on as a
        # hint (the id) — what the listeners do with it is the database's answer
        notify(stranger, CHANNEL, json.dumps({"id": 987654321, "n": "伪造的编号",
                                              "v": 1, "s": "closed", "a": "close"}))
        case = w.drive.to(S.REPORTED)  # the trigger's own notice, after the forged ones
        heard = []
        while not any(n.case_id == case.id for n in heard):
            got = listener.wait(WAIT_S)
            assert got, "the ledger's notice never came"
            heard += got
    assert {n.case_id for n in heard} == {987654321, case.id}
    assert len(listener.other) == len(FORGED)  # kept raw for the caller, who parses them


def test_the_reference_cache_only_empties_on_a_forged_notice_and_a_flood(pg, caplog):
    """The cache's listener reads no payload: a forged notification empties it (the next
    lookup reads the database — what it would read anyway) and nothing else; a flood of
    10,000 is 10,000 cheap emptyings, and the listener stays connected and live."""
    w, stranger = pg
    lookups = Lookups()
    lookups.listen(w.db.engine.url.render_as_string(hide_password=False))
    try:
        assert lookups.wait_live(WAIT_S)

        def sources() -> tuple[str, ...]:
            def load():
                with w.db.Session() as s:
                    return tuple(s.scalars(select(Source.code).order_by(Source.code)))
            return lookups.get("sources", load)

        truth = sources()
        for channel in ("seatdesk_config", USERS_CHANNEL):
            before = lookups.generation
            notify(stranger, channel, *FORGED)
            assert lookups.wait_changed(before, WAIT_S)
            before = lookups.generation
            flood(stranger, channel)
            assert lookups.wait_changed(before, WAIT_S)
        assert lookups.live and lookups._thread.is_alive()
        assert "reference cache listener" not in caplog.text  # never reconnected
        assert sources() == truth  # the database's rows, whatever was sent
        deadline = time.monotonic() + WAIT_S  # once the flood is drained, kept again
        while lookups.kept("sources") != truth:
            assert time.monotonic() < deadline, "the cache never came back"
            assert sources() == truth
            time.sleep(0.05)
    finally:
        lookups.stop()


def test_the_change_feed_wakes_on_a_hint_and_outlives_forged_notices(pg, caplog):
    """The feed wakes waiting handsets (who re-read their own task list as themselves)
    on a notice of a task state — a forged one included: a wake-up, nothing more; one
    batch of a flood is one wake-up; payloads it cannot parse never end its thread."""
    w, stranger = pg

    async def run() -> None:
        feed = ChangeFeed(w.wf)
        feed.start(asyncio.get_running_loop())
        try:
            assert await feed.wait(WAIT_S)  # connected: the first wake-up
            seen = feed.generation
            # on the feed's own channel: nothing a task list could depend on
            notify(stranger, TASKS_CHANNEL, *FORGED)
            flood(stranger, TASKS_CHANNEL)
            assert await feed.wait(WAIT_S, seen)
            woken = feed.generation - seen
            assert 1 <= woken <= 60, woken  # batches of 0.5 s, not 10,000 wake-ups
            assert feed._thread.is_alive()
            seen = feed.generation
            w.drive.to(S.PENDING_VERIFICATION)  # the ledger's own notice still wakes it
            assert await feed.wait(WAIT_S, seen)
        finally:
            feed.stop()

    asyncio.run(run())
    assert "change feed" not in caplog.text  # never lost its connection to a payload
