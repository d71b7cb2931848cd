"""Code-list labels (states, sources, roles, actions, units …) in the UI language.

The Qt-free core carries Chinese labels (``CaseState.REPORTED.label == "待受理"``). The
UI shows them through Qt Linguist like every other string: the English names below are
the source texts (context ``Enum``), and ``resources/i18n/glossary_zh_CN.tsv`` maps each
back to exactly the core's Chinese label (``tests/test_ui_i18n.py`` checks they agree),
so the Chinese UI reads the same everywhere and ``SEATDESK_LANG=en`` gets English.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QCoreApplication

CONTEXT = "Enum"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 (the name lupdate knows)
    return text


STATES = {
    "": QT_TRANSLATE_NOOP("Enum", "New case"),
    "reported": QT_TRANSLATE_NOOP("Enum", "Awaiting acceptance"),
    "pending_verification": QT_TRANSLATE_NOOP("Enum", "Awaiting verification"),
    "voided": QT_TRANSLATE_NOOP("Enum", "Voided"),
    "accepted": QT_TRANSLATE_NOOP("Enum", "Awaiting filing"),
    "not_filed": QT_TRANSLATE_NOOP("Enum", "Not filed"),
    "filed": QT_TRANSLATE_NOOP("Enum", "Awaiting dispatch"),
    "at_district": QT_TRANSLATE_NOOP("Enum", "Awaiting district dispatch"),
    "dispatched": QT_TRANSLATE_NOOP("Enum", "In handling"),
    "return_requested": QT_TRANSLATE_NOOP("Enum", "Return requested"),
    "extension_requested": QT_TRANSLATE_NOOP("Enum", "Extension requested"),
    "suspension_requested": QT_TRANSLATE_NOOP("Enum", "Suspension requested"),
    "suspended": QT_TRANSLATE_NOOP("Enum", "Suspended"),
    "void_requested": QT_TRANSLATE_NOOP("Enum", "Voiding requested"),
    "feedback": QT_TRANSLATE_NOOP("Enum", "Awaiting check"),
    "pending_check": QT_TRANSLATE_NOOP("Enum", "Check under way"),
    "ready_to_close": QT_TRANSLATE_NOOP("Enum", "Awaiting closure"),
    "closed": QT_TRANSLATE_NOOP("Enum", "Closed"),
    "merged": QT_TRANSLATE_NOOP("Enum", "Merged"),
}
SOURCES = {
    "patrol": QT_TRANSLATE_NOOP("Enum", "Supervisor patrol"),
    "hotline_12345": QT_TRANSLATE_NOOP("Enum", "12345 government service hotline"),
    "hotline_12319": QT_TRANSLATE_NOOP("Enum", "12319 hotline"),
    "mayor_hotline": QT_TRANSLATE_NOOP("Enum", "Mayor's hotline"),
    "mayor_mailbox": QT_TRANSLATE_NOOP("Enum", "Mayor's mailbox"),
    "media": QT_TRANSLATE_NOOP("Enum", "Media report"),
    "online": QT_TRANSLATE_NOOP("Enum", "Online complaint"),
    "superior": QT_TRANSLATE_NOOP("Enum", "Assigned by superiors"),
    "video": QT_TRANSLATE_NOOP("Enum", "Video"),
}
CALLBACKS = {
    "satisfied": QT_TRANSLATE_NOOP("Enum", "Satisfied"),
    "basically_satisfied": QT_TRANSLATE_NOOP("Enum", "Basically satisfied"),
    "dissatisfied": QT_TRANSLATE_NOOP("Enum", "Dissatisfied"),
    "unreachable": QT_TRANSLATE_NOOP("Enum", "Could not be reached"),
}
ROLES = {
    "acceptor": QT_TRANSLATE_NOOP("Enum", "Call-taker"),
    "shift_lead": QT_TRANSLATE_NOOP("Enum", "Shift lead"),
    "dispatcher": QT_TRANSLATE_NOOP("Enum", "Dispatcher"),
    "department": QT_TRANSLATE_NOOP("Enum", "Department user"),
    "supervisor": QT_TRANSLATE_NOOP("Enum", "Supervisor"),
    "admin": QT_TRANSLATE_NOOP("Enum", "Administrator"),
    "wall": QT_TRANSLATE_NOOP("Enum", "Wall display (read-only)"),
}
URGENCIES = {
    "normal": QT_TRANSLATE_NOOP("Enum", "Normal"),
    "urgent": QT_TRANSLATE_NOOP("Enum", "Urgent"),
}
UNITS = {
    "working_minutes": QT_TRANSLATE_NOOP("Enum", "working minutes"),
    "working_hours": QT_TRANSLATE_NOOP("Enum", "working hours"),
    "working_days": QT_TRANSLATE_NOOP("Enum", "working days"),
    "natural_minutes": QT_TRANSLATE_NOOP("Enum", "minutes"),
    "natural_hours": QT_TRANSLATE_NOOP("Enum", "hours"),
    "natural_days": QT_TRANSLATE_NOOP("Enum", "calendar days"),
}
CLOSURES = {
    "normal": QT_TRANSLATE_NOOP("Enum", "Normal closure"),
    "overdue": QT_TRANSLATE_NOOP("Enum", "Overdue closure"),
    "error": QT_TRANSLATE_NOOP("Enum", "Closure as an error"),
    "special": QT_TRANSLATE_NOOP("Enum", "Special closure"),
}
ATTACHMENTS = {
    "photo": QT_TRANSLATE_NOOP("Enum", "Photo"),
    "audio": QT_TRANSLATE_NOOP("Enum", "Recording"),
    "other": QT_TRANSLATE_NOOP("Enum", "Attachment"),
}
LIGHTS = {
    "green": QT_TRANSLATE_NOOP("Enum", "Green light"),
    "yellow": QT_TRANSLATE_NOOP("Enum", "Yellow light"),
    "red": QT_TRANSLATE_NOOP("Enum", "Red light"),
}
ACTIONS = {
    "register": QT_TRANSLATE_NOOP("Enum", "Register"),
    "send_verification": QT_TRANSLATE_NOOP("Enum", "Send for verification"),
    "verify": QT_TRANSLATE_NOOP("Enum", "Verification reply"),
    "accept": QT_TRANSLATE_NOOP("Enum", "Accept"),
    "void": QT_TRANSLATE_NOOP("Enum", "Void (not accepted)"),
    "file": QT_TRANSLATE_NOOP("Enum", "File"),
    "refuse_filing": QT_TRANSLATE_NOOP("Enum", "Refuse filing"),
    "dispatch": QT_TRANSLATE_NOOP("Enum", "Dispatch"),
    "send_up": QT_TRANSLATE_NOOP("Enum", "Send back to the city"),
    "redispatch": QT_TRANSLATE_NOOP("Enum", "Redispatch"),
    "urge": QT_TRANSLATE_NOOP("Enum", "Urge"),
    "sign": QT_TRANSLATE_NOOP("Enum", "Sign for"),
    "request_return": QT_TRANSLATE_NOOP("Enum", "Request return"),
    "approve_return": QT_TRANSLATE_NOOP("Enum", "Approve return"),
    "refuse_return": QT_TRANSLATE_NOOP("Enum", "Refuse return"),
    "request_extension": QT_TRANSLATE_NOOP("Enum", "Request extension"),
    "approve_extension": QT_TRANSLATE_NOOP("Enum", "Approve extension"),
    "refuse_extension": QT_TRANSLATE_NOOP("Enum", "Refuse extension"),
    "request_suspension": QT_TRANSLATE_NOOP("Enum", "Request suspension"),
    "approve_suspension": QT_TRANSLATE_NOOP("Enum", "Approve suspension"),
    "refuse_suspension": QT_TRANSLATE_NOOP("Enum", "Refuse suspension"),
    "resume": QT_TRANSLATE_NOOP("Enum", "Resume from suspension"),
    "feedback": QT_TRANSLATE_NOOP("Enum", "Handling feedback"),
    "send_check": QT_TRANSLATE_NOOP("Enum", "Send for check"),
    "check_pass": QT_TRANSLATE_NOOP("Enum", "Check passed"),
    "check_fail": QT_TRANSLATE_NOOP("Enum", "Check failed (rework)"),
    "close": QT_TRANSLATE_NOOP("Enum", "Close the case"),
    "request_void": QT_TRANSLATE_NOOP("Enum", "Request voiding"),
    "approve_void": QT_TRANSLATE_NOOP("Enum", "Approve voiding"),
    "refuse_void": QT_TRANSLATE_NOOP("Enum", "Refuse voiding"),
    "merge": QT_TRANSLATE_NOOP("Enum", "Merge as a duplicate"),
    "merge_in": QT_TRANSLATE_NOOP("Enum", "Duplicate merged in"),
    "claim_task": QT_TRANSLATE_NOOP("Enum", "Take the task"),
    "callback": QT_TRANSLATE_NOOP("Enum", "Call back"),
}
TABLES = {"state": STATES, "source": SOURCES, "role": ROLES, "urgency": URGENCIES,
          "unit": UNITS, "closure": CLOSURES, "attachment": ATTACHMENTS, "light": LIGHTS,
          "action": ACTIONS, "callback": CALLBACKS}


def label(kind: str, value: str | None) -> str:
    """The label of ``value`` in table ``kind`` in the UI language (the value if unknown)."""
    text = TABLES[kind].get(value or "")
    if text is None:
        return value or ""
    return QCoreApplication.translate(CONTEXT, text)


def state(value: str | None) -> str:
    return label("state", value)


def source(value: str | None) -> str:
    return label("source", value)


def source_name(code: str | None, configured: str = "") -> str:
    """A source as configured (``case_sources.name``): a shipped source that keeps its
    shipped name is shown in the UI language, a renamed or added one as the administrator
    named it."""
    from seatdesk.models.enums import CaseSource

    shipped = CaseSource._value2member_map_.get(code or "")
    if not configured or (shipped is not None and configured == shipped.label):
        return source(code)
    return configured


def callback(value: str | None) -> str:
    return label("callback", value)


def role(value: str | None) -> str:
    return label("role", value)


def action(value: str | None) -> str:
    return label("action", value)


def unit(value: str | None) -> str:
    return label("unit", value)


def urgency(value: str | None) -> str:
    return label("urgency", value)


def amount(value, unit_value: str | None) -> str:
    """``4 工作时`` / ``4 working hours`` (a Decimal shown without trailing zeros)."""
    try:
        number = f"{Decimal(str(value)):f}"
    except InvalidOperation:
        return f"{value} {unit(unit_value)}"
    number = number.rstrip("0").rstrip(".") if "." in number else number
    return f"{number} {unit(unit_value)}"
