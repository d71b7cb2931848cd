"""Code lists stored as short strings (portable across both backends).

The values are stable English identifiers; the Chinese labels shown to users live
next to them so that the Qt-free core, reports and the UI agree on wording.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry a Chinese label: ``Member = ("value", "标签")``."""

    def __new__(cls, value: str, label: str = ""):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj


class AdminLevel(Labelled):
    DISTRICT = ("district", "区/县")
    STREET = ("street", "街道/镇")
    COMMUNITY = ("community", "社区")


class ClassKind(Labelled):
    COMPONENT = ("component", "部件")
    EVENT = ("event", "事件(事项)")


class ComponentStatus(Labelled):
    INTACT = ("intact", "完好")
    DAMAGED = ("damaged", "破损")
    LOST = ("lost", "丢失")
    ABANDONED = ("abandoned", "废弃")
    REMOVED = ("removed", "移除")


class TimeUnit(Labelled):
    WORKING_MINUTES = ("working_minutes", "工作分钟")
    WORKING_HOURS = ("working_hours", "工作时")
    WORKING_DAYS = ("working_days", "工作日")
    NATURAL_MINUTES = ("natural_minutes", "分钟")
    NATURAL_HOURS = ("natural_hours", "小时")
    NATURAL_DAYS = ("natural_days", "自然日")

    @property
    def is_working_time(self) -> bool:
        return self.value.startswith("working_")


class Urgency(Labelled):
    NORMAL = ("normal", "一般")
    URGENT = ("urgent", "紧急")


class DepartmentKind(Labelled):
    CITY_CENTRE = ("city_centre", "市级指挥中心")
    DISTRICT_CENTRE = ("district_centre", "区级指挥中心(二级平台)")
    DEPARTMENT = ("department", "专业部门")


class Role(Labelled):
    ACCEPTOR = ("acceptor", "受理员")
    SHIFT_LEAD = ("shift_lead", "值班长")
    DISPATCHER = ("dispatcher", "派遣员")
    DEPARTMENT = ("department", "专业部门")
    SUPERVISOR = ("supervisor", "监督员")
    ADMIN = ("admin", "管理员")
    WALL = ("wall", "大屏(只读)")


class CaseSource(Labelled):
    """The shipped case sources (案件来源). Sources are reference data (table
    ``case_sources``, ``seatdesk.models.sources``): an administrator enables, renames,
    orders and adds them and says which are public and which need 核实; these members are
    the codes the application ships and the defaults the migration seeds."""

    PATROL = ("patrol", "监督员巡查")
    HOTLINE_12345 = ("hotline_12345", "12345政务服务便民热线")
    HOTLINE_12319 = ("hotline_12319", "12319热线")
    MAYOR_HOTLINE = ("mayor_hotline", "市长热线")
    MAYOR_MAILBOX = ("mayor_mailbox", "市长信箱")
    MEDIA = ("media", "民生聚焦")
    ONLINE = ("online", "网上投诉")
    SUPERIOR = ("superior", "上级交办")
    VIDEO = ("video", "视频")

    @property
    def is_public(self) -> bool:
        """Shipped default: public, hotline, mailbox and media reports need 核实 before
        filing (the configured rule is ``case_sources.needs_verification``)."""
        return self in PUBLIC_SOURCES


#: the shipped public sources (defaults of ``case_sources.public`` / ``needs_verification``)
PUBLIC_SOURCES = frozenset(
    {
        CaseSource.HOTLINE_12345,
        CaseSource.HOTLINE_12319,
        CaseSource.MAYOR_HOTLINE,
        CaseSource.MAYOR_MAILBOX,
        CaseSource.MEDIA,
        CaseSource.ONLINE,
    }
)


class CaseState(Labelled):
    REPORTED = ("reported", "待受理")
    PENDING_VERIFICATION = ("pending_verification", "待核实")
    VOIDED = ("voided", "作废")
    ACCEPTED = ("accepted", "待立案")
    NOT_FILED = ("not_filed", "不予立案")
    FILED = ("filed", "待派遣")
    AT_DISTRICT = ("at_district", "区级待派遣")
    DISPATCHED = ("dispatched", "处置中")
    RETURN_REQUESTED = ("return_requested", "回退申请")
    EXTENSION_REQUESTED = ("extension_requested", "延期申请")
    SUSPENSION_REQUESTED = ("suspension_requested", "挂账申请")
    SUSPENDED = ("suspended", "挂账")
    VOID_REQUESTED = ("void_requested", "作废申请")
    FEEDBACK = ("feedback", "待核查")
    PENDING_CHECK = ("pending_check", "核查中")
    READY_TO_CLOSE = ("ready_to_close", "待结案")
    CLOSED = ("closed", "结案")
    MERGED = ("merged", "已合并")


class ClosureType(Labelled):
    NORMAL = ("normal", "正常结案")
    OVERDUE = ("overdue", "超时结案")
    ERROR = ("error", "差错结案")
    SPECIAL = ("special", "特殊结案")


class CallbackOutcome(Labelled):
    """回访: the result of calling a caller back after 结案."""

    SATISFIED = ("satisfied", "满意")
    BASICALLY_SATISFIED = ("basically_satisfied", "基本满意")
    DISSATISFIED = ("dissatisfied", "不满意")
    UNREACHABLE = ("unreachable", "无法联系")

    @property
    def is_contact(self) -> bool:
        """The caller was reached (counts in the 回访满意率 denominator)."""
        return self is not CallbackOutcome.UNREACHABLE

    @property
    def is_satisfied(self) -> bool:
        return self in (CallbackOutcome.SATISFIED, CallbackOutcome.BASICALLY_SATISFIED)


class AttachmentKind(Labelled):
    PHOTO = ("photo", "照片")
    AUDIO = ("audio", "录音")
    OTHER = ("other", "附件")


class DayKind(Labelled):
    HOLIDAY = ("holiday", "节假日")
    WORKDAY = ("workday", "调休工作日")
