"""Pinyin initials of the characters the seat's Chinese UI uses (for the command palette).

Generated from ``resources/i18n/glossary_zh_CN.tsv`` with pypinyin (``Style.FIRST_LETTER``):
``python -m seatdesk.ui.intake.pinyin_table`` rewrites the table, and
``tests/test_ui_i18n.py`` checks it covers the glossary. The running seat thus need not
load pypinyin's 55 MB of dictionaries for a few dozen action names. A character missing
here simply does not match by initials.
"""

from __future__ import annotations

_BY_LETTER: dict[str, str] = {
    "a": (
        "按案"
    ),
    "b": (
        "不便保别办包半并必报播本板标版班编般补表被败部闭驳"
    ),
    "c": (
        "从传充出初参场城处存层差常成才承持操春查次此测础称程窗草超车错除"
    ),
    "d": (
        "代但低到动单地多大定对导底度当待得打断档段灯点电登的督短第等读达道都钉"
    ),
    "f": (
        "份分副反发否复废放方服法符范覆访负返附"
    ),
    "g": (
        "个公共关勾各告岗工归挂改更果格概盖稿管给该跟过高"
    ),
    "h": (
        "互会何化号合后含和回坏恢或户挥换核横环红话黄"
    ),
    "j": (
        "举交仅今件价假决击加即卷及均基季将就建急截拒据接既旧机检焦监矩紧级经结绝继聚节街"
        "见角解警计记距近进金间"
    ),
    "k": (
        "况口可库开括框看空馈"
    ),
    "l": (
        "两了亮令例列历另录来漏率理留离立类绿联落蓝路连里领"
    ),
    "m": (
        "么名吗命媒密描明母每民没满码秒门面默"
    ),
    "n": (
        "内匿年您能脑"
    ),
    "p": (
        "判屏平批拼排派片牌评配频"
    ),
    "q": (
        "全其切前区取启器弃情期权求清确签缺请起迁遣齐"
    ),
    "r": (
        "人仍任入如容日热然认"
    ),
    "s": (
        "上事什似使删剩受失始实审少尚属市式所手损搜收数时是束殊涉生申示社稍算索色视设识诉"
        "试说输述适锁随顺首"
    ),
    "t": (
        "他体停台同图填天它态投拖推提条添特统退通题"
    ),
    "w": (
        "为位务围外完我文无未纬网误问"
    ),
    "x": (
        "下些信修先写型小巡席序心新星显析消现相箱系线绪续行询选限需项须"
    ),
    "y": (
        "一与业也予于以余依元原员域已应延异意映月有源演用由疑移要议语运阅音页预"
    ),
    "z": (
        "专中主之众作值做再准只在址坐增子字展志执找择指支政整早最止正注照状直知综置职自至"
        "致责账资足转载这重钟长阵"
    ),
}
INITIALS: dict[str, str] = {c: letter for letter, chars in _BY_LETTER.items() for c in chars}


def initials(text: str) -> str:
    """``立案`` → ``la``; characters not in the table (and ASCII) are left out."""
    return "".join(INITIALS.get(c, "") for c in text)


def table_source(glossary_values: list[str]) -> dict[str, str]:
    """Letter → characters for every CJK character of the given texts (needs pypinyin)."""
    from pypinyin import Style, lazy_pinyin

    chars = sorted({c for v in glossary_values for c in v if "\u4e00" <= c <= "\u9fff"})
    table: dict[str, str] = {}
    for char in chars:
        letter = (lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore") or [""])[0]
        if letter:
            table[letter.lower()] = table.get(letter.lower(), "") + char
    return dict(sorted(table.items()))


def _rewrite() -> None:
    from pathlib import Path

    from seatdesk.ui.i18n import I18N, read_glossary

    table = table_source(list(read_glossary(I18N / "glossary_zh_CN.tsv").values()))
    path = Path(__file__)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("_BY_LETTER: dict[str, str] = {\n", 1)
    tail = rest[rest.index("\n}\n") + 3:]
    body = "".join(f'    "{k}": (\n' + "".join(f'        "{v[i:i + 40]}"\n'
                                               for i in range(0, len(v), 40)) + "    ),\n"
                   for k, v in table.items())
    path.write_text(head + "_BY_LETTER: dict[str, str] = {\n" + body + "}\n" + tail,
                    encoding="utf-8")


if __name__ == "__main__":
    _rewrite()
