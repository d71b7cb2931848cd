"""Default 常用语 (common phrases) for reasons operators type again and again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import CommonPhrase

DEFAULT_PHRASES: dict[str, tuple[str, ...]] = {
    "void_reason": (
        "重复上报，已与在办案卷合并",
        "经核实问题不存在",
        "不属于数字城管受理范围",
        "上报信息不全，无法定位",
    ),
    "return_reason": (
        "不属于本单位职责范围，请改派",
        "问题位置不在本单位管辖区域",
        "产权单位不明，请中心协调确认",
    ),
    "extension_reason": (
        "需办理占道、掘路审批手续，无法在时限内完成",
        "工程量较大，需采购材料、组织施工",
        "受雨雪等恶劣天气影响无法施工",
    ),
    "suspension_reason": (
        "需列入年度工程计划统一实施",
        "涉及历史遗留问题，需多部门协调",
        "资金尚未落实，待预算批复后处置",
    ),
    "check_fail_reason": (
        "现场核查问题依旧存在",
        "仅部分处置，未达到结案条件",
        "处置后现场未清理干净",
    ),
    "callback_note": (
        "来电人对处置结果表示满意",
        "问题已解决，但认为处置时间较长",
        "来电人反映问题仍未解决",
        "电话无人接听",
        "号码停机或空号",
    ),
}


def load_default_phrases(session: Session) -> int:
    """Add the default phrases that are missing (by category and text); returns how many."""
    have = {(c, t) for c, t in session.execute(select(CommonPhrase.category, CommonPhrase.text))}
    new = [CommonPhrase(category=category, text=text, sort_order=order)
           for category, texts in DEFAULT_PHRASES.items()
           for order, text in enumerate(texts, start=1) if (category, text) not in have]
    session.add_all(new)
    session.flush()
    return len(new)
