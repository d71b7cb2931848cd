"""The login dialog's "demo accounts" hint, shown only on a demo database.

``seatdesk demo`` stores its accounts under the setting ``demo_accounts``; a real
deployment has none, and then the hint stays hidden. The list is read with the centre's
name before anyone signs in (``read_banner``), not through the sign-in itself, so it does
not depend on how a login is authenticated. Core roles are listed with their department;
the per-department accounts (``bm_…``) and extra supervisors fold into one line with a
tooltip. Clicking a user name puts it into the login form.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QToolButton, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from seatdesk.models import get_setting

from seatdesk.ui import enum_labels as L


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    department: str
    core: bool  # one of the README's role accounts (not a bm_… or jiandu02 …)


@dataclass(frozen=True)
class Banner:
    """What the login dialog shows before anyone signs in."""

    centre_name: str
    demo_accounts: tuple[DemoAccount, ...]


def read_banner(session: Session) -> Banner:
    accounts = get_setting(session, "demo_accounts") or []
    return Banner(str(get_setting(session, "centre_name")), tuple(
        DemoAccount(a["username"], a["role"], a["department"], bool(a.get("core")))
        for a in accounts))


class DemoAccountsHint(QWidget):
    """A fold-out list of the demo accounts; ``username_chosen`` when one is clicked."""

    username_chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("demoAccounts")
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("demoAccountsToggle")
        self.toggle.setText(self.tr("Demo database: show the demo accounts"))
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._fold)
        self.table = QLabel(self)
        self.table.setObjectName("demoAccountsTable")
        self.table.setTextFormat(Qt.TextFormat.RichText)
        self.table.setWordWrap(True)
        self.table.setStyleSheet("color: #37474f;")
        self.table.linkActivated.connect(self.username_chosen)
        self.table.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.table)
        self.hide()

    def set_accounts(self, accounts: tuple[DemoAccount, ...]) -> None:
        self.setVisible(bool(accounts))
        if not accounts:
            self.table.clear()
            return
        rows = "".join(
            f"<tr><td><a href='{html.escape(a.username)}'>{html.escape(a.username)}</a></td>"
            f"<td>{html.escape(L.role(a.role))}</td><td>{html.escape(a.department)}</td></tr>"
            for a in accounts if a.core)
        others = [a for a in accounts if not a.core]
        more = self.tr("and %1 more: a supervisor per beat (jiandu02 …) and one account per "
                       "department (bm_ and the department code)").replace(
                           "%1", str(len(others)))
        # imported here: the demo package pulls in the whole demo builder (~20 MB resident)
        from seatdesk.data.demo.org import DEMO_PASSWORD

        password = self.tr("Every demo account has the password %1").replace("%1", DEMO_PASSWORD)
        self.table.setText(f"<p>{html.escape(password)}</p>"
                           f"<table cellspacing='0' cellpadding='2'>{rows}</table>"
                           + (f"<p>{html.escape(more)}</p>" if others else ""))
        self.table.setToolTip("\n".join(f"{a.username}  {L.role(a.role)}  {a.department}"
                                        for a in others))

    def _fold(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.table.setVisible(shown)
        self.window().adjustSize()
