"""The README's verdict tables and run facts, generated from stored results.

A number in the README is a number from stored results: each table sits between
``<!-- <marker> -->`` and ``<!-- /<marker> -->`` (``claims-table`` for smoke,
``<profile>-claims-table`` otherwise) and is rewritten from the lock, never by hand; each
run fact (wall time, job count, machine) sits between ``<!-- fact:<profile>.<name> -->`` and
``<!-- /fact -->`` and is rewritten from ``reports/<profile>/run.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from repro.docblocks import read_block, replace_block
from repro.errors import ConfigError
from repro.fsio import write_text_atomic
from repro.report.build import md_cell
from repro.report.cards import claim_card
from repro.workflow.stability import cell as stability_cell
from repro.workflow.stability import load_stability


def marker(profile: str) -> str:
    return "claims-table" if profile == "smoke" else f"{profile}-claims-table"


def claims_table(
    profile: str, reports_root: Path = Path("reports"), link_root: str = "reports"
) -> str:
    """The markdown verdict table of ``<reports_root>/<profile>/claims.json``; its links point
    into ``<link_root>/<profile>/report.md`` (relative to the README)."""
    path = Path(reports_root) / profile / "claims.json"
    if not path.is_file():
        raise ConfigError(f"no locked verdicts at {path}")
    claims = json.loads(path.read_text()).get("claims", {})
    stab = load_stability(profile, reports_root)
    head = "| claim | paper statement | verdict | key evidence | margin |"
    rule = "|:---|:---|:---|:---|---:|"
    if stab:  # the verdict-agreement column of `repro stability`
        head, rule = head + " other worlds |", rule + ":---|"
    lines = [head, rule]
    link = f"{link_root}/{profile}/report.md"
    for cid, rec in sorted(claims.items()):
        c = claim_card(cid, rec)
        margin = c["margin"] + (" ⚠ fragile" if c["fragile"] else "")
        row = (
            f"| [{cid}]({link}#{c['anchor']}) | {md_cell(c['title'])} | **{c['verdict']}** "
            f"| {md_cell(c['summary'])} | {margin} |"
        )
        if stab:
            row += f" {md_cell(stability_cell(stab, cid) or 'not run')} |"
        lines.append(row)
    return "\n".join(lines)


def readme_table(readme: Path, profile: str) -> str | None:
    """The table the README shows for ``profile`` (None without markers)."""
    return read_block(Path(readme).read_text(), marker(profile))


def update_readme(readme: Path, profile: str, reports_root: Path = Path("reports")) -> bool:
    """Rewrite the profile's table in ``readme``; False when the README has no markers for it."""
    text = Path(readme).read_text()
    if read_block(text, marker(profile)) is None:
        return False
    new = replace_block(text, marker(profile), claims_table(profile, reports_root))
    new, _ = update_facts(new, reports_root)
    for doc in sorted((Path(readme).parent / "docs").glob("*.md")):  # the docs quote runs too
        text_doc = doc.read_text(encoding="utf-8")
        updated, changed = update_facts(text_doc, reports_root)
        if changed:
            write_text_atomic(doc, updated)
    if new != text:
        write_text_atomic(Path(readme), new)
    return True


_FACT = re.compile(r"(<!-- fact:(\w+)\.(\w+) -->)(.*?)(<!-- /fact -->)", re.S)


def run_facts(profile: str, reports_root: Path = Path("reports")) -> dict[str, str]:
    """What the README may quote from a profile's ``run.json``, already formatted."""
    path = Path(reports_root) / profile / "run.json"
    if not path.is_file():
        return {}
    run = json.loads(path.read_text())
    wall = float(run.get("wall_s") or 0.0)
    machine = run.get("machine") or {}
    jobs = run.get("jobs") or {}
    job_s = sum(float(v) for v in (run.get("stage_seconds") or {}).values())
    stages = {
        f"stage_{k}": f"{float(v):,.0f} s"
        for k, v in (run.get("stage_seconds") or {}).items()
        if isinstance(v, (int, float))
    }
    return {
        **stages,
        "git": str(run.get("git_revision") or "?")[:7],
        "wall_min": f"{wall / 60:.0f} min",
        "wall_s": f"{wall:,.0f} s",
        "jobs": f"{jobs.get('total', 0)}",
        "job_seconds": f"{job_s:,.0f} s",
        "machine": f"{machine.get('cpu_count', '?')} cores of an {machine.get('cpu_model', '?')}",
        "precision": "bf16" if machine.get("cpu_bf16_native") else "fp32",
    }


def update_facts(text: str, reports_root: Path = Path("reports")) -> tuple[str, list[str]]:
    """``text`` with every fact block rewritten, and the blocks that changed."""
    cache: dict[str, dict[str, str]] = {}
    changed: list[str] = []

    def sub(m: re.Match[str]) -> str:
        profile, name = m.group(2), m.group(3)
        facts = cache.setdefault(profile, run_facts(profile, reports_root))
        if name not in facts:
            raise ConfigError(f"README fact {profile}.{name}: no such fact in its run.json")
        if m.group(4) != facts[name]:
            changed.append(f"{profile}.{name}: {m.group(4)!r} -> {facts[name]!r}")
        return m.group(1) + facts[name] + m.group(5)

    return _FACT.sub(sub, text), changed
