"""Writing a generated world as a data bundle, and a human-readable description of it."""

from __future__ import annotations

import json
from pathlib import Path

from repro.data.bundle import BUNDLE_FILE, Bundle, EvalSet, write_jsonl, write_text_lines
from repro.data.world.config import world_key_config
from repro.data.world.generate import World
from repro.fsio import write_json_atomic
from repro.records import validate_all

DATASET = "synthetic"
GENERATOR_VERSION = 1  # bump when the same config would render different text


def _validated(kind: str, records: list[dict], name: str) -> list[dict]:
    validate_all(kind, records, path=name)
    return records


def write_bundle(world: World, out_dir: Path) -> Bundle:
    """Write ``world`` under ``out_dir`` in the bundle layout (:mod:`repro.data.bundle`).

    Every file is written atomically and ``bundle.json`` last (any stale one is removed first),
    so an interrupted write never leaves a loadable bundle that mixes two worlds.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / BUNDLE_FILE).unlink(missing_ok=True)
    cfg = world.config
    b = Bundle(root=out, source="synthetic", languages=list(cfg.languages))
    for lang, lines in world.mono.items():
        b.mono[lang] = f"mono.{lang}.txt"
        write_text_lines(out / b.mono[lang], lines)
    for lang, recs in world.parallel.items():
        b.parallel[lang] = f"parallel.{lang}.jsonl"
        write_jsonl(out / b.parallel[lang], _validated("parallel", recs, b.parallel[lang]))
    for lang, recs in world.heldout.items():
        b.parallel_heldout[lang] = f"heldout.{lang}.jsonl"
        write_jsonl(
            out / b.parallel_heldout[lang], _validated("parallel", recs, b.parallel_heldout[lang])
        )
    for split, sets, target in (("train", world.train, b.train), ("dev", world.dev, b.dev)):
        for task, recs in sets.items():
            target[task] = f"{task}.{split}.jsonl"
            write_jsonl(out / target[task], _validated(task, recs, target[task]))
    for (task, lang), recs in world.eval.items():
        rel = f"{task}.{DATASET}.{lang}.jsonl"
        write_jsonl(out / rel, _validated(task, recs, rel))
        b.eval.append(EvalSet(task=task, dataset=DATASET, lang=lang, path=rel))
    for lang, recs in world.xsr.items():
        b.xsr[lang] = f"xsr.{lang}.jsonl"
        write_jsonl(out / b.xsr[lang], _validated("xsr", recs, b.xsr[lang]))
    notes = {
        "generator": "repro.data.synthetic",
        "generator_version": GENERATOR_VERSION,
        "config": world_key_config(cfg),
        "stats": world.stats,
        "synthetic": "languages are synthetic stand-ins named by the codes they stand for",
    }
    b.notes = json.loads(json.dumps(notes))  # JSON-normal (lists), as Bundle.load returns it
    write_json_atomic(out / BUNDLE_FILE, b.to_json())
    return b


def _links(rec: dict) -> str:
    src, tgt = rec["src"].split(), rec["tgt"].split()
    return "  ".join(f"{src[i]}={tgt[j]}" for i, j in rec["alignment"])


def describe_world(world: World, n_examples: int = 2) -> str:
    """Text for ``repro world show``: sample sentences with gold alignments, one item per task."""
    cfg = world.config
    lines = [
        f"synthetic world (seed {cfg.seed}); languages: {', '.join(cfg.languages)}",
        f"shared-name rate per language: {world.stats.get('shared_names')}",
        f"SOV: {', '.join(cfg.sov_languages) or 'none'}; cognates: {world.stats.get('cognates')}",
        "",
    ]
    lines.append("== monolingual text (not parallel) ==")
    for lang in cfg.languages:
        for s in world.mono[lang][:n_examples]:
            lines.append(f"[{lang}] {s}")
    lines += ["", "== parallel pool with gold alignments (en word = target word) =="]
    for lang in cfg.targets:
        for rec in world.parallel[lang][:n_examples]:
            lines += [
                f"[{lang}] {rec['id']}",
                f"  en: {rec['src']}",
                f"  {lang}: {rec['tgt']}",
                f"  links: {_links(rec)}",
            ]
    lines += ["", "== tasks (test sets share ids across languages) =="]
    for (task, lang), recs in world.eval.items():
        if not recs:
            continue
        r = recs[0]
        if task == "nli":
            lines.append(
                f"[nli {lang}] {r['id']} {r['label']}: P: {r['premise']} | H: {r['hypothesis']}"
            )
        elif task == "ner":
            tagged = " ".join(
                t if g == "O" else f"{t}/{g}" for t, g in zip(r["tokens"], r["tags"], strict=True)
            )
            lines.append(f"[ner {lang}] {r['id']} {tagged}")
        else:
            lines.append(
                f"[qa {lang}] {r['id']} Q: {r['question']} | C: {r['context']} | "
                f"A: {r['answers'][0]['text']} @{r['answers'][0]['answer_start']}"
            )
    for lang in cfg.targets:
        if world.xsr[lang]:
            r = world.xsr[lang][0]
            lines.append(f"[xsr {lang}] {r['id']} {r['src']} <-> {r['tgt']}")
    return "\n".join(lines) + "\n"
