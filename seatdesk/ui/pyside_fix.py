"""Work around a reference-count bug of PySide6 6.12 on Python < 3.12.

Every time PySide6 6.12 converts between Python ``None`` and an invalid ``QVariant``
(a Python model's ``data()`` returning None for a role it does not provide, or
``index.data(role)`` on an unset role) it drops one reference to ``None`` that it never
took. Views call ``data()`` for a dozen roles per cell per paint, so after a few
thousand calls ``None``'s count reaches zero and the interpreter aborts with
"Fatal Python error: none_dealloc: deallocating None".

Python 3.12 made ``None`` immortal (PEP 683), which hides the bug. On older
interpreters ``keep_none_alive()`` gives ``None`` a practically inexhaustible count
once, which is what 3.12 does by design. Idempotent; a no-op on 3.12+.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 60
_done = False


def keep_none_alive() -> None:
    global _done
    import PySide6

    if _done or sys.version_info >= (3, 12) or PySide6.__version__ != "6.12.0":
        return  # pyproject pins 6.11.3; this guards a venv that still has the broken release
    refcount = ctypes.c_ssize_t.from_address(id(None))
    refcount.value += _RESERVE
    _done = True
