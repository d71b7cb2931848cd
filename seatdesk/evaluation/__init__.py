"""Evaluation (综合评价) indicators and live KPIs, computed from the case ledger (Qt-free)."""
