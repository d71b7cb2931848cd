"""Input validated at the service boundary: every text a caller hands a workflow service
(a seat, the intake server, a script) is checked here before anything is written (Qt-free).

The rules themselves — one maximum length and one character rule per stored field, the
same on both backends — live in ``seatdesk.models.textrules`` (documented in
docs/reliability.md). This module applies them to the services' arguments and turns a
refusal into ``InvalidInput``, a ``WorkflowError`` whose message names the field.
"""

from __future__ import annotations

import dataclasses
import math

from seatdesk.models.textrules import TextRefused, clean_text

from .errors import InvalidArgument

CODE_MAX = 17  # the longest code a report names: a 17-digit 标识码


class InvalidInput(InvalidArgument):
    """A text or number the caller typed cannot be stored (too long, control characters…)."""


def checked(key: str, value: str | None, label: str | None = None) -> str:
    """``value`` cleaned for the stored field ``key`` ("cases.address" …), or ``InvalidInput``."""
    try:
        return clean_text(key, value, label)
    except TextRefused as exc:
        raise InvalidInput(str(exc)) from None


def checked_report(report):
    """A registration's ``Report`` with every text cleaned (``InvalidInput`` names the field)."""
    if not (_finite(report.lon) and _finite(report.lat)):
        raise InvalidInput("位置无效：经纬度必须是有限数值")
    code = report.component_code
    if code is not None:
        code = checked("components.code", code, "部件标识码") or None
        if code is not None and len(code) > CODE_MAX:
            raise InvalidInput(f"部件标识码不能超过{CODE_MAX}个字符")
    attachments = tuple(dataclasses.replace(
        a, filename=checked("attachments.filename", a.filename),
        mime_type=checked("attachments.mime_type", a.mime_type)) for a in report.attachments)
    return dataclasses.replace(
        report, address=checked("cases.address", report.address),
        description=checked("cases.description", report.description),
        caller_name=checked("cases.caller_name", report.caller_name),
        caller_phone=checked("cases.caller_phone", report.caller_phone),
        component_code=code, attachments=attachments)


def checked_reason(reason: str | None) -> str:
    """A reason or note for the case ledger (理由/说明)."""
    return checked("case_ledger.reason", reason)


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
