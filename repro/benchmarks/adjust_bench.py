"""Benchmark: batched adjustment loop vs the per-sentence reference (``adjust_vs_reference``).

Both train the same tiny encoder (hidden 128, 4 layers) for one pass over the same toy bitext
with the same config, side by side in one process; the ratio is ours / reference in pairs/s.
Also home of :func:`toy_bitext`, a seeded parallel corpus with gold one-to-one links that the
tests of the adjustment, retrieval and distance stages share.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from typing import Any

log = logging.getLogger(__name__)

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "st")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables))


def toy_bitext(
    n_pairs: int,
    *,
    seed: int = 0,
    vocab: int = 120,
    min_len: int = 4,
    max_len: int = 12,
    lang: str = "es",
    id_prefix: str = "p",
    swap_prob: float = 0.3,
) -> list[dict[str, Any]]:
    """Parallel records ``{id, src_lang, tgt_lang, src, tgt, alignment}``.

    English word k translates to target word k (disjoint random spellings of 1-3 syllables);
    the target order is the English order with adjacent swaps, and the gold links are exact.
    The lexicon depends only on ``vocab`` (seeded 0), so held-out sets drawn with another
    ``seed`` share it.
    """
    lex_rng = random.Random(f"lexicon-{vocab}")
    en_lex: list[str] = []
    xx_lex: list[str] = []
    seen: set[str] = set()
    while len(en_lex) < vocab:
        e, x = _word(lex_rng, lex_rng.randint(1, 3)), "q" + _word(lex_rng, lex_rng.randint(1, 3))
        if e in seen or x in seen or e == x:
            continue
        seen.update((e, x))
        en_lex.append(e)
        xx_lex.append(x)
    rng = random.Random(seed)
    out = []
    for k in range(n_pairs):
        n = rng.randint(min_len, max_len)
        words = [rng.randrange(vocab) for _ in range(n)]
        order = list(range(n))
        for i in range(n - 1):
            if rng.random() < swap_prob:
                order[i], order[i + 1] = order[i + 1], order[i]
        tgt_words = [xx_lex[words[o]] for o in order]
        alignment = [[o, j] for j, o in enumerate(order)]
        out.append(
            {
                "id": f"{id_prefix}{k}",
                "src_lang": "en",
                "tgt_lang": lang,
                "src": " ".join(en_lex[w] for w in words),
                "tgt": " ".join(tgt_words),
                "alignment": sorted(alignment),
            }
        )
    return out


def toy_texts(pairs: list[dict[str, Any]]) -> list[str]:
    """Both sides of every pair: tokenizer training text."""
    return [p["src"] for p in pairs] + [p["tgt"] for p in pairs]


def bench_adjust_vs_reference(
    n_pairs: int = 256,
    seed: int = 0,
    *,
    hidden: int = 128,
    layers: int = 4,
    batch_size: int = 32,
    repeats: int = 2,
) -> dict[str, Any]:
    """Train from the same start with both implementations; pairs/s, best of ``repeats``.

    The two are interleaved (ours, reference, ours, ...) so both see the same machine load.
    fp32 for both, the paper's config (Adam, warm-up, batch 32, length bucketing for ours).
    """
    import copy

    import torch

    from repro.adjust.loop import adjust_encoder, frozen_copy
    from repro.adjust.reference import reference_adjust
    from repro.config import AdjustConfig
    from repro.model.tiny import tiny_test_model

    pairs = toy_bitext(n_pairs, seed=seed, vocab=400)
    model, tok = tiny_test_model(
        toy_texts(pairs), hidden=hidden, layers=layers, heads=2, vocab=1000, seed=seed
    )
    cfg = AdjustConfig(batch_size=batch_size, bucket_by_length=True, seed=seed)
    warm = pairs[:batch_size]
    adjust_encoder(copy.deepcopy(model), tok, warm, cfg, progress=False)
    reference_adjust(copy.deepcopy(model), tok, warm, cfg, anchor_model=frozen_copy(model))

    best_ours, best_ref = float("inf"), float("inf")
    for _ in range(max(1, repeats)):
        torch.manual_seed(seed)
        _, ours = adjust_encoder(copy.deepcopy(model), tok, pairs, cfg, progress=False)
        torch.manual_seed(seed)
        _, ref = reference_adjust(
            copy.deepcopy(model), tok, pairs, cfg, anchor_model=frozen_copy(model)
        )
        best_ours, best_ref = min(best_ours, ours["wall_s"]), min(best_ref, ref["wall_s"])
    ours_rate, ref_rate = n_pairs / best_ours, n_pairs / best_ref
    return {
        "ratio": round(ours_rate / ref_rate, 3),
        "ours": round(ours_rate, 2),
        "baseline": round(ref_rate, 2),
        "unit": "pairs/s",
        "n_pairs": n_pairs,
        "hidden": hidden,
        "layers": layers,
        "batch_size": batch_size,
        "threads": torch.get_num_threads(),
        "repeats": repeats,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    import torch

    from repro.env import set_offline

    set_offline()
    torch.set_num_threads(args.threads)
    res = bench_adjust_vs_reference(args.pairs, args.seed, repeats=args.repeats)
    sys.stdout.write(json.dumps({"adjust_vs_reference": res}, indent=1) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
