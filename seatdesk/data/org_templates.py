"""The organisation tables a centre keeps in Excel: their columns, the other names cities
use for them, and what each column means (Qt-free).

One ``TableSpec`` per kind serves three purposes: the importer reads with it
(``seatdesk.data.tables.read_table``: required and optional columns, aliases), ``seatdesk
export templates DIR`` writes the empty template with its explanation sheet, and
``seatdesk export config DIR`` writes the current configuration back in the same layout
(so an export can be imported again: a round trip).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str  # the Chinese header written in templates and exports
    required: bool
    help: str  # what it holds (the template's 说明 sheet)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    kind: str  # seatdesk import KIND
    title: str
    file: str  # file name without suffix in templates and exports
    columns: tuple[Column, ...]
    note: str

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def aliases(self) -> dict[str, str]:
        return {alias: c.name for c in self.columns for alias in c.aliases}

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


UNITS = TableSpec("units", "行政区划（区/县、街道/镇、社区）", "admin_units", (
    Column("代码", True, "6位区/县代码（GB/T 2260），9位街道/镇代码，12位社区代码；"
           "以本市行政区划代码开头", ("code", "行政区划代码", "区划代码")),
    Column("名称", True, "如“云溪街道”“城中社区”", ("name", "区划名称")),
    Column("级别", False, "区/县、街道/镇、社区；留空时按代码位数判断", ("level",)),
    Column("上级代码", False, "留空时取代码的前9位（社区）或前6位（街道/镇）",
           ("parent_code", "上级区划代码")),
), "上级单位须在本文件中或已在数据库中。已有的代码更新名称。")

DEPARTMENTS = TableSpec("departments", "部门与指挥中心", "departments", (
    Column("部门代码", True, "本中心内唯一的简短代码，如 YXSZ", ("code", "代码")),
    Column("部门名称", True, "全称", ("name", "名称")),
    Column("类型", True, "专业部门、区级指挥中心（二级平台）或市级指挥中心", ("kind",)),
    Column("上级部门代码", False, "专业部门属于哪个指挥中心：属于二级平台的部门由二级平台派遣",
           ("parent_code", "上级代码", "所属指挥中心")),
    Column("所属区域代码", False, "二级平台或街道办事处管辖的行政区划代码",
           ("area_code", "区域代码")),
    Column("电话", False, "值班电话", ("phone",)),
    Column("启用", False, "是/否，留空为是", ("active",)),
), "上级部门须在本文件中或已在数据库中。已有的部门代码更新其余各列。")

USERS = TableSpec("users", "用户", "users", (
    Column("用户名", True, "登录名：英文字母、数字和符号，不含空格", ("username", "登录名")),
    Column("姓名", True, "显示的姓名", ("name", "display_name")),
    Column("角色", True, "受理员、值班长、派遣员、专业部门、监督员、管理员或大屏",
           ("role",)),
    Column("部门代码", False, "专业部门用户必填；区级派遣员填二级平台的代码",
           ("department_code", "部门")),
    Column("电话", False, "手机或座机", ("phone",)),
    Column("启用", False, "是/否，留空为是", ("active",)),
), "新用户的初始密码由系统生成，只显示（或写入 --passwords 文件）一次，首次登录时必须修改。"
   "已有的用户名更新姓名、角色、部门、电话和启用状态，密码不变。")

RESPONSIBILITIES = TableSpec("responsibilities", "责任矩阵（小类 × 区域 → 责任部门）",
                             "responsibilities", (
    Column("类型", True, "部件或事件（事项）", ("kind",)),
    Column("小类代码", True, "本中心分类版本的小类代码，如 0102 或 06010",
           ("class_code", "小类")),
    Column("小类名称", False, "仅供阅读，导入时核对", ("class_name",)),
    Column("区域代码", False, "街道/镇或社区代码；留空或“全市”为全市范围", ("area_code",)),
    Column("部门代码", True, "责任部门的代码", ("department_code", "责任部门代码")),
    Column("部门名称", False, "仅供阅读", ("department_name", "责任部门")),
), "派遣时按 社区 → 街道 → 区/县 → 全市 的顺序找责任部门。同一小类和区域再次导入时替换部门。")

TABLES = {spec.kind: spec for spec in (UNITS, DEPARTMENTS, USERS, RESPONSIBILITIES)}

BEATS_NOTE = ("监督员责任网格：GeoJSON、GeoPackage 或 Shapefile 的面要素，"
              "属性 code（责任网格代码）、"
              "name（名称）、supervisors（监督员用户名，多个用逗号或顿号分隔）。")
YES = {"", "是", "y", "yes", "true", "1", "启用"}
NO = {"否", "n", "no", "false", "0", "停用"}
