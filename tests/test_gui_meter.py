"""The suite's GUI-thread meter (tests/gui_meter.py) sees database code on the GUI thread,
and sees none when the thread only waits in its event loop."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.gui_meter import GuiMeter

# about a tenth of a second of SQLite work, long enough for several 5 ms samples
SLOW = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
        "SELECT sum(i) FROM n")


def test_the_meter_sees_a_query_on_the_gui_thread_and_nothing_while_idle(qtbot):
    meter = GuiMeter().start()
    qtbot.wait(200)
    meter.stop()
    assert meter.network_samples == [] and len(meter.gaps_ms) >= 5
    engine = create_engine("sqlite://")
    meter = GuiMeter().start()
    try:
        with engine.connect() as conn:
            for _ in range(5):
                conn.execute(text(SLOW)).scalar()
    finally:
        meter.stop()
        engine.dispose()
    assert meter.network_samples and "sqlalchemy/engine" in meter.network_samples[0]
