"""Remove the parts of PySide6 a seat never loads from a staged package (build time only).

PySide6's wheels carry all of Qt (3D, Quick/QML, charts, designer tools …): 650 MB of the
venv. The seat is a widgets application with QtWebEngine, QtMultimedia and pyqtgraph. This
keeps the Python modules it imports (and the ones pyqtgraph probes), QtWebEngineProcess and
the plugins a desktop needs, then keeps exactly the Qt libraries those load (their ``ldd``
closure) and drops every plugin left with an unresolved library. Qt's own translations
and Chromium's locale packs are kept for Chinese and English only.

    python3 trim_pyside.py STAGED_SITE_PACKAGES
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

KEEP_MODULES = {"QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtMultimedia", "QtWebEngineCore",
                "QtWebEngineWidgets", "QtWebChannel", "QtPrintSupport", "QtSvg", "QtSvgWidgets",
                "QtOpenGL", "QtOpenGLWidgets", "QtDBus"}
DROP_PLUGIN_DIRS = {"assetimporters", "canbus", "designer", "geometryloaders", "geoservices",
                    "qmllint", "qmltooling", "renderers", "renderplugins", "sceneparsers",
                    "scxmldatamodel", "sensors", "sqldrivers", "texttospeech", "webview",
                    "wayland-graphics-integration-server"}  # a compositor's, not a client's
DROP_DIRS = ("include", "typesystems", "glue", "examples", "scripts", "Qt/qml",
             "Qt/metatypes")
KEEP_TRANSLATION = re.compile(r"^(qt|qtbase|qtwebengine|qtmultimedia)_(zh_CN|en)\.qm$")
KEEP_LOCALES = {"en-US.pak", "zh-CN.pak", "zh-TW.pak"}


def main(site_packages: str) -> int:
    root = Path(site_packages) / "PySide6"
    qt = root / "Qt"
    before = _size(root)
    _drop_modules(root)
    for name in DROP_DIRS:
        shutil.rmtree(root / name, ignore_errors=True)
    for path in (qt / "libexec").iterdir():
        if path.name != "QtWebEngineProcess":
            path.unlink()
    for name in DROP_PLUGIN_DIRS:
        shutil.rmtree(qt / "plugins" / name, ignore_errors=True)
    _trim_translations(qt / "translations")
    roots = [p for p in root.glob("*.abi3.so")] + [qt / "libexec" / "QtWebEngineProcess"]
    roots += [p for p in (qt / "plugins").rglob("*.so")]
    needed = set()
    for path in roots:
        needed |= _qt_libs(path, qt / "lib")
    for lib in (qt / "lib").iterdir():
        if lib.is_file() and lib.name not in needed:
            lib.unlink()
    dropped = _drop_unresolved((qt / "plugins").rglob("*.so"), qt / "lib")
    for path in list((qt / "plugins").iterdir()):
        if path.is_dir() and not any(path.rglob("*")):
            path.rmdir()
    print(f"PySide6 trimmed: {before >> 20} MB → {_size(root) >> 20} MB "
          f"({len(dropped)} plugins without their libraries dropped)")
    return 0


def _drop_modules(root: Path) -> None:
    for path in root.iterdir():
        stem = path.name.split(".")[0]
        if path.suffix in (".so", ".pyi") and stem.startswith("Qt") and stem not in KEEP_MODULES:
            path.unlink()
        elif path.is_file() and os.access(path, os.X_OK) and "." not in path.name:
            path.unlink()  # designer, assistant, linguist, lupdate, qmlls … (build tools)


def _trim_translations(directory: Path) -> None:
    for path in directory.glob("*.qm"):
        if not KEEP_TRANSLATION.match(path.name):
            path.unlink()
    for path in (directory / "qtwebengine_locales").glob("*.pak"):
        if path.name not in KEEP_LOCALES:
            path.unlink()


def _ldd(path: Path, libdir: Path) -> str:
    env = dict(os.environ, LD_LIBRARY_PATH=str(libdir))
    return subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout


def _qt_libs(path: Path, libdir: Path) -> set[str]:
    """Names of the bundled Qt libraries ``path`` loads (transitively)."""
    names = set()
    for line in _ldd(path, libdir).splitlines():
        name, _, target = line.strip().partition(" => ")
        if target.startswith(str(libdir)):
            names.add(Path(target.split(" (")[0]).name)
    return names


def _drop_unresolved(paths, libdir: Path) -> list[Path]:
    dropped = []
    for path in list(paths):
        if "not found" in _ldd(path, libdir):
            path.unlink()
            dropped.append(path)
    return dropped


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
