"""云溪市, the invented second city (``tests/data/yunxi/``), as a seed database built by the
commands a centre's administrator runs (registered as seed ``"yunxi"``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.dbtemplates import register_seed

YUNXI = Path(__file__).parent / "data" / "yunxi"


@register_seed("yunxi")
def _seed_yunxi(engine):
    """云溪市 set up from its files by the commands (see test_second_city)."""
    from seatdesk.cli import main

    url = engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory() as folder:  # the users' passwords: gone afterwards
        passwords = Path(folder) / "passwords.tsv"
        steps = [["setup", "--profile", "city.toml"], ["import", "units", "admin_units.xlsx"],
                 ["import", "grid", "grid.geojson"],
                 ["import", "departments", "departments.xlsx"],
                 ["import", "users", "users.csv", "--passwords", str(passwords)],
                 ["import", "responsibilities", "responsibilities.xlsx"],
                 ["import", "beats", "beats.geojson"],
                 ["calendar", "import", "calendar_2027.csv"], ["calendar", "complete", "2027"]]
        for step in steps:
            args = [str(YUNXI / a) if a.endswith((".toml", ".xlsx", ".csv", ".geojson"))
                    else a for a in step]
            assert main(["--database", url, *args]) == 0, step
