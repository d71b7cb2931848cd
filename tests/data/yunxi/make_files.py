"""Write the files of 云溪市, the invented second city of the go-live test, with seatdesk's
own templates (``seatdesk.data.org_export.write_table``): run from the checkout root,

    .venv/bin/python tests/data/yunxi/make_files.py

云溪市 (330785) is fictional: a county-level city with two streets (云溪街道, 东湖街道),
five communities of four 14-digit unit grid cells each (CJ/T 213-2005 codes, the
GB/T 30428.2-2013 classification), a city centre and a district platform (二级平台) for
东湖街道, ten departments, users of every role and three supervisors' beats. The tables
are written as a centre would keep them: Excel for units, departments and the matrix,
CSV (GB18030, as Excel saves it on a Chinese Windows) for the users.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import shapely

from seatdesk.data.org_export import write_table
from seatdesk.data.org_templates import DEPARTMENTS, RESPONSIBILITIES, UNITS, USERS

HERE = Path(__file__).parent
CITY = "330785"
WEST, SOUTH, CELL = 119.915, 29.210, 0.001  # degrees; a cell is about 97 m × 111 m
STREETS = {"001": "云溪街道", "002": "东湖街道"}
COMMUNITIES = {("001", "001"): "城中社区", ("001", "002"): "西门社区",
               ("001", "003"): "溪口社区", ("002", "001"): "东湖社区",
               ("002", "002"): "新桥社区"}
BEATS = {"YX-B01": ("云溪街道一片", [("001", "001"), ("001", "002")], "yx_jd_zhao"),
         "YX-B02": ("云溪街道二片", [("001", "003")], "yx_jd_qian"),
         "YX-B03": ("东湖街道片", [("002", "001"), ("002", "002")], "yx_jd_sun")}


def community_box(index: int) -> tuple[float, float]:
    """South-west corner of a community: five 2 × 2 blocks from west to east."""
    return WEST + index * 2 * CELL, SOUTH


def grid() -> list[dict]:
    features = []
    for index, ((street, comm), name) in enumerate(COMMUNITIES.items()):
        x0, y0 = community_box(index)
        for n in range(4):
            x, y = x0 + (n % 2) * CELL, y0 + (n // 2) * CELL
            box = shapely.box(round(x, 6), round(y, 6), round(x + CELL, 6), round(y + CELL, 6))
            code = f"{CITY}{street}{comm}{n + 1:02d}"
            features.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(box)),
                             "properties": {"code": code, "name": f"{name}{n + 1}号网格",
                                            "community_code": code[:12]}})
    return features


def beats() -> list[dict]:
    keys = list(COMMUNITIES)
    features = []
    for code, (name, comms, supervisor) in BEATS.items():
        boxes = []
        for comm in comms:
            x0, y0 = community_box(keys.index(comm))
            boxes.append(shapely.box(x0, y0, x0 + 2 * CELL, y0 + 2 * CELL))
        shape = shapely.union_all(boxes).normalize()
        features.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(shape)),
                         "properties": {"code": code, "name": name, "supervisors": supervisor}})
    return features


UNIT_ROWS = ([[CITY, "云溪市", "区/县", ""]]
             + [[CITY + s, n, "街道/镇", CITY] for s, n in STREETS.items()]
             + [[CITY + s + c, n, "社区", CITY + s] for (s, c), n in COMMUNITIES.items()])
DEPT_ROWS = [
    ["YXCG", "云溪市数字化城市管理监督指挥中心", "市级指挥中心", "", CITY, "0579-88100000", "是"],
    ["YXDH", "东湖街道数字城管分中心（二级平台）", "区级指挥中心（二级平台）", "YXCG",
     CITY + "002", "0579-88200000", "是"],
    ["YXHW", "云溪市环境卫生管理处", "专业部门", "YXCG", "", "0579-88100001", "是"],
    ["YXSZ", "云溪市市政设施管理处", "专业部门", "YXCG", "", "0579-88100002", "是"],
    ["YXZF", "云溪市城市管理综合行政执法大队", "专业部门", "YXCG", "", "0579-88100003", "是"],
    ["YXYL", "云溪市园林绿化管理处", "专业部门", "YXCG", "", "0579-88100004", "是"],
    ["YXSW", "云溪市水务集团有限公司", "专业部门", "YXCG", "", "0579-88100005", "是"],
    ["YXLD", "云溪市路灯管理所", "专业部门", "YXCG", "", "0579-88100006", "是"],
    ["DH-HWS", "东湖街道环卫所", "专业部门", "YXDH", CITY + "002", "0579-88200001", "是"],
    ["DH-ZD", "东湖街道城管中队", "专业部门", "YXDH", CITY + "002", "0579-88200002", "是"],
]
USER_ROWS = [
    ["yx_admin", "周敏", "管理员", "", "13905790001", "是"],
    ["yx_shouli", "吴芳", "受理员", "", "13905790002", "是"],
    ["yx_zhibanzhang", "郑强", "值班长", "", "13905790003", "是"],
    ["yx_paiqian", "王磊", "派遣员", "", "13905790004", "是"],
    ["dh_paiqian", "冯丽", "派遣员", "YXDH", "13905790005", "是"],
    ["yx_daping", "大屏", "大屏", "", "", "是"],
    ["yx_jd_zhao", "赵刚", "监督员", "", "13905790011", "是"],
    ["yx_jd_qian", "钱伟", "监督员", "", "13905790012", "是"],
    ["yx_jd_sun", "孙洁", "监督员", "", "13905790013", "是"],
] + [[f"yx_{code.lower().replace('-', '_')}", f"{name[:6]}联络员", "专业部门", code, "", "是"]
     for code, name, kind, *_ in DEPT_ROWS if kind == "专业部门"]
EVENTS = {"0102": ("暴露垃圾", "YXHW", "DH-HWS"), "0103": ("积存垃圾渣土", "YXHW", "DH-HWS"),
          "0104": ("道路不洁", "YXHW", "DH-HWS"), "0110": ("道路破损", "YXSZ", None),
          "0201": ("非法小广告", "YXZF", "DH-ZD"), "0501": ("无照经营游商", "YXZF", "DH-ZD"),
          "0504": ("店外经营", "YXZF", "DH-ZD"), "0505": ("机动车乱停放", "YXZF", None),
          "0506": ("非机动车乱停放", "YXZF", "DH-ZD"), "0507": ("乱堆物堆料", "YXZF", "DH-ZD")}
COMPONENTS = {"0101": ("上水井盖", "YXSW"), "0102": ("污水井盖", "YXSW"),
              "0103": ("雨水井盖", "YXSZ"), "0118": ("路灯", "YXLD"),
              "0211": ("交通护栏", "YXSZ"), "0305": ("垃圾箱", "YXHW"),
              "0402": ("行道树", "YXYL")}
NAMES = {row[0]: row[1] for row in DEPT_ROWS}


def responsibility_rows() -> list[list[str]]:
    rows = []
    for code, (name, city, donghu) in EVENTS.items():
        rows.append(["事件", code, name, "全市", city, NAMES[city]])
        if donghu:
            rows.append(["事件", code, name, CITY + "002", donghu, NAMES[donghu]])
    rows += [["部件", code, name, "全市", dept, NAMES[dept]]
             for code, (name, dept) in COMPONENTS.items()]
    return rows


def main() -> None:
    write_table(UNITS, UNIT_ROWS, HERE)
    write_table(DEPARTMENTS, DEPT_ROWS, HERE)
    write_table(RESPONSIBILITIES, responsibility_rows(), HERE)
    with (HERE / "users.csv").open("w", newline="", encoding="gb18030") as fh:
        writer = csv.writer(fh)
        writer.writerow(USERS.header)
        writer.writerows(USER_ROWS)
    for name, features in (("grid", grid()), ("beats", beats())):
        doc = {"type": "FeatureCollection", "features": features}
        (HERE / f"{name}.geojson").write_text(json.dumps(doc, ensure_ascii=False, indent=1)
                                              + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
