"""NER (WikiANN and the synthetic NER task): word-level IOB2 tags, first-sub-word labelling.

Each word's label sits on its first sub-word; other sub-words and specials get -100 (the paper's
``label_all_tokens`` off). A sentence longer than ``max_seq_length - 2`` sub-words is split at
word boundaries into several features, as XTREME does, so no word is lost and every word gets a
prediction; the metric is computed on the full gold sentence. Entity F1 is computed from
per-sentence (tp, n_pred, n_gold) counts summed over the corpus (seqeval-compatible).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from repro.metrics.spans import prf_from_counts, sentence_counts
from repro.records import NER_TAGS
from repro.tasks.base import Encoded, Feature, FeatureConfig, head_loaders, is_collapsed

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

NAME = "ner"
RECORD_KIND = "ner"
OUTPUTS = ("logits",)
PER_TOKEN = True
LABEL_KEYS = ("labels",)
LABELS: tuple[str, ...] = NER_TAGS
LABEL2ID = {lab: i for i, lab in enumerate(LABELS)}
IGNORE = -100
build_model, load_model = head_loaders("AutoModelForTokenClassification", LABELS)


def word_pieces(
    records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase
) -> list[list[list[int]]]:
    """Sub-word ids of every word of every record (a word may have none, e.g. a control char)."""
    if not records:
        return []
    enc = tokenizer(
        [list(r["tokens"]) for r in records], is_split_into_words=True, add_special_tokens=False
    )
    out: list[list[list[int]]] = []
    for i, rec in enumerate(records):
        words: list[list[int]] = [[] for _ in rec["tokens"]]
        for tok_id, w in zip(enc["input_ids"][i], enc.word_ids(i), strict=True):
            if w is not None:
                words[w].append(tok_id)
        out.append(words)
    return out


def _chunks(pieces: list[list[int]], budget: int) -> list[tuple[int, int]]:
    """Word ranges [a, b) whose sub-words fit ``budget`` (a single over-long word is cut)."""
    spans: list[tuple[int, int]] = []
    start, used = 0, 0
    for w, p in enumerate(pieces):
        n = min(len(p), budget)
        if used + n > budget and w > start:
            spans.append((start, w))
            start, used = w, 0
        used += n
    spans.append((start, len(pieces)))
    return spans


def _encode(
    records: Sequence[Mapping],
    tokenizer: PreTrainedTokenizerBase,
    fcfg: FeatureConfig,
    with_labels: bool,
) -> tuple[list[Feature], list[tuple]]:
    budget = fcfg.max_seq_length - 2
    if budget < 1:
        raise ValueError(f"max_seq_length={fcfg.max_seq_length} leaves no room for words")
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    feats: list[Feature] = []
    meta: list[tuple] = []  # (record index, positions of first sub-words, their word indices)
    for r, (rec, pieces) in enumerate(zip(records, word_pieces(records, tokenizer), strict=True)):
        for a, b in _chunks(pieces, budget):
            ids = [cls_id]
            labels = [IGNORE]
            positions: list[int] = []
            words: list[int] = []
            for w in range(a, b):
                p = pieces[w][:budget]
                if not p:
                    continue
                positions.append(len(ids))
                words.append(w)
                ids.extend(p)
                labels.append(LABEL2ID[rec["tags"][w]] if with_labels else IGNORE)
                labels.extend([IGNORE] * (len(p) - 1))
            ids.append(sep_id)
            labels.append(IGNORE)
            f: Feature = {
                "input_ids": ids,
                "token_type_ids": [0] * len(ids),
                "attention_mask": [1] * len(ids),
            }
            if with_labels:
                f["labels"] = labels
            feats.append(f)
            meta.append((r, positions, words))
    return feats, meta


def encode_train(
    records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig
) -> list[Feature]:
    return _encode(records, tokenizer, fcfg, with_labels=True)[0]


def encode_eval(
    records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig
) -> Encoded:
    feats, meta = _encode(records, tokenizer, fcfg, with_labels=False)
    return Encoded(features=feats, meta=meta)


def predicted_tags(
    records: Sequence[Mapping], encoded: Encoded, logits: Sequence[np.ndarray]
) -> list[list[str]]:
    """Word-level tags: the argmax at each word's first sub-word; ``O`` for words without one."""
    tags = [["O"] * len(r["tokens"]) for r in records]
    for (r, positions, words), lg in zip(encoded.meta, logits, strict=True):
        if positions:
            best = np.argmax(np.asarray(lg)[positions], axis=-1)
            for w, k in zip(words, best, strict=True):
                tags[r][w] = LABELS[int(k)]
    return tags


def decode(
    records: Sequence[Mapping], encoded: Encoded, outputs: Mapping[str, list[np.ndarray]], ecfg: Any
) -> list[dict]:
    """One record per sentence: ``{id, lang, tp, n_pred, n_gold, pred_tags}``."""
    pred = predicted_tags(records, encoded, outputs["logits"])
    tp, n_pred, n_gold = sentence_counts([r["tags"] for r in records], pred)
    return [
        {
            "id": r["id"],
            "lang": r["lang"],
            "tp": int(t),
            "n_pred": int(p),
            "n_gold": int(g),
            "pred_tags": tags,
        }
        for r, t, p, g, tags in zip(records, tp, n_pred, n_gold, pred, strict=True)
    ]


def score(predictions: Sequence[Mapping], records: Sequence[Mapping], ecfg: Any) -> dict[str, Any]:
    """Entity P/R/F1 from summed counts. Chance is 0: predicting all ``O`` scores F1 = 0."""
    prf = prf_from_counts(
        [p["tp"] for p in predictions],
        [p["n_pred"] for p in predictions],
        [p["n_gold"] for p in predictions],
    )
    return {
        "metric": "f1",
        **prf,
        "n": len(predictions),
        "chance": 0.0,
        "collapsed": is_collapsed(prf["f1"], 0.0, ecfg.collapse_margin),
    }
