"""Demo organisation: command centres, departments, the responsibility matrix and users.

The roster follows liyang.md §4.4. Names marked "pattern" there (城市管理局 and its
市政/园林/环卫 units, 交警大队, utilities …) are **demo names [E]**, not confirmed Liyang
units; 住房和城乡建设局, 水利局 and the three 街道办事处 are confirmed.

Two command levels (一级监督、两级指挥): the city centre ``LYCG`` and one district-level
platform (二级平台) for 昆仑街道 (run together with 溧阳高新区, liyang.md §2.3), ``LYCG-KL``,
with its own 城管中队 and 环卫所. Every class of an edition gets a city-wide department
by keyword rules on the class name (the same rules serve both editions); street-level
matters (乱堆杂物, 沿街晾挂 …) default to 溧城街道办事处 and are overridden per street.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_CENTRE = "LYCG"
DISTRICT_CENTRE = "LYCG-KL"
STREET = "@street"  # rule target: the street office of the area
DEMO_PASSWORD = "seatdesk-demo"


@dataclass(frozen=True)
class DeptPlan:
    code: str
    name: str
    kind: str  # city_centre | district_centre | department
    parent_code: str | None
    area_code: str | None
    phone: str


_DEPTS: tuple[tuple[str, str], ...] = (
    ("CGJ", "溧阳市城市管理局"),
    ("CGZF", "溧阳市城市管理综合行政执法大队"),
    ("SZSS", "溧阳市市政设施管理处"),
    ("YLLH", "溧阳市园林绿化管理处"),
    ("HJWS", "溧阳市环境卫生管理处"),
    ("LDGL", "溧阳市路灯管理所"),
    ("SWJT", "溧阳市水务集团"),
    ("SLJ", "溧阳市水利局"),
    ("ZJJ", "溧阳市住房和城乡建设局"),
    ("ZRZY", "溧阳市自然资源和规划局"),
    ("JJDD", "溧阳市公安局交通警察大队"),
    ("GAJ", "溧阳市公安局"),
    ("XFJY", "溧阳市消防救援大队"),
    ("JTJ", "溧阳市交通运输局"),
    ("STHJ", "溧阳市生态环境局"),
    ("SCJG", "溧阳市市场监督管理局"),
    ("WTLJ", "溧阳市文体广电和旅游局"),
    ("MZJ", "溧阳市民政局"),
    ("QXJ", "溧阳市气象局"),
    ("GDGS", "国网溧阳市供电公司"),
    ("DXGS", "中国电信溧阳分公司"),
    ("YDGS", "中国移动溧阳分公司"),
    ("LTGS", "中国联通溧阳分公司"),
    ("YXDS", "江苏有线溧阳分公司"),
    ("YZGS", "中国邮政溧阳分公司"),
    ("RQGS", "溧阳市燃气公司"),
    ("LCJD", "溧城街道办事处"),
    ("KLJD", "昆仑街道办事处"),
    ("GXJD", "古县街道办事处"),
)
STREET_OFFICES = {"320481002": "LCJD", "320481001": "KLJD", "320481003": "GXJD"}
_DEPT_AREAS = {"LCJD": "320481002", "KLJD": "320481001", "GXJD": "320481003"}
_DISTRICT_DEPTS = (("KL-CGZD", "昆仑街道城管中队"), ("KL-HWS", "昆仑街道环卫所"))


def department_plans() -> tuple[DeptPlan, ...]:
    """Both centres first, then the city departments, then the district platform's own."""
    plans = [
        DeptPlan(CITY_CENTRE, "溧阳市数字化城市管理监督指挥中心", "city_centre", None, "320481",
                 "0519-87210000"),
        DeptPlan(DISTRICT_CENTRE, "昆仑街道数字城管分中心（二级平台）", "district_centre",
                 CITY_CENTRE, "320481001", "0519-87220000"),
    ]
    for n, (code, name) in enumerate(_DEPTS, start=1):
        plans.append(DeptPlan(code, name, "department", CITY_CENTRE, _DEPT_AREAS.get(code),
                              f"0519-8721{n:04d}"))
    for n, (code, name) in enumerate(_DISTRICT_DEPTS, start=1):
        plans.append(DeptPlan(code, name, "department", DISTRICT_CENTRE, "320481001",
                              f"0519-8722{n:04d}"))
    return tuple(plans)


# -- the responsibility matrix ---------------------------------------------------------------

