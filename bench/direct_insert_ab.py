"""``workflow.direct.insert_row`` of another checkout (BEFORE, e.g. a ``git archive`` of
main) and of this tree, loaded side by side and called in alternating blocks of 200 case
INSERTs on one session: the client's CPU (``time.process_time``) per INSERT, and the pair
ratio — robust on a loaded machine, where whole-bench runs differ by ±20 %.

    python bench/direct_insert_ab.py BEFORE URL [BLOCKS]

URL: a PostgreSQL server (a database ``sd_direct_ab`` is made and dropped)."""
import datetime as dt
import importlib.util
import statistics as st
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import shapely  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import common  # noqa: E402
from seatdesk.config import normalise_url  # noqa: E402
from seatdesk.models import Case  # noqa: E402
from seatdesk.models.db import make_engine  # noqa: E402
from seatdesk.workflow import direct as new  # noqa: E402

spec = importlib.util.spec_from_file_location(
    "direct_before", Path(sys.argv[1]) / "seatdesk/workflow/direct.py")
old = importlib.util.module_from_spec(spec)
sys.modules["direct_before"] = old  # its dataclass looks its module up
spec.loader.exec_module(old)
base = normalise_url(sys.argv[2])
url = common.recreate(base, "sd_direct_ab")
engine = make_engine(url)
STMT = insert(Case.__table__)
AT = dt.datetime(2026, 12, 6, 1, 2, 3, tzinfo=dt.UTC)
def values(n):
    return {"number": f"M-{n}", "state": "reported", "source": "patrol", "urgency": "urgent",
            "lon": 119.48, "lat": 31.42, "geom": shapely.Point(119.48, 31.42),
            "description": "井盖破损", "reported_at": AT, "callback_wanted": True}
res: dict[str, list[float]] = {"before": [], "after": []}
n = 0
with Session(engine) as s:
    for mod in (old, new):
        mod.insert_row(s, STMT, values(n)); n += 1  # plans made
    for block in range(int(sys.argv[3]) if len(sys.argv) > 3 else 30):
        pair = (("before", old), ("after", new))
        for name, mod in pair if block % 2 == 0 else pair[::-1]:
            vals = [values(n + i) for i in range(200)]; n += 200
            t0 = time.process_time()
            for v in vals:
                mod.insert_row(s, STMT, v)
            res[name].append((time.process_time() - t0) / 200 * 1e6)
        s.rollback()
engine.dispose()
common.drop(base, "sd_direct_ab")
b, a = res["before"], res["after"]
print(f"before median {st.median(b):.1f} us/insert, after median {st.median(a):.1f} us/insert, "
      f"pair ratio median {st.median([y/x for x, y in zip(b, a)]):.3f}, blocks {len(b)}x200")
