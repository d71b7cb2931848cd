"""examples/case_lifecycle.py runs the whole loop on both backends (empty database, then
again on the same database) and prints an intact ledger."""

from __future__ import annotations

import importlib.util

from seatdesk.models.db import ROOT


def _example():
    spec = importlib.util.spec_from_file_location("case_lifecycle",
                                                  ROOT / "examples" / "case_lifecycle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_case_lifecycle_example(db, capsys):
    example = _example()
    assert example.main(["case_lifecycle.py", db.url]) == 0
    first = capsys.readouterr().out
    assert "台账校验：完整" in first and "结案类型：normal" in first
    for step in ("签收", "核实回复", "批准延期", "核查不通过(返工)", "核查通过", "结案", "回访"):
        assert step in first
    assert first.count("处置反馈：") == 2
    assert "派往：水务集团(示例)" in first  # the ledger says where the work went
    assert example.main(["case_lifecycle.py", db.url]) == 0  # reuses the sample data
    assert "台账校验：完整" in capsys.readouterr().out
    assert example.main(["case_lifecycle.py"]) == 2
