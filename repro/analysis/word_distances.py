"""Related vs unrelated word distances of one encoder on held-out aligned pairs: the model side of
the forgetting analysis (the pure statistics are in :mod:`repro.analysis.distances`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from repro.adjust.objective import check_pair
from repro.analysis.distances import (
    cosine_distance,
    draw_unrelated,
    euclidean_distance,
)
from repro.env import lang_rng
from repro.errors import DataError
from repro.model.wordlevel import batched_word_vectors


def word_distances(
    model: Any,
    tokenizer: Any,
    records: list[dict[str, Any]],
    lang: str,
    *,
    pooling: str = "avg",
    layer: int = -1,
    seed: int = 0,
    device: str = "cpu",
    source: Any = None,
) -> list[dict[str, Any]]:
    """One row per related link (see the module docstring)."""
    parsed = [check_pair(r, source=source, index=k) for k, r in enumerate(records)]
    kw = {"pooling": pooling, "layer": layer, "device": device, "add_cls_sep": False}
    en_vecs = batched_word_vectors(model, tokenizer, [p[0] for p in parsed], **kw)
    xx_vecs = batched_word_vectors(model, tokenizer, [p[1] for p in parsed], **kw)
    link_pair, links = [], []
    for p, (_, _, pl) in enumerate(parsed):
        for i, j in pl:
            if en_vecs[p][1][i] and xx_vecs[p][1][j]:
                link_pair.append(p)
                links.append((i, j))
    if not links:
        raise DataError(source, None, "no usable alignment links in the held-out pairs")
    valid = [np.flatnonzero(m) for _, m in xx_vecs]
    partners = draw_unrelated(link_pair, valid, lang_rng(seed, lang))
    en = np.stack([en_vecs[p][0][i] for p, (i, _) in zip(link_pair, links, strict=True)])
    rel = np.stack([xx_vecs[p][0][j] for p, (_, j) in zip(link_pair, links, strict=True)])
    unr = np.stack([xx_vecs[q][0][j] for q, j in partners])
    rel_cos, unr_cos = cosine_distance(en, rel), cosine_distance(en, unr)
    rel_euc, unr_euc = euclidean_distance(en, rel), euclidean_distance(en, unr)
    rows = []
    for k, (p, (i, j)) in enumerate(zip(link_pair, links, strict=True)):
        q, jq = partners[k]
        rows.append(
            {
                "id": f"{records[p].get('id', p)}:{i}-{j}",
                "lang": lang,
                "en_word": parsed[p][0][i],
                "xx_word": parsed[p][1][j],
                "unrelated_xx_word": parsed[q][1][jq],
                "unrelated_id": f"{records[q].get('id', q)}:{jq}",
                "related_cos": float(rel_cos[k]),
                "unrelated_cos": float(unr_cos[k]),
                "related_euc": float(rel_euc[k]),
                "unrelated_euc": float(unr_euc[k]),
            }
        )
    return rows
