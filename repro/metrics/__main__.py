"""``python -m repro.metrics``: the official scorers' interfaces, one verb per task.

  squad DATA PRED        SQuAD v1.1 ``evaluate-v1.1.py``: prints {"exact_match", "f1"} (percent)
  mlqa DATA PRED LANG    MLQA ``mlqa_evaluation_v1.py``: the same, with LANG's normalisation
                         (any XQuAD, MLQA or TyDiQA-GoldP language)
  ner GOLD PRED          CoNLL token<TAB>tag files: entity precision, recall, F1 as seqeval
  nli GOLD PRED          one label per line: accuracy
  xsr SRC TGT            row-aligned sentence embeddings (.npy or whitespace text): top-1
                         retrieval accuracy in both directions, as XTREME's Tatoeba task

The pipeline scores with the same functions (``repro.metrics``), so the two cannot disagree.
Exit codes: 0 scored, 2 bad input or usage (the message names the file and the record).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from repro.errors import DataError, ReproError
from repro.metrics.squad import QA_LANGUAGES, score_questions

EXAMPLES = """examples:
  python -m repro.metrics squad xquad.en.json predictions.json
  python -m repro.metrics mlqa test-context-hi-question-hi.json predictions.json hi
  python -m repro.metrics ner test-es.tsv predicted-es.tsv
  python -m repro.metrics nli gold.txt predicted.txt
  python -m repro.metrics xsr tatoeba.en.npy tatoeba.es.npy
