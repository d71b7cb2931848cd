"""Importers, reference data loading and the demo-city generator (Qt-free)."""
