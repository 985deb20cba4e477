"""IBM Model 1 (optionally with fast_align's diagonal prior), trained by EM in NumPy.

Our own aligner for environments without a compiler and for tests: deterministic (no sampling, no
RNG; ties go to the lowest-position candidate word, NULL last), and vectorised over all sentences at once. Every
(sentence, observed word, generating word) triple is one entry of flat arrays; the lexical table is
a vector over the distinct co-occurring word pairs, so one EM iteration is a gather, a segmented
sum (``np.add.reduceat`` over each observed word's candidates) and a ``np.bincount`` scatter.

An entry costs 4 bytes (8 with the diagonal prior) kept across iterations, for
``sum(len_obs * (len_gen + 1))`` entries per direction (~16M for 25k news pairs of ~22 words);
temporaries are bounded by processing sentences in blocks of ``block_entries`` entries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from repro.align.pharaoh import Link

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IBM1Params:
    """``diagonal_tension`` > 0 multiplies in fast_align's prior exp(-λ|i/m - j/n|) over source
    positions, with ``null_prob`` reserved for NULL; 0 gives plain IBM-1 (position-blind)."""

    iterations: int = 5
    diagonal_tension: float = 0.0
    null_prob: float = 0.08
    lowercase: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.iterations, int) or self.iterations < 1:
            raise ValueError(f"iterations must be an int >= 1, got {self.iterations!r}")
        if self.diagonal_tension < 0:
            raise ValueError(f"diagonal_tension must be >= 0, got {self.diagonal_tension!r}")
        if not 0.0 < self.null_prob < 1.0:
            raise ValueError(f"null_prob must be in (0, 1), got {self.null_prob!r}")


def _encode(sents: Sequence[Sequence[str]], lowercase: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Flat word ids and per-sentence lengths; ids are in first-seen order (deterministic)."""
    vocab: dict[str, int] = {}
    flat: list[int] = []
    lens = np.empty(len(sents), dtype=np.int64)
    for k, words in enumerate(sents):
        lens[k] = len(words)
        for w in words:
            if lowercase:
                w = w.lower()
            flat.append(vocab.setdefault(w, len(vocab)))
    return np.asarray(flat, dtype=np.int64), lens, len(vocab)


class _Direction:
    """Flat EM state for one direction, stored per block of sentences to bound memory.

    Per entry only the pair index (int32) and, with the diagonal prior, the prior (float32) are
    kept; positions are recomputed from the sentence lengths when needed.
    """

    def __init__(
        self,
        gen: np.ndarray,
        gen_len: np.ndarray,
        n_gen_vocab: int,
        obs: np.ndarray,
        obs_len: np.ndarray,
        n_obs_vocab: int,
        params: IBM1Params,
        block_entries: int,
    ) -> None:
        self.gen, self.gen_len, self.obs, self.obs_len = gen, gen_len, obs, obs_len
        self.n_gen_vocab, self.n_obs_vocab, self.params = n_gen_vocab, n_obs_vocab, params
        self.gen_start = np.cumsum(gen_len) - gen_len
        self.obs_start = np.cumsum(obs_len) - obs_len
        sizes = obs_len * (gen_len + 1)
        self.blocks = _blocks(sizes, block_entries)
        # Distinct (gen word, obs word) pairs per block, then over the corpus; per-entry indices
        # are remapped from block-local to corpus-wide ones.
        local: list[tuple[np.ndarray, np.ndarray]] = []
        self.prior: list[np.ndarray | None] = []
        self.groups: list[tuple[np.ndarray, np.ndarray]] = []
        for a, b in self.blocks:
            geo = self._geometry(a, b)
            local.append(_unique_inverse(self._keys(*geo)))
            size = np.repeat(gen_len[a:b] + 1, obs_len[a:b])
            self.groups.append((np.cumsum(size) - size, size))
            self.prior.append(self._prior(*geo, *self.groups[-1]))
        self.pairs = (
            _unique_inverse(np.concatenate([u for u, _ in local]))[0]
            if local
            else np.empty(0, dtype=np.int64)
        )
        self.pair_gen = self.pairs // n_obs_vocab
        dtype = np.int32 if len(self.pairs) < 2**31 else np.int64
        self.pair_idx = [np.searchsorted(self.pairs, u).astype(dtype)[inv] for u, inv in local]

    def _geometry(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sentence, obs position, gen position) of each entry of sentences a..b-1; entries are
        ordered by sentence, then obs position, then gen position (NULL = position len_gen)."""
        cand = self.gen_len[a:b] + 1
        sizes = self.obs_len[a:b] * cand
        sent = np.repeat(np.arange(a, b), sizes)
        k = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        c = np.repeat(cand, sizes)
        opos = k // c
        return sent, opos, k - opos * c

    def _keys(self, sent: np.ndarray, opos: np.ndarray, gpos: np.ndarray) -> np.ndarray:
        is_null = gpos == self.gen_len[sent]
        if len(self.gen):
            idx = np.minimum(self.gen_start[sent] + gpos, len(self.gen) - 1)
            gen_id = np.where(is_null, self.n_gen_vocab, self.gen[idx])
        else:
            gen_id = np.full(len(sent), self.n_gen_vocab, dtype=np.int64)
        return gen_id * self.n_obs_vocab + self.obs[self.obs_start[sent] + opos]

    def _prior(
        self,
        sent: np.ndarray,
        opos: np.ndarray,
        gpos: np.ndarray,
        g_start: np.ndarray,
        g_size: np.ndarray,
    ) -> np.ndarray | None:
        lam, p0 = self.params.diagonal_tension, self.params.null_prob
        if lam <= 0 or len(sent) == 0:
            return None
        m = self.gen_len[sent].astype(np.float64)
        n = self.obs_len[sent].astype(np.float64)
        is_null = gpos == self.gen_len[sent]
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.exp(-lam * np.abs((gpos + 1) / m - (opos + 1) / n))
            h[is_null] = 0.0
            z = np.add.reduceat(h, g_start)
            h *= np.repeat((1.0 - p0) / z, g_size)
        h[is_null] = p0
        return h.astype(np.float32)

    def _scores(self, t: np.ndarray, k: int) -> np.ndarray:
        p = t[self.pair_idx[k]]
        if self.prior[k] is not None:
            p *= self.prior[k]
        return p

    def train(self) -> np.ndarray:
        t = np.ones(len(self.pairs), dtype=np.float64)
        for it in range(self.params.iterations):
            counts = np.zeros(len(self.pairs), dtype=np.float64)
            loglik, n_obs = 0.0, 0
            for k in range(len(self.blocks)):
                p = self._scores(t, k)
                if len(p) == 0:
                    continue
                g_start, g_size = self.groups[k]
                denom = np.add.reduceat(p, g_start)
                p /= np.repeat(denom, g_size)
                counts += np.bincount(self.pair_idx[k], weights=p, minlength=len(t))
                loglik += float(np.log(denom).sum())
                n_obs += len(denom)
            totals = np.bincount(self.pair_gen, weights=counts, minlength=self.n_gen_vocab + 1)
            t = counts / totals[self.pair_gen]
            log.debug(
                "IBM-1 iteration %d: log-likelihood per word %.4f", it + 1, loglik / max(n_obs, 1)
            )
        return t

    def viterbi(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sentence, obs pos, gen pos) of each obs word's best non-NULL candidate."""
        out = []
        for k, (a, b) in enumerate(self.blocks):
            p = self._scores(t, k)
            if len(p) == 0:
                continue
            g_start, g_size = self.groups[k]
            best = np.maximum.reduceat(p, g_start)
            hit = np.flatnonzero(p == np.repeat(best, g_size))
            group = np.repeat(np.arange(len(g_start)), g_size)[hit]
            first = hit[np.r_[True, group[1:] != group[:-1]]]  # ties: lowest gen position
            sent, opos, gpos = (x[first] for x in self._geometry(a, b))
            real = gpos < self.gen_len[sent]
            out.append((sent[real], opos[real], gpos[real]))
        if not out:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty
        return tuple(np.concatenate(x) for x in zip(*out, strict=True))  # type: ignore[return-value]


