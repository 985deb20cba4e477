"""The reproduction report: HTML and Markdown rendered from stored results only."""

from __future__ import annotations

from repro.report.build import build_report

__all__ = ["build_report"]
