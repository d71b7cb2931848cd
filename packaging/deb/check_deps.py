"""Check a staged package's declared Depends against the libraries its binaries load.

For every shared object and executable in the staged tree, ``ldd`` lists the system
libraries it loads; ``dpkg -S`` names the Debian package of each. Every such package
must be declared in Depends, be pulled in by a declared package (following the
installed packages' Depends), or have priority "required" (always installed). A
library that resolves nowhere fails the check too. Run at build time on the build
machine, which has the run-time packages installed (``make deps-run``).

    python3 check_deps.py STAGE "pkg1, pkg2 (>= 1), …"
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ELF = b"\x7fELF"


def main(stage: str, depends: str) -> int:
    root = Path(stage)
    libs, unresolved = system_libraries(root)
    owners = package_owners(libs)
    declared = {_name(d) for d in depends.split(",") if d.strip()}
    covered = closure(declared) | required_packages()
    missing = sorted({pkg for pkg in owners.values() if pkg not in covered})
    for pkg in missing:
        users = sorted(lib for lib, owner in owners.items() if owner == pkg)
        print(f"undeclared dependency {pkg}: needed for {', '.join(users[:3])}")
    for lib, who in sorted(unresolved.items()):
        print(f"library {lib} not found (needed by {who})")
    print(f"{len(owners)} system libraries from {len(set(owners.values()))} packages checked")
    return 1 if missing or unresolved else 0


def _name(dep: str) -> str:
    return re.split(r"[\s(:|]", dep.strip(), maxsplit=1)[0]


def _elf_files(root: Path):
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and (
                ".so" in path.name or os.access(path, os.X_OK)):
            with path.open("rb") as fh:
                if fh.read(4) == ELF:
                    yield path


def system_libraries(root: Path) -> tuple[set[str], dict[str, str]]:
    """Libraries outside the stage that the staged binaries load; and the unresolved ones."""
    # bundled libraries find each other through the RUNPATH of the module that loads
    # them, which ldd on the library alone does not see: give ldd their directories
    bundled = [p for p in root.rglob("*.libs") if p.is_dir()]
    bundled += list(root.rglob("PySide6/Qt/lib"))
    env = dict(os.environ, LD_LIBRARY_PATH=":".join(map(str, bundled)))
    found: set[str] = set()
    unresolved: dict[str, str] = {}
    for path in _elf_files(root):
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            name, _, target = line.strip().partition(" => ")
            target = target.split(" (")[0]
            if target == "not found":
                unresolved.setdefault(name, str(path.relative_to(root)))
            elif target.startswith("/") and not target.startswith(str(root)):
                found.add(os.path.realpath(target))
    return found, unresolved


def package_owners(paths: set[str]) -> dict[str, str]:
    owners = {}
    for path in sorted(paths):
        # dpkg records the /lib or /usr/lib path depending on the package (usrmerge)
        for candidate in (path, path.replace("/usr/lib/", "/lib/", 1)):
            out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if out.returncode == 0:
                owners[path] = out.stdout.split(":")[0].strip()
                break
        else:
            owners[path] = f"(no package owns {path})"
    return owners


def _depends_of(package: str) -> set[str]:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Depends}, ${Pre-Depends}", package],
                         capture_output=True, text=True).stdout
    names = set()
    for dep in out.split(","):
        for alternative in dep.split("|"):
            if alternative.strip():
                names.add(_name(alternative))
    return names


def closure(packages: set[str]) -> set[str]:
    seen, todo = set(), list(packages)
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        todo.extend(_depends_of(pkg) - seen)
    return seen


def required_packages() -> set[str]:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Priority}\n"],
                         capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.endswith(" required")}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