def _unique_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and int32 positions into them (sort-based: faster here than
    ``np.unique``, whose hash path is slow on millions of int64 keys)."""
    order = np.argsort(x)
    sx = x[order]
    new = np.empty(len(x), dtype=bool)
    new[:1] = True
    np.not_equal(sx[1:], sx[:-1], out=new[1:])
    inv = np.empty(len(x), dtype=np.int32)
    inv[order] = np.cumsum(new, dtype=np.int32) - 1
    return sx[new], inv


def _blocks(sizes: np.ndarray, block_entries: int) -> list[tuple[int, int]]:
    """Split sentences into consecutive runs of about ``block_entries`` entries (>= 1 sentence)."""
    blocks, a, acc = [], 0, 0
    for s, size in enumerate(sizes.tolist()):
        if acc and acc + size > block_entries:
            blocks.append((a, s))
            a, acc = s, 0
        acc += size
    if a < len(sizes):
        blocks.append((a, len(sizes)))
    return blocks


def _group_links(
    n_sent: int, sent: np.ndarray, src_pos: np.ndarray, tgt_pos: np.ndarray
) -> list[list[Link]]:
    order = np.lexsort((tgt_pos, src_pos, sent))
    sent, src_pos, tgt_pos = sent[order], src_pos[order], tgt_pos[order]
    bounds = np.searchsorted(sent, np.arange(n_sent + 1))
    pairs = list(zip(src_pos.tolist(), tgt_pos.tolist(), strict=True))
    return [pairs[bounds[s] : bounds[s + 1]] for s in range(n_sent)]


def ibm1_align(
    src: Sequence[Sequence[str]],
    tgt: Sequence[Sequence[str]],
    params: IBM1Params | None = None,
    *,
    block_entries: int = 1 << 22,
) -> tuple[list[list[Link]], list[list[Link]]]:
    """Train both directions on the corpus and return their Viterbi links, each as (src, tgt).

    forward: every target word picks at most one source word (p(tgt | src)); reverse: every source
    word picks at most one target word. Symmetrise them with :mod:`repro.align.symmetrize`.
    """
    params = params or IBM1Params()
    if len(src) != len(tgt):
        raise ValueError(f"{len(src)} source but {len(tgt)} target sentences")
    t0 = time.perf_counter()
    s_ids, s_len, s_v = _encode(src, params.lowercase)
    t_ids, t_len, t_v = _encode(tgt, params.lowercase)
    n = len(src)
    d = _Direction(s_ids, s_len, s_v, t_ids, t_len, t_v, params, block_entries)
    sent, opos, gpos = d.viterbi(d.train())
    fwd = _group_links(n, sent, gpos, opos)
    d = _Direction(t_ids, t_len, t_v, s_ids, s_len, s_v, params, block_entries)
    sent, opos, gpos = d.viterbi(d.train())
    rev = _group_links(n, sent, opos, gpos)
    log.info(
        "IBM-1: %d pairs, %d iterations x 2 directions in %.1f s",
        n,
        params.iterations,
        time.perf_counter() - t0,
    )
    return fwd, rev