"""


def _load_json(path: Path) -> object:
    try:
        with open(path, encoding="utf-8-sig") as fh:  # a BOM is accepted, as by the loaders
            return json.load(fh)
    except FileNotFoundError:
        raise DataError(path, None, "file not found") from None
    except json.JSONDecodeError as exc:
        raise DataError(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, None, f"cannot read file: {exc}") from None


def _lines(path: Path) -> list[str]:
    from repro.data.textio import read_lines

    return read_lines(path)


def _qa(args: argparse.Namespace) -> dict:
    scores = score_questions(
        _load_json(args.data),
        _load_json(args.predictions),
        mode=args.mode,
        lang=getattr(args, "lang", None),
        data_path=str(args.data),
        pred_path=str(args.predictions),
    )
    return scores.summary()


def _conll(path: Path) -> list[list[tuple[str, str]]]:
    """Sentences of (token, tag); a blank line ends a sentence."""
    sents: list[list[tuple[str, str]]] = [[]]
    for i, line in enumerate(_lines(path), 1):
        if not line.strip():
            if sents[-1]:
                sents.append([])
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0]:
            raise DataError(path, f"line {i}", "expected 'token<TAB>tag'")
        sents[-1].append((fields[0], fields[1]))
    if not sents[-1]:
        sents.pop()
    if not sents:
        raise DataError(path, None, "no sentences")
    return sents


def _ner(args: argparse.Namespace) -> dict:
    from repro.metrics.spans import prf_from_counts, sentence_counts

    gold, pred = _conll(args.gold), _conll(args.predictions)
    if len(gold) != len(pred):
        raise DataError(args.predictions, None, f"{len(pred)} sentences for {len(gold)} gold ones")
    for n, (g, p) in enumerate(zip(gold, pred, strict=True)):
        if [t for t, _ in g] != [t for t, _ in p]:
            raise DataError(
                args.predictions, f"sentence {n + 1}", "tokens differ from the gold file"
            )
    try:
        counts = sentence_counts(
            [[t for _, t in s] for s in gold], [[t for _, t in s] for s in pred], mode=args.scheme
        )
    except DataError as exc:  # a bad tag: name the file it came from
        path = args.gold if "(gold)" in str(exc.record) else args.predictions
        raise DataError(path, exc.record, exc.problem) from None
    return prf_from_counts(*(int(c.sum()) for c in counts))


def _labels(path: Path) -> list[str]:
    labels = [ln.strip() for ln in _lines(path)]
    for i, lab in enumerate(labels, 1):
        if not lab or "\t" in lab:
            raise DataError(path, f"line {i}", "expected one label per line")
    return labels


def _nli(args: argparse.Namespace) -> dict:
    from repro.metrics.classification import accuracy

    gold, pred = _labels(args.gold), _labels(args.predictions)
    if len(gold) != len(pred):
        raise DataError(args.predictions, None, f"{len(pred)} labels for {len(gold)} gold ones")
    unknown = sorted(set(pred) - set(gold))
    if unknown and not set(pred) & set(gold):
        raise DataError(
            args.predictions, None, f"no label in common with the gold file: {unknown[:3]}"
        )
    return {"accuracy": accuracy(pred, gold), "n": len(gold)}


def _embeddings(path: Path) -> np.ndarray:
    try:
        x = np.load(path) if path.suffix == ".npy" else np.loadtxt(path, ndmin=2)
    except FileNotFoundError:
        raise DataError(path, None, "file not found") from None
    except (OSError, ValueError) as exc:
        raise DataError(path, None, f"not a matrix of numbers (.npy or text): {exc}") from None
    if x.ndim != 2 or not np.isfinite(x).all():
        raise DataError(path, None, f"expected a finite 2-d matrix, got shape {x.shape}")
    return x.astype(np.float64)


def _xsr(args: argparse.Namespace) -> dict:
    from repro.metrics.retrieval import both_directions, top1_accuracy

    src, tgt = _embeddings(args.src), _embeddings(args.tgt)
    if src.shape != tgt.shape:
        raise DataError(args.tgt, None, f"shape {tgt.shape} differs from {args.src}'s {src.shape}")
    ranks = both_directions(src, tgt)
    out = {k: top1_accuracy(v) for k, v in sorted(ranks.items())}
    return {**out, "mean": float(np.mean(list(out.values()))), "n": int(src.shape[0])}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m repro.metrics",
        description=__doc__.split("\n\n")[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="mode", required=True, metavar="TASK")
    for mode, help_ in (
        ("squad", "SQuAD v1.1 EM/F1 (evaluate-v1.1.py)"),
        ("mlqa", "MLQA EM/F1 with the answer language's rules (mlqa_evaluation_v1.py)"),
    ):
        p = sub.add_parser(mode, help=help_, description=help_)
        p.add_argument("data", type=Path, help="SQuAD-format dataset JSON")
        p.add_argument("predictions", type=Path, help="JSON object: question id -> answer")
        if mode == "mlqa":
            p.add_argument(
                "lang", nargs="?", choices=QA_LANGUAGES, metavar="LANG", help="answer language"
            )
            p.add_argument("--lang", dest="lang_option", choices=QA_LANGUAGES, help="the same")
        p.set_defaults(run=_qa)
    p = sub.add_parser("ner", help="entity P/R/F1 of CoNLL files, as seqeval")
    p.add_argument("gold", type=Path, help="token<TAB>tag per line, blank line between sentences")
    p.add_argument("predictions", type=Path, help="the same tokens with predicted tags")
    p.add_argument(
        "--scheme",
        choices=("lenient", "strict"),
        default="lenient",
        help="lenient: seqeval's default; strict: seqeval mode='strict', scheme=IOB2",
    )
    p.set_defaults(run=_ner)
    p = sub.add_parser("nli", help="accuracy of one label per line")
    p.add_argument("gold", type=Path)
    p.add_argument("predictions", type=Path)
    p.set_defaults(run=_nli)
    p = sub.add_parser("xsr", help="top-1 retrieval both ways between row-aligned embeddings")
    p.add_argument("src", type=Path, help="source embeddings, one row per sentence")
    p.add_argument("tgt", type=Path, help="target embeddings, row i translates source row i")
    p.set_defaults(run=_xsr)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.mode == "mlqa":
        args.lang = args.lang or args.lang_option
        if args.lang is None:
            parser.error("mlqa needs the answer language LANG (the MLQA script's third argument)")
    try:
        scores = args.run(args)
    except ReproError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
