"""``python -m repro.metrics squad|mlqa DATA.json PRED.json [--lang xx]``: official-style QA scores.

Prints ``{"exact_match": ..., "f1": ...}`` (percent) on stdout; bad input exits 1 with a message
that names the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from repro.errors import ConfigError, DataError, ReproError
from repro.metrics.squad import MLQA_LANGUAGES, score_questions


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m repro.metrics", description=__doc__)
    parser.add_argument(
        "mode",
        choices=("squad", "mlqa"),
        help="squad: SQuAD v1.1 normalisation; mlqa: MLQA language-aware one",
    )
    parser.add_argument("data", type=Path, help="SQuAD-format dataset JSON")
    parser.add_argument("predictions", type=Path, help="JSON object: question id -> answer")
    parser.add_argument(
        "--lang", choices=MLQA_LANGUAGES, help="answer language (required for mlqa)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.mode == "mlqa" and args.lang is None:
            raise ConfigError("mode mlqa needs --lang (the answer/context language)")
        data = _load_json(args.data)
        preds = _load_json(args.predictions)
        scores = score_questions(
            data,
            preds,
            mode=args.mode,
            lang=args.lang,
            data_path=str(args.data),
            pred_path=str(args.predictions),
        )
    except ReproError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(scores.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
