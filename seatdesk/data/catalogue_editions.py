"""How the default 立案条件 catalogue of GB/T 30428.2-2013 is derived from the rules of
GB/T 47678.5-2026 (data, not logic; ``catalogue_gen --edition 30428.2`` applies it).

Reviewed by reading both class files side by side (resources/reference/classes_*.csv).

**Components (部件, 85).** The facility rules of ``catalogue_rules`` (EXACT, FAMILIES, the
generic rule and the responsible unit) work on names, so each 2013 component is run
through them under its own name, after ``RULE_WORDS`` rewrites the words the 2013 edition
spells differently (通讯→通信, 上水→供水, 坐椅→座椅, half-width brackets). The major class
chooses the generic rule and the default unit: 01 公用设施→01, 02 道路交通→02,
03 市容环境→03, 04 园林绿化→04, 05 房屋土地 and 06 其他设施→05 (``COMPONENT_MAJORS``).
``COMPONENT_MATCHES`` names the 47678.5 component of the same or clearly equivalent name;
it brings the code-specific published rows of ``BY_CODE`` along (公安井盖 and 消防设施: S24;
无主井盖 = 不明井盖: S32/S33; 污水/雨水井盖, 雨水箅子: S33's inactive 90-minute rule).
No counterpart (None): 立杆 (split into five 立杆 classes in 2026), 广告牌匾 (split into
户外广告 and 牌匾标识), 灯箱霓虹灯, 人防工事, 重大危险源, 工地. ``RULE_NAMES`` lets 灯箱霓虹灯
(illuminated advertising) use the 户外广告 rules; ``EXACT_2013`` writes conditions for the
three classes 2026 dropped, whose generic rule would read badly.

**Events (事件, 50).** ``EVENT_MATCHES`` maps every event to the 47678.5 matter(s) of the
same or clearly equivalent name; the event gets those matters' conditions, published rows
with their 来源 and 默认值=否 (S29 济源's 市容环境 01–05 are the 2013 events 0101–0105 by name,
S28's 01-01 私搭乱建, 01-02 暴露垃圾 … follow the same scheme). Choices worth a second look:

- 0109 非装饰性树挂 → 06019 非装饰性吊挂; 0111 河堤破损 → 06023 堤岸破损; 0113 建筑物外立面
  不洁 → 06004 建筑物外立面污损; 0114 水域秩序问题 → 06024 水域秩序乱象; 0503 占道废品收购
  → 09004 废品收购乱象; 0507 乱堆物堆料 → 06036 乱堆杂物; 0508 商业噪音 → 06028 噪声扰民
  (its condition names 商业促销); 0408 架空线缆损坏 → 10002 架空线缆脱落.
- 0202 违章张贴悬挂广告牌匾 → 07003 违规户外广告 and 07006 违规牌匾标识 (both conditions);
  0205 广告招牌破损 → the matters 03006 户外广告异常 and 03007 牌匾标识异常.
- Closest rather than equivalent (``same=False``: every row 默认值=是, 来源 kept as the
  provenance): 0203 占道广告牌 → 07003 违规户外广告 (one kind of it); 0406 道路积水 → only
  the 积水 condition of 06012 道路不洁 (S28 publishes it under 道路保洁).
- 04 突发事件 has no major class in 2026 (standards.md §6.6: its items moved to 10 其他事项类
  and to "<部件>异常" matters). 0407 道路积雪结冰 → 10001, 0408 → 10002; the others have no
  equivalent matter and take the generic rule of 10 with their own unit: 0401 路面塌陷 (06013
  道路破损 describes potholes, not a collapse), 0402 自来水管破裂, 0403 燃气管道破裂, 0405 热力
  管道破裂 (01057/01061 are exposed pipes' upkeep, not a burst), 0404 下水道堵塞或破损,
  0409 群发性事件. 0509 黑车拉客 has no 2026 matter either: generic rule of 09.

Fallback majors (``EVENT_FALLBACK_MAJOR``): 01 市容环境→06, 02 宣传广告→07, 03 施工管理→08,
04 突发事件→10, 05 街面秩序→09. Rows from a generic rule, a closest match or a rule
without a source are 默认值=是: an administrator reviews them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue_rules import HOUSING, LAW, MUNICIPAL, STREET, TRAFFIC_POLICE, Cond

COMPONENT_MAJORS = {"01": "01", "02": "02", "03": "03", "04": "04", "05": "05", "06": "05"}
RULE_WORDS = (("通讯", "通信"), ("上水", "供水"), ("坐椅", "座椅"), ("(", "（"), (")", "）"))
RULE_NAMES = {"0306": "户外广告"}  # 2013 code → name the facility rules see

# 2013 component code → 47678.5 component code (None: no counterpart)
COMPONENT_MATCHES: dict[str, str | None] = {
    "0101": "01001", "0102": "01002", "0103": "01003", "0104": "01004", "0105": "01005",
    "0106": "01006", "0107": "01007", "0108": "01008", "0109": "01009", "0110": "01010",
    "0111": "01011", "0112": "01012", "0113": "01013", "0114": "01023", "0115": "01027",
    "0116": "01028", "0117": None, "0118": "01037", "0119": "01038", "0120": "01039",
    "0121": "01040", "0122": "01041", "0123": "01042", "0124": "01043", "0125": "01045",
    "0126": "01046", "0127": "01019", "0128": "01020", "0129": "01021", "0130": "01022",
    "0131": "01024", "0132": "01025", "0133": "01047", "0134": "01048", "0135": "01049",
    "0136": "01050", "0137": "01044", "0138": "01051",
    "0201": "02001", "0202": "02003", "0203": "02004", "0204": "02005", "0205": "02006",
    "0206": "02007", "0207": "02008", "0208": "02009", "0209": "02010", "0210": "02014",
    "0211": "02017", "0212": "02027", "0213": "02012", "0214": "02015", "0215": "02023",
    "0216": "02024", "0217": "02016",
    "0301": "03001", "0302": "03003", "0303": "03002", "0304": "03004", "0305": "03005",
    "0306": None, "0307": None, "0308": "03010", "0309": "03009", "0310": "03011",
    "0311": "03013",
    "0401": "04001", "0402": "04002", "0403": "04004", "0404": "04005", "0405": "04013",
    "0406": "04006", "0407": "04007", "0408": "04008", "0409": "04009", "0410": "04010",
    "0501": "03008", "0502": None, "0503": "05002",
    "0601": None, "0602": None, "0603": "01069", "0604": "01070", "0605": "02031",
    "0606": "01071",
}

# components of 2013 that 2026 dropped (names as in the 2013 class file)
EXACT_2013: dict[str, tuple[Cond, ...]] = {
    "人防工事": (Cond("{n}出入口、通风口等设施破损，或被违规占用、进水", "5工作日", "2小时",
                  "设施修复，占用清除，隐患消除", unit="人民防空办公室"),),
    "重大危险源": (Cond("{n}安全警示标志缺失、防护设施破损，或出现泄漏等险情", "1工作日", "1小时",
                   "隐患消除，警示标志、防护设施完好", unit="应急管理局、产权单位"),),
    "工地": (Cond("{n}围挡破损、缺失，或出入口及周边道路污损", "3工作日", "2小时",
                "围挡修复，出入口及周边整洁", unit=HOUSING),),
}


@dataclass(frozen=True)
class EventMatch:
    """The 47678.5 matter(s) a 2013 event takes its conditions from."""

    matters: tuple[str, ...] = ()  # empty: the generic rule of the fallback major
    same: bool = True  # same or clearly equivalent class: published rows stay 默认值=否
    only: str = ""  # keep only the conditions whose text contains this
    unit: str = ""  # 责任单位 of the generic rule


def _to(*matters: str, only: str = "") -> EventMatch:
    return EventMatch(matters, only=only)


def _near(*matters: str, only: str = "") -> EventMatch:
    return EventMatch(matters, same=False, only=only)


def _generic(unit: str) -> EventMatch:
    return EventMatch(same=False, unit=unit)


EVENT_MATCHES: dict[str, EventMatch] = {
    # 01 市容环境
    "0101": _to("06001"), "0102": _to("06010"), "0103": _to("06011"), "0104": _to("06012"),
    "0105": _to("06025"), "0106": _to("06017"), "0107": _to("06034"), "0108": _to("06035"),
    "0109": _to("06019"), "0110": _to("06013"), "0111": _to("06023"), "0112": _to("06014"),
    "0113": _to("06004"), "0114": _to("06024"), "0115": _to("06020"), "0116": _to("06027"),
    "0117": _to("06037"), "0118": _to("06038"),
    # 02 宣传广告
    "0201": _to("07001"), "0202": _to("07003", "07006"), "0203": _near("07003"),
    "0204": _to("07002"), "0205": _to("03006", "03007"),
    # 03 施工管理
    "0301": _to("08001"), "0302": _to("08004"), "0303": _to("08005"), "0304": _to("08002"),
    "0305": _to("08003"),
    # 04 突发事件
    "0401": _generic(MUNICIPAL), "0402": _generic("自来水公司"),
    "0403": _generic("燃气公司"), "0404": _generic(f"{MUNICIPAL}（排水）"),
    "0405": _generic("供热企业"), "0406": _near("06012", only="积水"), "0407": _to("10001"),
    "0408": _to("10002"), "0409": _generic(f"公安局、{STREET}"),
    # 05 街面秩序
    "0501": _to("09001"), "0502": _to("09003"), "0503": _to("09004"), "0504": _to("09005"),
    "0505": _to("09009"), "0506": _to("09010"), "0507": _to("06036"), "0508": _to("06028"),
    "0509": _generic(f"交通运输局、{TRAFFIC_POLICE}"), "0510": _to("06029"),
    "0511": _to("06007"), "0512": _to("09008"), "0513": _to("06009"),
}

EVENT_FALLBACK_MAJOR = {"01": "06", "02": "07", "03": "08", "04": "10", "05": "09"}

# generic rule per 47678.5 matter major; {n} is the 2013 event's name
GENERIC_EVENT_BY_MAJOR = {
    "06": Cond("{n}，影响市容环境", "1工作日", closure="问题处置完毕，市容环境恢复整洁"),
    "07": Cond("{n}，影响市容", "1工作日", closure="违规广告、宣传品清除或整改到位"),
    "08": Cond("{n}，影响通行或周边环境", "1工作日", "2小时", "违规施工行为制止，现场恢复"),
    "09": Cond("{n}，影响街面秩序", "2工作时", "1小时", "违规行为制止，街面秩序恢复"),
    "10": Cond("发生{n}，影响通行或危及公共安全（先行设置警示）", "4小时", "1小时",
               "险情排除，现场恢复正常"),
}
GENERIC_EVENT_UNIT = {"06": f"{LAW}、{STREET}", "07": LAW, "08": f"{HOUSING}、{LAW}",
                      "09": LAW, "10": STREET}
