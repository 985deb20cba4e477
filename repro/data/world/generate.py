"""``generate_world``: frames -> records for every corpus and task, leak-free and deterministic.

Evaluation material (test, dev, XSR, held-out) is sampled first; its frames and question keys are
reserved, and every training, monolingual and parallel sample that hits a reserved frame or
question is rejected. Since rendering is a deterministic, injective function of the frame, no
evaluation sentence or question appears, in any language, in data a model trains on.

Each set has its own random stream (``"{seed}/{set}"``), so resizing one set leaves the others
unchanged, except for training sets that are filtered against a grown reserved set.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

from repro.data.world.config import WorldConfig
from repro.data.world.frames import LABELS, Frame, Semantics, nli_hypothesis, question_key
from repro.data.world.inventory import PER, nouns_by_category
from repro.data.world.lexicon import (
    TARGETS,
    Lexicon,
    build_lexicon,
    build_names,
    new_unique_registry,
)
from repro.data.world.render import (
    ANSWER_ROLES,
    TARGET_REALISERS,
    English,
    Realiser,
    alignment,
    ner_tags,
)
from repro.records import qa_record

log = logging.getLogger(__name__)

# QA question types (answer type from the wh-word) and their sampling weights.
_QTYPES = ("who", "what", "where", "how_many", "company")
_QWEIGHTS = (0.3, 0.25, 0.15, 0.15, 0.15)


@dataclass(frozen=True)
class World:
    """All records of one generated world (what :func:`write_bundle` writes)."""

    config: WorldConfig
    mono: dict[str, list[str]]  # lang -> sentences
    parallel: dict[str, list[dict]]  # target lang -> parallel records with gold alignment
    heldout: dict[str, list[dict]]  # target lang -> held-out parallel records
    train: dict[str, list[dict]]  # task -> English training records
    dev: dict[str, list[dict]]  # task -> English dev records
    eval: dict[tuple[str, str], list[dict]]  # (task, lang or "q-c") -> test records
    xsr: dict[str, list[dict]]  # target lang -> en<->xx test pairs
    stats: dict[str, Any] = field(default_factory=dict)
    # (split, context language) -> the sentences of each QA paragraph, in paragraph-id order
    # (contexts carry no sentence boundaries; this keeps them for leak checks and inspection)
    paragraphs: dict[tuple[str, str], list[list[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    lexicons: dict[str, Lexicon] = field(default_factory=dict, repr=False, compare=False)
    names: dict[str, list[tuple[str, ...]]] = field(default_factory=dict, repr=False, compare=False)


def _text(words) -> str:
    return " ".join(w for w, _ in words)


def code_switch(words, en_words, rate: float, rng: random.Random) -> list:
    """``words`` with each role-bearing word replaced, with probability ``rate``, by the English
    word of the same role (a word whose role English lacks, e.g. a classifier, stays)."""
    en = {role: w for w, role in en_words if role}
    out = []
    for w, role in words:
        hit = rng.random() < rate  # drawn for every word: the stream does not depend on roles
        out.append((en[role], role) if hit and role in en else (w, role))
    return out


class _Builder:
    def __init__(self, cfg: WorldConfig) -> None:
        self.cfg = cfg
        self.sem = Semantics(
            cfg.n_per, cfg.n_org, cfg.n_loc, cfg.nouns_per_category, cfg.frame_probs()
        )
        en_nouns = [sg for cat in nouns_by_category() for sg, _ in cat]
        unique = new_unique_registry()
        rates = cfg.cognate_rates()
        self.lexicons = {
            lang: build_lexicon(lang, cfg.seed, len(en_nouns), rates[lang], unique, en_nouns)
            for lang in TARGETS
        }
        en_names = [name for name, _ in self.sem.entities]
        self.names: dict[str, list[tuple[str, ...]]] = {"en": en_names}
        self.shared: dict[str, list[bool]] = {}
        for lang in TARGETS:
            self.names[lang], self.shared[lang] = build_names(
                cfg.seed, lang, en_names, cfg.shared_name_rate, unique
            )
        self.r: dict[str, Realiser] = {"en": English(self.sem, en_names)}
        for lang in cfg.targets:
            self.r[lang] = TARGET_REALISERS[lang](
                self.sem, self.names[lang], self.lexicons[lang], lang in cfg.sov_languages
            )
        self.reserved_frames: set[Frame] = set()
        self.reserved_q: set[tuple] = set()

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.cfg.seed}/{name}")

    # ------------------------------------------------------------------ checks
    def free(self, f: Frame) -> bool:
        return f not in self.reserved_frames

    def free_q(self, slot: str, f: Frame) -> bool:
        return question_key(slot, f) not in self.reserved_q

    def reserve(self, frames, questions=()) -> None:
        self.reserved_frames.update(frames)
        self.reserved_q.update(question_key(s, f) for s, f in questions)

    # ------------------------------------------------------------------ samplers
    def frames(self, rng: random.Random, n: int, *, train: bool, unique: bool) -> list[Frame]:
        out: list[Frame] = []
        seen: set[Frame] = set()
        while len(out) < n:
            f = self.sem.sample(rng)
            if (train and f in self.reserved_frames) or (unique and f in seen):
                continue
            seen.add(f)
            out.append(f)
        return out

    def nli_items(self, rng: random.Random, n: int, *, train: bool) -> list[tuple]:
        labels = [LABELS[i % 3] for i in range(n)]
        rng.shuffle(labels)
        out, seen = [], set()
        for label in labels:
            while True:
                p = self.sem.sample(rng)
                res = nli_hypothesis(self.sem, p, label, rng)
                if res is None:
                    continue
                h, edit = res
                if h == p or (p, h) in seen:
                    continue
                if train and (p in self.reserved_frames or h in self.reserved_frames):
                    continue
                seen.add((p, h))
                out.append((p, h, label, edit))
                break
        return out

    def qa_paragraphs(
        self, rng: random.Random, n_questions: int, *, train: bool
    ) -> list[tuple[list[Frame], list[tuple[int, str]]]]:
        out = []
        total = 0
        seen_q: set[tuple] = set()
        while total < n_questions:
            frames, questions = self._paragraph(rng, train, seen_q)
            questions = questions[: n_questions - total]
            total += len(questions)
            out.append((frames, questions))
        return out

    def _paragraph(self, rng: random.Random, train: bool, seen_q: set):
        """One QA paragraph. With probability ``qa_same_type_rate`` a distractor offers another
        candidate of the answer's type (the question's cues must pick the sentence); otherwise
        the answer is the only candidate of its type in the context."""
        cfg, sem = self.cfg, self.sem
        same = rng.random() < cfg.qa_same_type_rate
        qtype = rng.choices(_QTYPES, _QWEIGHTS)[0]
        if qtype == "who":
            slot = "who_s" if rng.random() < 0.75 else "who_o"
        elif qtype == "company":
            slot = "company_s" if rng.random() < 0.6 else "company_o"
        else:
            slot = qtype
        while True:
            ans = sem.sample(rng, want=slot)
            qk = question_key(slot, ans)
            if qk in seen_q or (train and (not self.free(ans) or qk in self.reserved_q)):
                continue
            if same or sem.n_candidates(ans, slot) == 1:
                break
        frames = [ans]
        verbs, ents = {ans.verb}, set(sem.entities_of(ans))
        nouns = set() if ans.obj_ent else {ans.obj}
        k = rng.randint(cfg.qa_min_sentences, cfg.qa_max_sentences)
        distractor_want = {
            "who_s": ("who_s", "who_o"),
            "who_o": ("who_s", "who_o"),
            "company_s": ("company_s", "company_o"),
            "company_o": ("company_s", "company_o"),
        }.get(slot, (slot,))
        while len(frames) < k:
            first = len(frames) == 1
            f = sem.sample(rng, want=rng.choice(distractor_want) if same and first else None)
            if cfg.qa_tense_cue:  # distractors take the other tense: the question's tense cues
                t = 1 - ans.tense
                f = f._replace(tense=t, time=t * 2 + f.time % 2 if f.time >= 0 else -1)
            fe = sem.entities_of(f)
            if (
                f.verb in verbs
                or fe & ents
                or (not f.obj_ent and f.obj in nouns)
                or (train and not self.free(f))
            ):
                continue
            n_cand = sem.n_candidates(f, slot)
            if (same and first and n_cand == 0) or (not same and n_cand > 0):
                continue
            frames.append(f)
            verbs.add(f.verb)
            ents |= fe
            if not f.obj_ent:
                nouns.add(f.obj)
        order = list(range(k))
        rng.shuffle(order)
        frames = [frames[i] for i in order]
        questions = [(order.index(0), slot)]
        seen_q.add(question_key(slot, ans))
        n_q = rng.randint(1, cfg.qa_max_questions)
        others = [i for i in range(k) if i != questions[0][0]]
        rng.shuffle(others)
        for i in others[: n_q - 1]:
            f = frames[i]
            s = rng.choice(sem.slots(f))
            unique = sum(sem.n_candidates(g, s) for g in frames) == 1
            tense_unique = not cfg.qa_tense_cue or k == 2
            qk = question_key(s, f)
            if (
                (not unique and not (same and tense_unique))
                or qk in seen_q
                or (train and qk in self.reserved_q)
            ):
                continue
            seen_q.add(qk)
            questions.append((i, s))
        return frames, questions

    def mono_or_pool_item(self, rng: random.Random) -> tuple[Frame, str | None]:
        """A training-side sentence: a declarative frame or (question_rate) a question."""
        while True:
            f = self.sem.sample(rng)
            if rng.random() < self.cfg.question_rate:
                slot = rng.choice(self.sem.slots(f))
                if self.free_q(slot, f):
                    return f, slot
            elif self.free(f):
                return f, None

    def next_in_document(self, rng: random.Random, prev: Frame) -> tuple[Frame, str | None]:
        """The next sentence of a monolingual document: with ``doc_subject_reuse`` it keeps
        ``prev``'s subject (a verb that takes it is drawn); otherwise an independent item."""
        if rng.random() >= self.cfg.doc_subject_reuse:
            return self.mono_or_pool_item(rng)
        for _ in range(20):
            f, slot = self.mono_or_pool_item(rng)
            if prev.subj not in self.sem.verb_subjects[f.verb] or prev.subj == f.obj:
                continue
            g = f._replace(
                subj=prev.subj,
                subj_adj=f.subj_adj if self.sem.etype[prev.subj] == PER else -1,
            )
            if slot is None and self.free(g):
                return g, None
            if slot is not None and slot in self.sem.slots(g) and self.free_q(slot, g):
                return g, slot
        return self.mono_or_pool_item(rng)

    # ------------------------------------------------------------------ rendering
    def render(self, lang: str, f: Frame, slot: str | None = None):
        r = self.r[lang]
        return r.sentence(f) if slot is None else r.question(f, slot)

    def parallel_record(
        self, rid: str, lang: str, f: Frame, slot: str | None, with_alignment: bool
    ) -> dict:
        en = self.render("en", f, slot)
        xx = self.render(lang, f, slot)
        rec = {"id": rid, "src_lang": "en", "tgt_lang": lang, "src": _text(en), "tgt": _text(xx)}
        if with_alignment:
            rec["alignment"] = alignment([r for _, r in en], [r for _, r in xx])
        return rec

    def ner_record(self, rid: str, lang: str, f: Frame) -> dict:
        words = self.render(lang, f)
        return {
            "id": rid,
            "lang": lang,
            "tokens": [w for w, _ in words],
            "tags": ner_tags(self.sem, f, [r for _, r in words]),
        }

    def nli_record(self, rid: str, lang: str, item: tuple) -> dict:
        p, h, label, edit = item
        return {
            "id": rid,
            "lang": lang,
            "premise": _text(self.render(lang, p)),
            "hypothesis": _text(self.render(lang, h)),
            "label": label,
        }

    def context(self, lang: str, frames: list[Frame]) -> tuple[str, list[int], list[list]]:
        sents = [self.render(lang, f) for f in frames]
        starts, pos = [], 0
        for s in sents:
            starts.append(pos)
            pos += len(_text(s)) + 1
        return " ".join(_text(s) for s in sents), starts, sents

    def paragraph_sentences(self, lang: str, paragraphs) -> list[list[str]]:
        return [[_text(self.render(lang, f)) for f in frames] for frames, _ in paragraphs]

    def qa_records(
        self, prefix: str, paragraphs, q_lang: str, c_lang: str, start_q: int = 0
    ) -> list[dict]:
        out = []
        qn = start_q
        for pn, (frames, questions) in enumerate(paragraphs):
            ctx, starts, sents = self.context(c_lang, frames)
            for si, slot in questions:
                words = sents[si]
                roles = ANSWER_ROLES[slot]
                idx = [k for k, (_, r) in enumerate(words) if r in roles]
                offset = starts[si] + sum(len(w) + 1 for w, _ in words[: idx[0]])
                text = " ".join(words[k][0] for k in idx)
                question = _text(self.render(q_lang, frames[si], slot))
                answers = [{"text": text, "answer_start": offset}]
                rid, para = f"{prefix}-{qn:06d}", f"{prefix}-p{pn:06d}"
                out.append(qa_record(rid, q_lang, c_lang, question, ctx, answers, para))
                qn += 1
        return out


