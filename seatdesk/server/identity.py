"""Who acts, and as which database identity — decided here and nowhere else.

A request is made by a ``Principal``: a supervisor signed in on a handset, or a partner
system with its api_key. Both act as a user record (a partner has its own account, role
受理员), so workflow rules, roles and ledger rows are exactly a seat's; the ledger's seat
column names the channel and device (``城管通/<device>``, ``Open311/<partner>``,
``12345/<partner>``).

``DatabaseIdentity.workflow(principal)`` is the one place that chooses the database
identity a principal's actions run as. On PostgreSQL, when the principal's user has their
own login (``seatdesk db logins``; docs/security.md), every transaction of the returned
workflow starts with ``SET LOCAL ROLE`` to that login (``Workflow.acting_as``): the
database applies the supervisor's or partner's group, row-level security and ledger
identity, whatever the server's own login may do. The server connects as the NOINHERIT
login of ``seatdesk db intake-login`` (nothing of its own but its bookkeeping) or, in an
installation without it, as the owner: either way a request can do no more than its
principal. A user without a login (a database whose ``db logins`` has not run yet) and
the embedded SQLite mode act on the server's own connection, as before.

An owner that is no superuser may not take the logins it created on PostgreSQL 15 (a
CREATEROLE role is not their member; on 16 it holds ADMIN but not SET), so a server
connected as it acts for such a login on its own connection, a trusted writer whose
ledger rows keep the actor it states (``dbrules``), with a warning once per login. Only
a connection with the owner's rights does so: the intake login not being a member means
the user is not to act, and the database refusing the ``SET ROLE`` says so.

A request without a principal — an anonymous Open311 read — runs as the NOLOGIN role
``seatdesk_open311_reader`` (``DatabaseIdentity.public()``), which reads only what Open311
shows anyone: the server's own login cannot lend it anything more.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import text

from seatdesk.workflow import services as sd
from seatdesk.workflow.dbrules import OPEN311_READER

FIELD, PARTNER = "field", "partner"
log = logging.getLogger(__name__)

SEAT_MAX = 64
LOGIN_CACHE_S = 60.0


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    kind: str  # field | partner
    user_id: int
    role: str
    department_id: int | None
    name: str  # user name or partner code: what the access log shows
    channel: str  # written to the ledger's seat column
    session_id: int | None = None  # handset sign-in
    partner_id: int | None = None
    source: str = ""  # the case source of a partner's reports
    #: a handset signed in on a password someone else gave, not yet changed: on PostgreSQL
    #: its login is in no group until then (dbrules/accounts_sql.py), and the server
    #: answers only the change, sign-out and who-am-I (``context.WHILE_MUST_CHANGE``)
    must_change: bool = False

    @property
    def actor(self) -> sd.Actor:
        return sd.Actor(self.user_id, self.role, self.department_id, self.channel[:SEAT_MAX])

    @property
    def log_name(self) -> str:
        return f"{self.kind}:{self.name}"


def field_channel(device_id: str) -> str:
    return f"城管通/{device_id}" if device_id else "城管通"


def partner_channel(kind: str, code: str) -> str:
    return f"{'12345' if kind == 'hotline12345' else 'Open311'}/{code}"


@dataclass(frozen=True)
class _UserLogin:
    """A user's login (``users.db_login``) and the role their units of work take: the
    login, or None — the server's own connection (no login; the owner may not take it)."""

    name: str | None
    role: str | None


_NONE = _UserLogin(None, None)
#: the user's login and whether the connected role may take it (a login not in pg_roles:
#: NULL, may not)
_LOGIN = text(
    "SELECT u.db_login AS login, pg_has_role(current_user, r.oid, :how) AS may"
    " FROM users u LEFT JOIN pg_roles r ON r.rolname = u.db_login WHERE u.id = :u")


def _may_take(session) -> str:
    """``pg_has_role``'s privilege for SET ROLE: 16 grants membership without SET (the
    ADMIN a CREATEROLE role holds on the roles it created), 15 knows only MEMBER."""
    version = session.connection().dialect.server_version_info or (0,)
    return "SET" if version >= (16,) else "MEMBER"


