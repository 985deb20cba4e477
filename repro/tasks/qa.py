"""Extractive QA (SQuAD v1.1 / XQuAD / MLQA / TyDi-GoldP and the synthetic QA task).

Features follow HF ``run_qa``: question + context, the context cut into windows of
``max_seq_length`` tokens overlapping by ``doc_stride`` tokens; a training window that does not
contain the whole answer is labelled with the [CLS] position. Post-processing follows
``utils_qa.postprocess_qa_predictions`` with no null answers: in every window take the
``n_best`` start and end logits, keep pairs inside the context with ``start <= end`` and at most
``max_answer_length`` tokens, score ``start + end`` and take the best pair over all windows of a
question; the answer is the context slice between the pair's character offsets, so predictions
map back to the original text exactly. Nothing depends on the question and context sharing a
language, so cross-lingual pairs (``q_lang != c_lang``) go through the same code.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from repro.errors import ConfigError
from repro.metrics.squad import exact_match, f1, get_normalizer
from repro.records import qa_pair_name
from repro.tasks.base import Encoded, Feature, FeatureConfig, head_loaders, is_collapsed

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

log = logging.getLogger(__name__)

NAME = "qa"
RECORD_KIND = "qa"
OUTPUTS = ("start_logits", "end_logits")
PER_TOKEN = True
LABEL_KEYS = ("start_positions", "end_positions")
MAX_QUERY_LENGTH = 64  # XTREME's cap on question tokens; longer questions are cut
build_model, load_model = head_loaders("AutoModelForQuestionAnswering")


# -- features ----------------------------------------------------------------------------------
def _questions(
    records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, cap: int
) -> tuple[list[str], int]:
    """Questions (left-stripped as run_qa) cut to ``cap`` tokens; also the longest length."""
    qs = [r["question"].lstrip() for r in records]
    enc = tokenizer(qs, add_special_tokens=False, return_offsets_mapping=True)
    cut = False
    for i, ids in enumerate(enc["input_ids"]):
        if len(ids) > cap:
            qs[i] = qs[i][: enc["offset_mapping"][i][cap - 1][1]]
            cut = True
    if cut:
        enc = tokenizer(qs, add_special_tokens=False)
        log.info("questions longer than %d tokens were cut", cap)
    longest = max((len(ids) for ids in enc["input_ids"]), default=0)
    return qs, longest


def _windows(records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig):
    length = fcfg.max_seq_length
    cap = max(1, min(MAX_QUERY_LENGTH, (length - 3) // 2))
    questions, longest_q = _questions(records, tokenizer, cap)
    room = length - 3 - longest_q  # context tokens per window
    if room < 2:
        raise ConfigError(f"max_seq_length={length} leaves no room for the context")
    stride = min(fcfg.doc_stride, room - 1)
    if stride < fcfg.doc_stride:
        log.info(
            "doc_stride %d reduced to %d to fit max_seq_length=%d", fcfg.doc_stride, stride, length
        )
    enc = tokenizer(
        questions,
        [r["context"] for r in records],
        truncation="only_second",
        max_length=length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_token_type_ids=True,
        return_attention_mask=True,
    )
    return enc, stride


def _context_offsets(enc, j: int) -> np.ndarray:
    """(L, 2) character offsets of window ``j``; -1 rows for question and special tokens."""
    off = np.asarray(enc["offset_mapping"][j], dtype=np.int64).reshape(-1, 2)
    seq = enc.sequence_ids(j)
    mask = np.asarray([s == 1 for s in seq], dtype=bool)
    off[~mask] = -1
    return off


def _answer_positions(offsets: np.ndarray, start_char: int, end_char: int) -> tuple[int, int]:
    """Token span of the answer in one window, or (0, 0) = [CLS] when it is not inside."""
    ctx = np.flatnonzero(offsets[:, 0] >= 0)
    if ctx.size == 0:
        return 0, 0
    first, last = int(ctx[0]), int(ctx[-1])
    if offsets[first, 0] > start_char or offsets[last, 1] < end_char:
        return 0, 0
    s = first
    while s <= last and offsets[s, 0] <= start_char:
        s += 1
    e = last
    while e >= first and offsets[e, 1] >= end_char:
        e -= 1
    return s - 1, e + 1


def _base(enc, j: int) -> Feature:
    return {
        "input_ids": enc["input_ids"][j],
        "token_type_ids": enc["token_type_ids"][j],
        "attention_mask": enc["attention_mask"][j],
    }


def encode_train(
    records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig
) -> list[Feature]:
    """Windows labelled with the first gold answer's token span (or [CLS] outside it)."""
    if not records:
        return []
    enc, _ = _windows(records, tokenizer, fcfg)
    feats: list[Feature] = []
    for j, r in enumerate(enc["overflow_to_sample_mapping"]):
        answer = records[r]["answers"][0]
        start = answer["answer_start"]
        s, e = _answer_positions(_context_offsets(enc, j), start, start + len(answer["text"]))
        feats.append({**_base(enc, j), "start_positions": s, "end_positions": e})
    return feats


def encode_eval(
    records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig
) -> Encoded:
    if not records:
        return Encoded(features=[], meta={"example": [], "offsets": []})
    enc, stride = _windows(records, tokenizer, fcfg)
    feats = [_base(enc, j) for j in range(len(enc["input_ids"]))]
    meta = {
        "example": list(enc["overflow_to_sample_mapping"]),
        "offsets": [_context_offsets(enc, j) for j in range(len(feats))],
    }
    return Encoded(features=feats, meta=meta, notes={"doc_stride": stride})