def generate_world(cfg: WorldConfig) -> World:
    """Generate every corpus and task set of the synthetic world for ``cfg``."""
    b = _Builder(cfg)
    langs, targets = cfg.languages, cfg.targets

    # ---- evaluation material first (reserved) ----
    nli_test = b.nli_items(b.rng("nli/test"), cfg.n_nli_test, train=False)
    nli_dev = b.nli_items(b.rng("nli/dev"), cfg.n_nli_dev, train=False)
    ner_test = b.frames(b.rng("ner/test"), cfg.n_ner_test, train=False, unique=True)
    ner_dev = b.frames(b.rng("ner/dev"), cfg.n_ner_dev, train=False, unique=True)
    qa_test = b.qa_paragraphs(b.rng("qa/test"), cfg.n_qa_test, train=False)
    qa_dev = b.qa_paragraphs(b.rng("qa/dev"), cfg.n_qa_dev, train=False)
    xsr = b.frames(b.rng("xsr"), cfg.n_xsr, train=False, unique=True)
    heldout = b.frames(b.rng("heldout"), cfg.n_heldout, train=False, unique=True)
    for items in (nli_test, nli_dev):
        b.reserve([x for p, h, _, _ in items for x in (p, h)])
    b.reserve(ner_test + ner_dev + xsr + heldout)
    for paras in (qa_test, qa_dev):
        b.reserve(
            [f for frames, _ in paras for f in frames],
            [(s, frames[i]) for frames, qs in paras for i, s in qs],
        )

    # ---- training side (rejects reserved frames/questions) ----
    rng = b.rng("parallel")
    pool = [b.mono_or_pool_item(rng) for _ in range(cfg.n_parallel)]
    nli_train = b.nli_items(b.rng("nli/train"), cfg.n_nli_train, train=True)
    ner_train = b.frames(b.rng("ner/train"), cfg.n_ner_train, train=True, unique=False)
    qa_train = b.qa_paragraphs(b.rng("qa/train"), cfg.n_qa_train, train=True)

    mono: dict[str, list[str]] = {}
    for lang in langs:
        rng = b.rng(f"mono/{lang}")
        switch = cfg.code_switch_rate if lang != "en" else 0.0
        switch_rng = b.rng(f"code-switch/{lang}")  # its own stream: the frames stay the same
        lines = []
        prev = None
        for i in range(cfg.n_mono):
            if cfg.doc_sentences > 1 and i % cfg.doc_sentences:
                f, slot = b.next_in_document(rng, prev)
            else:
                f, slot = b.mono_or_pool_item(rng)
            prev = f
            words = b.render(lang, f, slot)
            if switch:
                words = code_switch(words, b.render("en", f, slot), switch, switch_rng)
            lines.append(_text(words))
        mono[lang] = lines

    parallel = {
        x: [b.parallel_record(f"par-{i:06d}", x, f, s, True) for i, (f, s) in enumerate(pool)]
        for x in targets
    }
    held = {
        x: [b.parallel_record(f"heldout-{i:06d}", x, f, None, True) for i, f in enumerate(heldout)]
        for x in targets
    }
    xsr_recs = {
        x: [b.parallel_record(f"xsr-{i:06d}", x, f, None, False) for i, f in enumerate(xsr)]
        for x in targets
    }

    train = {
        "nli": [b.nli_record(f"nli-train-{i:06d}", "en", it) for i, it in enumerate(nli_train)],
        "ner": [b.ner_record(f"ner-train-{i:06d}", "en", f) for i, f in enumerate(ner_train)],
        "qa": b.qa_records("qa-train", qa_train, "en", "en"),
    }
    dev = {
        "nli": [b.nli_record(f"nli-dev-{i:06d}", "en", it) for i, it in enumerate(nli_dev)],
        "ner": [b.ner_record(f"ner-dev-{i:06d}", "en", f) for i, f in enumerate(ner_dev)],
        "qa": b.qa_records("qa-dev", qa_dev, "en", "en"),
    }
    ev: dict[tuple[str, str], list[dict]] = {}
    for lang in langs:
        ev[("nli", lang)] = [
            b.nli_record(f"nli-test-{i:06d}", lang, it) for i, it in enumerate(nli_test)
        ]
    for lang in langs:
        ev[("ner", lang)] = [
            b.ner_record(f"ner-test-{i:06d}", lang, f) for i, f in enumerate(ner_test)
        ]
    ev[("qa", "en-en")] = b.qa_records("qa-test", qa_test, "en", "en")
    for x in targets:
        for q, c in ((x, x), ("en", x), (x, "en")):
            ev[("qa", f"{q}-{c}")] = b.qa_records("qa-test", qa_test, q, c)

    paragraphs = {
        ("train", "en"): b.paragraph_sentences("en", qa_train),
        ("dev", "en"): b.paragraph_sentences("en", qa_dev),
    }
    for lang in langs:
        paragraphs[("test", lang)] = b.paragraph_sentences(lang, qa_test)
    stats = _stats(b, mono)
    log.info("synthetic world: seed=%d, %s", cfg.seed, stats["counts"])
    return World(
        config=cfg,
        mono=mono,
        parallel=parallel,
        heldout=held,
        train=train,
        dev=dev,
        eval=ev,
        xsr=xsr_recs,
        stats=stats,
        paragraphs=paragraphs,
        lexicons={x: b.lexicons[x] for x in targets},
        names={x: b.names[x] for x in langs},
    )


def _stats(b: _Builder, mono: dict[str, list[str]]) -> dict[str, Any]:
    cfg = b.cfg
    vocab = {}
    for lang, lines in mono.items():
        words: set[str] = set()
        n_words = 0
        for line in lines:
            ws = line.split()
            n_words += len(ws)
            words.update(ws)
        vocab[lang] = {
            "types": len(words),
            "words_per_sentence": round(n_words / max(len(lines), 1), 3),
        }
    return {
        "counts": {
            "entities": len(b.sem.entities),
            "reserved_frames": len(b.reserved_frames),
            "reserved_questions": len(b.reserved_q),
        },
        "shared_names": {x: round(sum(b.shared[x]) / len(b.shared[x]), 3) for x in cfg.targets},
        "cognates": {x: b.lexicons[x].cognates for x in cfg.targets},
        "mono_vocab": vocab,
    }