class DatabaseIdentity:
    """Maps a principal to the ``Workflow`` (engine and database role) its actions run as."""

    def __init__(self, wf: sd.Workflow):
        self.wf = wf
        self._logins: dict[int, tuple[_UserLogin, float]] = {}  # user id → (login, looked up at)
        self._without: set[int] = set()  # users without a login, logged once
        self._unset: set[str] = set()  # logins the owner may not take, logged once
        self._lock = threading.Lock()
        self._public: sd.Workflow | None = None
        self._owner: bool | None = None  # the connection has the owner's rights

    def workflow(self, principal: Principal | None = None) -> sd.Workflow:
        """The workflow a principal acts through: as their own login on PostgreSQL (see
        the module's notes); the server's own for requests without a principal."""
        if principal is None or self.wf.backend != "postgresql":
            return self.wf
        role = self._looked_up(principal.user_id).role
        return self.wf.acting_as(role) if role else self.wf

    def public(self) -> sd.Workflow:
        """The workflow anonymous Open311 reads run through: on PostgreSQL as the Open311
        reader (``SET LOCAL ROLE seatdesk_open311_reader``; the intake login is its only
        member, ``grants.apply``; an owner's or superuser's connection may take it too), so
        what such a read may see is decided by that role's grants, not the server's. The
        server's own workflow on SQLite (one trusted process), or — with a warning, once —
        when the connected role may not take it (a database ``db upgrade`` has not brought
        to this version)."""
        if self.wf.backend != "postgresql":
            return self.wf
        if self._public is None:
            with self.wf.reading() as session:
                may = session.execute(text(
                    "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles"
                    " WHERE rolname = :r"), {"r": OPEN311_READER}).scalar()
            if not may:
                log.warning("the server's login may not SET ROLE %s: anonymous Open311 reads "
                            "run on its own connection (run seatdesk db upgrade)", OPEN311_READER)
            self._public = self.wf.acting_as(OPEN311_READER) if may else self.wf
        return self._public

    def login(self, user_id: int) -> str | None:
        """The user's PostgreSQL login, looked up at most once a minute (``db logins`` may
        recreate it under a new prefix) — or, while the process's NOTIFY listener is live,
        kept (none included) until ``NOTIFY seatdesk_users`` says a user's login changed
        (``workflow/lookups.py``); whether it may still act is the database's business: a
        deactivated user's login is in no group."""
        return self._looked_up(user_id).name

    def _looked_up(self, user_id: int) -> _UserLogin:
        if self.wf.lookups.live:
            return self.wf.lookups.get(("login", user_id), lambda: self._login(user_id))
        return self._login(user_id)

    def _login(self, user_id: int) -> _UserLogin:
        with self._lock:
            found, at = self._logins.get(user_id, (None, 0.0))
        if found is not None and time.monotonic() - at < LOGIN_CACHE_S:
            return found
        with self.wf.reading() as session:  # the login and whether we may take it: one query
            row = session.execute(_LOGIN, {"u": user_id, "how": _may_take(session)}).first()
        login, may = (row.login, row.may) if row else (None, False)
        if login:
            found = _UserLogin(login, login if may or not self._owner_rights() else None)
            if found.role is None:
                self._taken_by_owner(login)
            with self._lock:
                self._logins[user_id] = (found, time.monotonic())
            return found
        with self._lock:
            first = user_id not in self._without
            self._without.add(user_id)
        if first:
            log.warning("user %s has no database login: their requests run on the server's "
                        "own connection (run seatdesk db logins)", user_id)
        return _NONE

    def _owner_rights(self) -> bool:
        """Whether the server's connection has the users table owner's rights (a superuser,
        the schema owner: ``signin.mode``), asked once per process."""
        if self._owner is None:
            from seatdesk.workflow.signin import mode

            self._owner = mode(self.wf.engine) == "users"
        return self._owner

    def _taken_by_owner(self, login: str) -> None:
        with self._lock:
            first = login not in self._unset
            self._unset.add(login)
        if first:
            log.warning("the server's login may not SET ROLE %s (a CREATEROLE owner, no "
                        "superuser): its user's requests run on the server's own connection, "
                        "with the owner's rights", login)

