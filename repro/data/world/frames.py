"""Semantic frames: sampling under selectional restrictions, NLI edits with monotonicity, keys.

A frame is one event (subject, verb, object, optional location and time, polarity, tense).
Every language renders frames deterministically, so two sentences are equal exactly when their
frames are, and leak checks can work on frames and question keys.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from repro.data.world.inventory import (
    ALL_CATS,
    CATEGORIES,
    LOC,
    LOC_NAMES,
    NOUN_ADJ_PAIRS,
    ORG,
    ORG_NAMES,
    PER,
    PER_NAMES,
    PERSON_ADJ_PAIRS,
    VERBS,
    category_index,
    nouns_by_category,
)

# QA slots: what a question asks for, and the answer's type.
SLOTS: tuple[str, ...] = ("who_s", "who_o", "company_s", "company_o", "what", "how_many", "where")

LABELS = ("entailment", "neutral", "contradiction")
ENT, NEU, CON = LABELS


class Frame(NamedTuple):
    subj: int  # entity id
    subj_adj: int  # person adjective id or -1 (PER subjects only)
    neg: bool
    verb: int
    tense: int  # 0 past, 1 present
    time: int  # time adverb id (tense * 2 + k) or -1
    obj: int  # noun id, or entity id when obj_ent
    obj_ent: bool
    count: int  # 0 = singular with indefinite article; 2..9 = digit count
    obj_adj: int  # noun adjective id or -1 (noun objects only)
    loc: int  # LOC entity id or -1


class Semantics:
    """The inventory cut to the configured sizes, with lookup tables for fast sampling."""

    def __init__(
        self, n_per: int, n_org: int, n_loc: int, nouns_per_category: int, probs: dict[str, float]
    ) -> None:
        self.entities: list[tuple[tuple[str, ...], str]] = []
        for names, etype, n in (
            (PER_NAMES, PER, n_per),
            (ORG_NAMES, ORG, n_org),
            (LOC_NAMES, LOC, n_loc),
        ):
            for name in names[:n]:
                self.entities.append((tuple(name.split()), etype))
        self.by_type = {
            t: tuple(i for i, (_, et) in enumerate(self.entities) if et == t)
            for t in (PER, ORG, LOC)
        }
        self.etype = [et for _, et in self.entities]
        # nouns: object nouns (category-major, all 6 per category ids kept stable), hypernyms after
        cats = nouns_by_category()
        self.n_obj_nouns_total = sum(len(c) for c in cats)
        self.noun_forms: list[tuple[str, str]] = [f for c in cats for f in c] + list(CATEGORIES)
        self.noun_cat: list[int] = [ci for ci, c in enumerate(cats) for _ in c] + list(
            range(len(CATEGORIES))
        )
        self.hyper = tuple(self.n_obj_nouns_total + ci for ci in range(len(CATEGORIES)))
        off = [sum(len(c) for c in cats[:ci]) for ci in range(len(cats))]
        self.cat_nouns = tuple(
            tuple(off[ci] + k for k in range(nouns_per_category)) for ci in range(len(cats))
        )
        # verbs
        self.verb_subjects: list[tuple[int, ...]] = []
        self.verb_cats: list[tuple[int, ...]] = []
        self.verb_obj_ents: list[tuple[int, ...]] = []
        for v in VERBS:
            self.verb_subjects.append(tuple(i for t in v.subj for i in self.by_type[t]))
            if v.obj_is_entity:
                self.verb_cats.append(())
                self.verb_obj_ents.append(self.by_type[v.obj[0]])
            else:
                cis = (
                    tuple(range(len(CATEGORIES)))
                    if v.obj == (ALL_CATS,)
                    else tuple(category_index(c) for c in v.obj)
                )
                self.verb_cats.append(cis)
                self.verb_obj_ents.append(())
        self.verb_obj_type = [v.obj[0] if v.obj_is_entity else "N" for v in VERBS]
        self.verb_subj_mixed = [len(v.subj) > 1 for v in VERBS]
        self.n_padj = 2 * len(PERSON_ADJ_PAIRS)
        self.n_nadj = 2 * len(NOUN_ADJ_PAIRS)
        self.p = probs
        # verbs compatible with each forced slot
        self.slot_verbs = {
            "who_s": self._verbs(lambda v: PER in VERBS[v].subj),
            "company_s": self._verbs(lambda v: ORG in VERBS[v].subj),
            "who_o": self._verbs(lambda v: self.verb_obj_type[v] == PER),
            "company_o": self._verbs(lambda v: self.verb_obj_type[v] == ORG),
            "what": self._verbs(lambda v: self.verb_obj_type[v] == "N"),
            "how_many": self._verbs(lambda v: self.verb_obj_type[v] == "N"),
            "where": self._verbs(lambda v: self.verb_obj_type[v] != LOC),
            None: tuple(range(len(VERBS))),
        }

    def _verbs(self, pred) -> tuple[int, ...]:
        return tuple(v for v in range(len(VERBS)) if pred(v))

    def is_hypernym(self, noun: int) -> bool:
        return noun >= self.n_obj_nouns_total

    # ------------------------------------------------------------------ sampling

    def sample(self, rng: random.Random, want: str | None = None) -> Frame:
        """Sample a frame; ``want`` forces the QA slot to exist (e.g. "where" forces a location)."""
        p = self.p
        verb = rng.choice(self.slot_verbs[want])
        subjects = self.verb_subjects[verb]
        if want == "who_s":
            subjects = self.by_type[PER]
        elif want == "company_s":
            subjects = self.by_type[ORG]
        elif self.verb_subj_mixed[verb]:
            # PER subjects are the common case
            subjects = self.by_type[PER if rng.random() < 0.7 else ORG]
        subj = rng.choice(subjects)
        subj_adj = (
            rng.randrange(self.n_padj)
            if self.etype[subj] == PER and rng.random() < p["subj_adj"]
            else -1
        )
        cats = self.verb_cats[verb]
        if cats:
            ci = rng.choice(cats)
            obj = (
                self.hyper[ci]
                if want not in ("what",) and rng.random() < p["hypernym"]
                else rng.choice(self.cat_nouns[ci])
            )
            count = rng.randint(2, 9) if want == "how_many" or rng.random() < p["count"] else 0
            obj_adj = rng.randrange(self.n_nadj) if rng.random() < p["obj_adj"] else -1
            obj_ent = False
        else:
            choices = self.verb_obj_ents[verb]
            obj = rng.choice(choices)
            while obj == subj:
                obj = rng.choice(choices)
            count, obj_adj, obj_ent = 0, -1, True
        if self.verb_obj_type[verb] != LOC and (want == "where" or rng.random() < p["location"]):
            loc = rng.choice(self.by_type[LOC])
        else:
            loc = -1
        neg = rng.random() < p["negation"]
        tense = rng.randrange(2)
        time = tense * 2 + rng.randrange(2) if rng.random() < p["time"] else -1
        return Frame(subj, subj_adj, neg, verb, tense, time, obj, obj_ent, count, obj_adj, loc)

    # ------------------------------------------------------------------ QA slots

    def slots(self, f: Frame) -> list[str]:
        """QA slots this frame can answer (each with a unique answer in the sentence)."""
        out = []
        st = self.etype[f.subj]
        out.append("who_s" if st == PER else "company_s")
        if f.obj_ent:
            ot = self.etype[f.obj]
            if ot == PER:
                out.append("who_o")
            elif ot == ORG:
                out.append("company_o")
        else:
            out.append("what")
            if f.count:
                out.append("how_many")
        if f.loc >= 0:
            out.append("where")
        return out

    def entities_of(self, f: Frame) -> set[int]:
        ents = {f.subj}
        if f.obj_ent:
            ents.add(f.obj)
        if f.loc >= 0:
            ents.add(f.loc)
        return ents

    def n_candidates(self, f: Frame, slot: str) -> int:
        """How many words of ``f`` have the answer type of ``slot`` (possible answers)."""
        if slot in ("who_s", "who_o", "company_s", "company_o"):
            want = PER if slot.startswith("who") else ORG
            n = self.etype[f.subj] == want
            return n + (f.obj_ent and self.etype[f.obj] == want)
        if slot == "where":
            return (f.loc >= 0) + (f.obj_ent and self.etype[f.obj] == LOC)
        if slot == "how_many":
            return int(f.count > 0)
        return int(not f.obj_ent)  # what


def question_key(slot: str, f: Frame) -> tuple:
    """Identity of the question text: the frame minus the asked slot."""
    if slot in ("who_s", "company_s"):
        f = f._replace(subj=-1, subj_adj=-1)
    elif slot in ("who_o", "company_o"):
        f = f._replace(obj=-1)
    elif slot == "what":
        f = f._replace(obj=-1, count=-1, obj_adj=-1)
    elif slot == "how_many":
        f = f._replace(count=-1)
    elif slot == "where":
        f = f._replace(loc=-1)
    return (slot, *f)


# ----------------------------------------------------------------------------- NLI edits
# Upward edits (premise entails hypothesis when affirmative) swap to neutral under negation;
# downward edits do the reverse. This is the monotonicity of negation.
# Contradictions assume the premise and hypothesis describe one event (SNLI convention).


def _upward(neg: bool) -> str:
    return NEU if neg else ENT


def _downward(neg: bool) -> str:
    return ENT if neg else NEU


def _aff_contra(neg: bool) -> str:
    return NEU if neg else CON


class _Edit(NamedTuple):
    name: str
    label: object  # callable(neg) -> label
    applies: object  # callable(sem, f) -> bool
    apply: object  # callable(sem, f, rng) -> Frame


def _change_subj(sem: Semantics, f: Frame, rng: random.Random) -> Frame:
    choices = sem.verb_subjects[f.verb]
    while True:
        s = rng.choice(choices)
        if s != f.subj and not (f.obj_ent and s == f.obj):
            break
    return f._replace(subj=s, subj_adj=f.subj_adj if sem.etype[s] == PER else -1)


def _new_count(f: Frame, rng: random.Random) -> Frame:
    c = f.count
    while c == f.count:
        c = rng.randint(2, 9)
    return f._replace(count=c)


def _change_tense(f: Frame, rng: random.Random) -> Frame:
    t = 1 - f.tense
    return f._replace(tense=t, time=t * 2 + rng.randrange(2))


EDITS: tuple[_Edit, ...] = (
    _Edit(
        "drop_obj_adj", _upward, lambda s, f: f.obj_adj >= 0, lambda s, f, r: f._replace(obj_adj=-1)
    ),
    _Edit(
        "hypernym",
        _upward,
        lambda s, f: not f.obj_ent and not s.is_hypernym(f.obj),
        lambda s, f, r: f._replace(obj=s.hyper[s.noun_cat[f.obj]]),
    ),
    _Edit("drop_loc", _upward, lambda s, f: f.loc >= 0, lambda s, f, r: f._replace(loc=-1)),
    _Edit("drop_time", _upward, lambda s, f: f.time >= 0, lambda s, f, r: f._replace(time=-1)),
    _Edit(
        "add_obj_adj",
        _downward,
        lambda s, f: not f.obj_ent and f.obj_adj < 0,
        lambda s, f, r: f._replace(obj_adj=r.randrange(s.n_nadj)),
    ),
    _Edit(
        "hyponym",
        _downward,
        lambda s, f: not f.obj_ent and s.is_hypernym(f.obj),
        lambda s, f, r: f._replace(obj=r.choice(s.cat_nouns[s.noun_cat[f.obj]])),
    ),
    _Edit(
        "add_loc",
        _downward,
        lambda s, f: f.loc < 0 and s.verb_obj_type[f.verb] != LOC,
        lambda s, f, r: f._replace(loc=r.choice(s.by_type[LOC])),
    ),
    _Edit(
        "add_time",
        _downward,
        lambda s, f: f.time < 0,
        lambda s, f, r: f._replace(time=f.tense * 2 + r.randrange(2)),
    ),
    _Edit(
        "drop_subj_adj",
        lambda neg: ENT,
        lambda s, f: f.subj_adj >= 0,
        lambda s, f, r: f._replace(subj_adj=-1),
    ),
    _Edit(
        "add_subj_adj",
        lambda neg: NEU,
        lambda s, f: f.subj_adj < 0 and s.etype[f.subj] == PER,
        lambda s, f, r: f._replace(subj_adj=r.randrange(s.n_padj)),
    ),
    _Edit(
        "change_subj", lambda neg: NEU, lambda s, f: len(s.verb_subjects[f.verb]) > 2, _change_subj
    ),
    _Edit(
        "flip_neg", lambda neg: CON, lambda s, f: True, lambda s, f, r: f._replace(neg=not f.neg)
    ),
    _Edit(
        "subj_antonym",
        lambda neg: CON,
        lambda s, f: f.subj_adj >= 0,
        lambda s, f, r: f._replace(subj_adj=f.subj_adj ^ 1),
    ),
    _Edit(
        "obj_antonym",
        _aff_contra,
        lambda s, f: f.obj_adj >= 0,
        lambda s, f, r: f._replace(obj_adj=f.obj_adj ^ 1),
    ),
    _Edit(
        "change_tense", _aff_contra, lambda s, f: f.time >= 0, lambda s, f, r: _change_tense(f, r)
    ),
    _Edit("change_count", _aff_contra, lambda s, f: f.count >= 2, lambda s, f, r: _new_count(f, r)),
)


def nli_hypothesis(
    sem: Semantics, premise: Frame, label: str, rng: random.Random
) -> tuple[Frame, str] | None:
    """An edit of ``premise`` whose gold label is ``label``; None when no edit gives it."""
    cands = [e for e in EDITS if e.applies(sem, premise) and e.label(premise.neg) == label]
    if not cands:
        return None
    e = rng.choice(cands)
    return e.apply(sem, premise, rng), e.name
