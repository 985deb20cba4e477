"""Analyses over stored representations and results (pure functions; no training)."""