# matters (事件/事项) first: their names are more specific than component names
_MATTER_RULES: tuple[tuple[str, str], ...] = (
    ("私搭乱建", "CGZF"), ("无证装修", "CGZF"), ("违章接坡", "CGZF"), ("外立面", "CGJ"),
    ("临街阳台", STREET), ("彩旗", "CGJ"), ("沿街晾挂", STREET), ("擅自架设", "CGZF"),
    ("空调室外机", "CGZF"), ("暴露垃圾", "HJWS"), ("积存垃圾", "HJWS"), ("道路不洁", "HJWS"),
    ("道路破损", "SZSS"), ("道路遗撒", "CGZF"), ("滩不洁", "SLJ"), ("交通标线", "JJDD"),
    ("绿化弃料", "YLLH"), ("绿地脏乱", "YLLH"), ("非装饰性", "CGJ"), ("焚烧", "CGZF"),
    ("病虫害", "YLLH"), ("伐树", "YLLH"), ("堤岸", "SLJ"), ("河堤", "SLJ"),
    ("水域不洁", "SLJ"), ("水域秩序", "SLJ"), ("河道污染", "STHJ"), ("油烟", "CGZF"),
    ("噪声扰民", "STHJ"), ("商业噪音", "CGZF"), ("烧烤", "CGZF"), ("乱倒乱排", "CGZF"),
    ("填埋场", "HJWS"), ("医疗废物", "STHJ"), ("废弃车辆", "JJDD"), ("废弃家具", "HJWS"),
    ("乱堆", STREET), ("动物尸体", "HJWS"), ("家禽家畜", STREET), ("违章开设道口", "SZSS"),
    ("地锁", "CGZF"), ("垃圾未分类", "HJWS"), ("遮阳篷", "CGJ"), ("节庆", "CGJ"),
    ("占绿毁绿", "YLLH"), ("占用河道", "SLJ"), ("公园秩序", "YLLH"), ("边坡", "SZSS"),
    ("台阶", "SZSS"), ("路缘石", "SZSS"), ("盲道", "SZSS"), ("无障碍坡道", "SZSS"),
    ("小广告", "CGZF"), ("散发广告", "CGZF"), ("违规户外广告", "CGJ"), ("语言文字", "CGJ"),
    ("违规牌匾", "CGJ"), ("标语", "CGJ"), ("公益性宣传", "CGJ"), ("违章张贴", "CGJ"),
    ("占道广告", "CGJ"), ("广告招牌破损", "CGJ"), ("施工占道", "SZSS"), ("掘路", "SZSS"),
    ("渣土运输", "CGZF"), ("无证建设", "ZRZY"), ("施工", "ZJJ"), ("高空悬吊", "ZJJ"),
    ("预埋件", "ZJJ"), ("无照经营", "CGZF"), ("夜）市", "SCJG"), ("流浪", "MZJ"),
    ("废品收购", "CGZF"), ("占道废品", "CGZF"), ("店外经营", "CGZF"), ("占道经营", "CGZF"),
    ("出版物", "WTLJ"), ("机动车乱停放", "JJDD"), ("非机动车乱停放", "CGZF"),
    ("共享单车", "JTJ"), ("消防通道", "XFJY"), ("屠宰", "SCJG"), ("畜力车", "JJDD"),
    ("无证餐饮", "SCJG"), ("违规设置停车场", "JJDD"), ("桥下空间", "SZSS"), ("履带车", "JJDD"),
    ("无障碍通道", "CGZF"), ("农贸市场", "SCJG"), ("洗车", "CGZF"), ("促销", "CGZF"),
    ("黑车", "JJDD"), ("积雪", "HJWS"), ("架空线缆", "DXGS"), ("群发性", "GAJ"),
    ("下水道", "SZSS"), ("自来水管", "SWJT"), ("路面塌陷", "SZSS"), ("道路积水", "SZSS"),
    ("热力管道", "SZSS"), ("燃气管道", "RQGS"),
)
_COMPONENT_RULES: tuple[tuple[str, str], ...] = (
    ("跨河管道", "SWJT"), ("供水", "SWJT"), ("上水", "SWJT"), ("水井", "SWJT"), ("水塔", "SWJT"),
    ("水鹤", "SWJT"), ("中水", "SWJT"), ("消防", "SWJT"),
    ("污水口监测", "STHJ"), ("污水监测", "STHJ"), ("环保监测", "STHJ"), ("噪声显示", "STHJ"),
    ("气象", "QXJ"), ("化粪池", "HJWS"), ("雨污水", "SZSS"), ("污水", "SZSS"), ("雨水", "SZSS"),
    ("排水", "SZSS"), ("沟槽", "SZSS"), ("防蚊闸", "SZSS"),
    ("路灯", "LDGL"), ("地灯", "LDGL"), ("景观灯", "LDGL"), ("灯箱", "CGJ"),
    ("电力", "GDGS"), ("电缆", "GDGS"), ("高压线", "GDGS"), ("变压器", "GDGS"),
    ("充电桩", "GDGS"), ("自助缴费", "GDGS"), ("电视", "YXDS"), ("网络井盖", "LTGS"),
    ("基站", "YDGS"), ("通信", "DXGS"), ("通讯", "DXGS"), ("电话亭", "DXGS"),
    ("燃气", "RQGS"), ("输油", "RQGS"), ("加油", "SCJG"), ("热力", "SZSS"), ("供热", "SZSS"),
    ("公安", "GAJ"), ("监控", "GAJ"), ("治安", "GAJ"), ("报警", "GAJ"), ("门（楼号）牌", "GAJ"),
    ("信号灯", "JJDD"), ("交通信号", "JJDD"), ("交通标志", "JJDD"), ("交通护栏", "JJDD"),
    ("交通岗亭", "JJDD"), ("防撞桶", "JJDD"), ("安全岛", "JJDD"), ("人行横道", "JJDD"),
    ("隔离", "JJDD"), ("反视镜", "JJDD"), ("限高", "JJDD"), ("停车", "JJDD"), ("减速带", "JJDD"),
    ("车库", "JJDD"), ("道路信息显示屏", "JJDD"), ("隔音屏", "SZSS"), ("非机动车停放", "CGZF"),
    ("存车支架", "CGZF"),
    ("公交", "JTJ"), ("出租车", "JTJ"), ("公路", "JTJ"), ("轨道", "JTJ"), ("铁路", "JTJ"),
    ("铁道", "JTJ"), ("自行车", "JTJ"), ("港监", "JTJ"),
    ("公厕", "HJWS"), ("公共厕所", "HJWS"), ("垃圾", "HJWS"), ("果皮", "HJWS"),
    ("环卫", "HJWS"), ("拾便", "HJWS"), ("烟头", "HJWS"), ("旧衣物", "HJWS"),
    ("救助站", "MZJ"), ("地名牌", "MZJ"), ("文物", "WTLJ"), ("景区", "WTLJ"), ("健身", "WTLJ"),
    ("应急避难", "MZJ"), ("水域", "SLJ"), ("栈桥", "SLJ"), ("防汛", "SLJ"), ("防洪", "SLJ"),
    ("桥", "SZSS"), ("地下通道", "SZSS"), ("隧道", "JTJ"), ("路名牌", "SZSS"), ("便道桩", "SZSS"),
    ("无障碍", "SZSS"), ("广告", "CGJ"), ("牌匾", "CGJ"), ("宣传栏", "CGJ"), ("报刊亭", "CGJ"),
    ("售货", "CGJ"), ("信息亭", "CGJ"), ("邮筒", "YZGS"), ("快递", "YZGS"),
    ("雕塑", "YLLH"), ("树", "YLLH"), ("绿", "YLLH"), ("花", "YLLH"), ("喷泉", "YLLH"),
    ("座椅", "YLLH"), ("坐椅", "YLLH"), ("林地", "YLLH"), ("休息亭", "YLLH"), ("园林", "YLLH"),
    ("高架挂箱", "YLLH"), ("公房", "ZJJ"), ("人防", "ZJJ"), ("管廊", "ZJJ"), ("牌楼", "ZJJ"),
    ("工地", "ZJJ"), ("危险源", "ZJJ"), ("电梯", "SCJG"), ("晒衣架", STREET), ("旗杆", "CGJ"),
    ("公示牌", "CGJ"), ("立杆", "SZSS"), ("综合杆", "SZSS"), ("井盖", "SZSS"),
)
FALLBACK_DEPT = "CGJ"

