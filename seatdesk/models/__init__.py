"""SQLAlchemy 2.x models, the portable geometry type, spatial queries and DB bootstrap.

Qt-free: nothing here imports PySide6.
"""

from .assets import Component
from .base import Base, UTCDateTime, utcnow
from .cases import (
    Attachment,
    Case,
    CaseNumberDay,
    CaseReporter,
    Dispatch,
    LedgerEntry,
    LedgerSegment,
)
from .centre import Beat, BeatSupervisor, SchemaRelease, SettingChange
from .handover import HandoverAck
from .intake import (
    CallbackEvent,
    CallbackOutbox,
    FieldEvent,
    FieldSession,
    Partner,
    PartnerRequest,
    WorkOrder,
)
from .people import CommonPhrase, SupervisorPosition, User
from .reference import (
    AdminUnit,
    CaseClass,
    ClassEdition,
    Department,
    FilingCondition,
    GridCell,
    Responsibility,
    TimeLimit,
)
from .roads import Road
from .sources import Source
from .settings import CalendarDay, CalendarYear, Setting, get_setting, set_setting
from .trust import SecurityConfig, WorkflowTransition

__all__ = [
    "AdminUnit",
    "Attachment",
    "Base",
    "Beat",
    "BeatSupervisor",
    "CalendarDay",
    "CalendarYear",
    "CallbackEvent",
    "CallbackOutbox",
    "Case",
    "CaseClass",
    "CaseNumberDay",
    "CaseReporter",
    "ClassEdition",
    "CommonPhrase",
    "Component",
    "Department",
    "Dispatch",
    "FieldEvent",
    "FieldSession",
    "FilingCondition",
    "GridCell",
    "HandoverAck",
    "LedgerEntry",
    "LedgerSegment",
    "Partner",
    "PartnerRequest",
    "Responsibility",
    "Road",
    "SchemaRelease",
    "SecurityConfig",
    "Setting",
    "SettingChange",
    "Source",
    "SupervisorPosition",
    "TimeLimit",
    "User",
    "WorkflowTransition",
    "UTCDateTime",
    "WorkOrder",
    "get_setting",
    "set_setting",
    "utcnow",
]
