"""What the database needs to enforce the rules itself (PostgreSQL; present on SQLite too).

- ``workflow_transitions``: the transition table of ``seatdesk/workflow/states.py`` as
  rows (action, from-state, to-state, role), rewritten by every ``seatdesk db upgrade``.
  The ledger's insert trigger refuses a row of an operator that is not in it.
- ``security_config``: one row; the prefix of this database's per-operator login roles
  (``<prefix><username>``) and the database it was set for. Roles are cluster-wide, so a
  training database beside production, a restored copy or a test clone each get their
  own prefix (the database's name unless set for this very database), and the intake
  server's login.

See ``docs/security.md``.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class WorkflowTransition(Base):
    """One legal (action, from-state, to-state) for one role."""

    __tablename__ = "workflow_transitions"

    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(24), primary_key=True)
    target: Mapped[str] = mapped_column(String(24), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class SecurityConfig(Base):
    """The single row (id 1) of the database's login settings."""

    __tablename__ = "security_config"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login_prefix: Mapped[str] = mapped_column(String(40), default="")
    database: Mapped[str] = mapped_column(String(63), default="")
    # the intake server's NOINHERIT login: member of every supervisor's and partner's login
    # so that it can ``SET ROLE`` to the user it acts for ('' = none)
    intake_login: Mapped[str] = mapped_column(String(63), default="")
