"""Translations through the Qt Linguist pipeline.

Source strings are English; ``resources/i18n/seatdesk_zh_CN.ts`` holds the Chinese
UI, which is the default. ``python -m seatdesk.ui.i18n build`` compiles the .ts files
to .qm (run by ``make run`` / ``make test``); ``update`` refreshes the .ts sources
from the code with pyside6-lupdate.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

I18N = Path(__file__).resolve().parents[2] / "resources" / "i18n"
# Qt 6 renamed QLocale.Country to Territory; some PySide6 builds only expose the old name
_TERRITORY = getattr(QLocale, "Territory", None) or QLocale.Country
DEFAULT_LANGUAGE = "zh_CN"


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(f"pyside6-{name}")
    return str(exe) if exe.exists() else f"pyside6-{name}"


def build() -> list[Path]:
    out = []
    for ts in sorted(I18N.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        subprocess.run([_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
        out.append(qm)
    return out


def update() -> None:
    """Refresh the .ts sources from the code, then fill them from the glossaries."""
    sources = [str(p) for p in (I18N.parents[1] / "seatdesk").rglob("*.py")]
    for ts in sorted(I18N.glob("*.ts")):
        subprocess.run([_tool("lupdate"), "-no-obsolete", *sources, "-ts", str(ts)], check=True)
        language = ts.stem.removeprefix("seatdesk_")
        missing = fill_from_glossary(ts, I18N / f"glossary_{language}.tsv")
        for text in missing:
            print(f"untranslated ({language}): {text}")


def read_glossary(path: Path) -> dict[str, str]:
    """The glossary's source → translation pairs. The glossary has no context column, so a
    source listed twice with two translations would silently take the later one in every
    window: that is refused."""
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line and not line.startswith("#"):
            source, _, target = line.partition("\t")
            if entries.get(source, target) != target:
                raise ValueError(f"{path.name}:{number}: {source!r} is already translated "
                                 f"as {entries[source]!r}; give one of them its own source text")
            entries[source] = target
    return entries


def fill_from_glossary(ts: Path, glossary: Path) -> list[str]:
    """Write glossary translations into ``ts``; return the sources still untranslated."""
    import xml.etree.ElementTree as ET

    entries = read_glossary(glossary) if glossary.exists() else {}
    tree = ET.parse(ts)
    missing = []
    for message in tree.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if source in entries:
            translation.text = entries[source]
            translation.attrib.pop("type", None)
        elif translation.get("type") == "unfinished" or not translation.text:
            missing.append(source)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return missing


def language_from_env() -> str:
    return os.environ.get("SEATDESK_LANG", DEFAULT_LANGUAGE)


def install_translator(app: QCoreApplication, language: str | None = None) -> QTranslator | None:
    """Install the translator for ``language`` ("zh_CN" default, "en" = source strings)."""
    language = language or language_from_env()
    if language.startswith("en"):
        QLocale.setDefault(QLocale(QLocale.Language.English, _TERRITORY.China))
        return None
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, _TERRITORY.China))
    qm = I18N / f"seatdesk_{language}.qm"
    translator = QTranslator(app)
    if not translator.load(str(qm)):
        raise FileNotFoundError(f"translation {qm} missing: run `make translations`")
    app.installTranslator(translator)
    return translator


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "build"
    if command == "build":
        for path in build():
            print(f"built {path.relative_to(I18N.parents[1])}")
    elif command == "update":
        update()
    else:
        raise SystemExit(f"usage: python -m seatdesk.ui.i18n [build|update], not {command!r}")