# area-specific overrides: (class-name keyword, street code) → department
AREA_OVERRIDES: tuple[tuple[str, str, str], ...] = (
    ("暴露垃圾", "320481001", "KL-HWS"),
    ("道路不洁", "320481001", "KL-HWS"),
    ("占道经营", "320481001", "KL-CGZD"),
    ("乱堆", "320481001", "KL-CGZD"),
    ("占道经营", "320481003", "GXJD"),
)


def department_for_class(kind: str, name: str) -> str:
    """City-wide department code for a class (``STREET`` → the core street's office)."""
    rules = _COMPONENT_RULES if kind == "component" else _MATTER_RULES + _COMPONENT_RULES
    for keyword, dept in rules:
        if keyword in name:
            return STREET_OFFICES["320481002"] if dept == STREET else dept
    return FALLBACK_DEPT


def area_overrides_for_class(kind: str, name: str) -> list[tuple[str, str]]:
    """(street code, department code) overrides for a class: street offices and district units."""
    if kind == "component":
        return []
    result = [(street, dept) for keyword, street, dept in AREA_OVERRIDES if keyword in name]
    if _is_street_matter(name):
        taken = {street for street, _ in result}
        result += [(street, office) for street, office in STREET_OFFICES.items()
                   if street != "320481002" and street not in taken]
    return sorted(result)