# -- post-processing (pure) --------------------------------------------------------------------
def best_span(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    offsets: np.ndarray,
    *,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> tuple[float, int, int] | None:
    """Best (score, start token, end token) of one window, or None when no pair is valid.

    Candidates are the ``n_best`` highest start and end logits over all positions (as HF);
    ties go to the first pair in (start rank, end rank) order, as HF's stable sort does.
    """
    start_logits = np.asarray(start_logits, dtype=np.float64)
    end_logits = np.asarray(end_logits, dtype=np.float64)
    n = min(len(start_logits), len(offsets))
    starts = np.argsort(start_logits[:n])[-1 : -n_best - 1 : -1]
    ends = np.argsort(end_logits[:n])[-1 : -n_best - 1 : -1]
    in_ctx = offsets[:n, 0] >= 0
    valid = (
        in_ctx[starts][:, None]
        & in_ctx[ends][None, :]
        & (ends[None, :] >= starts[:, None])
        & (ends[None, :] - starts[:, None] + 1 <= max_answer_length)
    )
    if not valid.any():
        return None
    scores = np.where(valid, start_logits[starts][:, None] + end_logits[ends][None, :], -np.inf)
    k = int(np.argmax(scores))
    i, j = divmod(k, len(ends))
    return float(scores[i, j]), int(starts[i]), int(ends[j])


def postprocess(
    contexts: Sequence[str],
    feature_example: Sequence[int],
    feature_offsets: Sequence[np.ndarray],
    start_logits: Sequence[np.ndarray],
    end_logits: Sequence[np.ndarray],
    *,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> list[str]:
    """The answer text of every example (``""`` when no window has a valid span)."""
    best: list[tuple[float, int, int, int] | None] = [None] * len(contexts)
    for f, ex in enumerate(feature_example):
        hit = best_span(
            start_logits[f],
            end_logits[f],
            feature_offsets[f],
            n_best=n_best,
            max_answer_length=max_answer_length,
        )
        if hit is not None and (best[ex] is None or hit[0] > best[ex][0]):
            best[ex] = (hit[0], f, hit[1], hit[2])
    out: list[str] = []
    for ex, b in enumerate(best):
        if b is None:
            out.append("")
            continue
        _, f, s, e = b
        off = feature_offsets[f]
        out.append(contexts[ex][int(off[s, 0]) : int(off[e, 1])])
    return out


def paragraph_id(rec: Mapping) -> str:
    """The resampling cluster: the record's ``paragraph_id``, else a hash of its context."""
    pid = rec.get("paragraph_id")
    if pid is not None:
        return str(pid)
    return "ctx:" + hashlib.sha1(rec["context"].encode("utf-8")).hexdigest()[:16]


def mlqa_normalizer(lang: str):
    """MLQA's normaliser for ``lang`` (the one ``python -m repro.metrics mlqa`` uses)."""
    return get_normalizer("mlqa", lang)


def decode(
    records: Sequence[Mapping], encoded: Encoded, outputs: Mapping[str, list[np.ndarray]], ecfg: Any
) -> list[dict]:
    """One record per question: ``{id, lang: "q-c", paragraph_id, prediction, em, f1,
    em_mlqa, f1_mlqa}`` with SQuAD v1.1 and MLQA (context language) normalisation."""
    preds = postprocess(
        [r["context"] for r in records],
        encoded.meta["example"],
        encoded.meta["offsets"],
        outputs["start_logits"],
        outputs["end_logits"],
        n_best=ecfg.n_best,
        max_answer_length=ecfg.max_answer_length,
    )
    squad = get_normalizer("squad")
    mlqa_cache: dict[str, Any] = {}
    out: list[dict] = []
    for rec, pred in zip(records, preds, strict=True):
        golds = [a["text"] for a in rec["answers"]]
        if rec["c_lang"] not in mlqa_cache:
            mlqa_cache[rec["c_lang"]] = mlqa_normalizer(rec["c_lang"])
        mlqa = mlqa_cache[rec["c_lang"]]
        out.append(
            {
                "id": rec["id"],
                "lang": qa_pair_name(rec["q_lang"], rec["c_lang"]),
                "paragraph_id": paragraph_id(rec),
                "prediction": pred,
                "em": exact_match(pred, golds, normalizer=squad),
                "f1": f1(pred, golds, normalizer=squad),
                "em_mlqa": exact_match(pred, golds, normalizer=mlqa),
                "f1_mlqa": f1(pred, golds, normalizer=mlqa),
            }
        )
    return out


def score(predictions: Sequence[Mapping], records: Sequence[Mapping], ecfg: Any) -> dict[str, Any]:
    """EM/F1 (0-1) under both normalisations; chance is 0 (no span guessing baseline), so a
    run is flagged when the primary EM (``ecfg.qa_metric``) is below ``collapse_margin``."""
    n = len(predictions)

    def mean(key: str) -> float:
        return float(np.mean([p[key] for p in predictions])) if n else 0.0

    m = {k: mean(k) for k in ("em", "f1", "em_mlqa", "f1_mlqa")}
    primary = "em" if ecfg.qa_metric == "squad" else "em_mlqa"
    return {
        "metric": primary,
        **m,
        "n": n,
        "chance": 0.0,
        "collapsed": is_collapsed(m[primary], 0.0, ecfg.collapse_margin),
    }