def _is_street_matter(name: str) -> bool:
    for keyword, dept in _MATTER_RULES:
        if keyword in name:
            return dept == STREET
    return False


# -- users -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserPlan:
    username: str
    display_name: str
    role: str
    department_code: str
    phone: str


_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖"
             "田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢")
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅志海波宁鹏飞燕琳斌浩凯欣"

#: the department of the demo's ``bumen`` account: 城市管理综合行政执法大队, which the
#: responsibility matrix gives the demo's most frequent complaints (占道经营, 非法小广告,
#: 店外经营 … about a third of all demo cases), so a walkthrough's case reaches ``bumen``
BUMEN_DEPT = "CGZF"

CORE_USERS: tuple[tuple[str, str, str], ...] = (
    ("shouli", "acceptor", CITY_CENTRE),
    ("zhibanzhang", "shift_lead", CITY_CENTRE),
    ("paiqian", "dispatcher", CITY_CENTRE),
    ("bumen", "department", BUMEN_DEPT),
    ("jiandu", "supervisor", CITY_CENTRE),
    ("admin", "admin", CITY_CENTRE),
    ("daping", "wall", CITY_CENTRE),
    ("quxpaiqian", "dispatcher", DISTRICT_CENTRE),
)


def person_name(n: int) -> str:
    """A deterministic Chinese personal name for demo user ``n``."""
    surname = _SURNAMES[(n * 7) % len(_SURNAMES)]
    given = _GIVEN[(n * 13) % len(_GIVEN)]
    if n % 3:
        given += _GIVEN[(n * 29 + 5) % len(_GIVEN)]
    return surname + given


def user_plans(supervisors: int) -> tuple[UserPlan, ...]:
    """Core role accounts, extra 监督员 (jiandu02 …) and one account per other department.

    ``jiandu`` is the first supervisor; department accounts are ``bm_<code>`` (lower case)
    so that every department can sign and feed back in the demo ledger.
    """
    users = [UserPlan(u, person_name(i), role, dept, f"1390519{i:04d}")
             for i, (u, role, dept) in enumerate(CORE_USERS, start=1)]
    n = len(users)
    for k in range(2, supervisors + 1):
        n += 1
        users.append(UserPlan(f"jiandu{k:02d}", person_name(n), "supervisor", CITY_CENTRE,
                              f"1390519{n:04d}"))
    for plan in department_plans():
        if plan.kind == "department" and plan.code != BUMEN_DEPT:
            n += 1
            users.append(UserPlan(f"bm_{plan.code.lower().replace('-', '_')}", person_name(n),
                                  "department", plan.code, f"1390519{n:04d}"))
    return tuple(users)


def department_user(code: str) -> str:
    """Username of the demo account of department ``code``."""
    return "bumen" if code == BUMEN_DEPT else f"bm_{code.lower().replace('-', '_')}"



def demo_accounts(supervisors: int) -> list[dict[str, str]]:
    """The demo's sign-in accounts for the login dialog's hint and the README: the core
    roles first, then the other supervisors and one account per other department."""
    names = {p.code: p.name for p in department_plans()}
    core = {username for username, _, _ in CORE_USERS}
    return [{"username": u.username, "role": u.role, "department": names[u.department_code],
             "core": u.username in core} for u in user_plans(supervisors)]
