"""Realisers: frame -> words, each word tagged with its semantic role.

Roles are what make the world's gold annotations exact: a word's role is the same in every
language, so gold word alignments are the pairs of words sharing a role, NER tags come from the
entity roles and QA answer spans from the asked slot's roles. Function words with no English
counterpart (classifiers, auxiliaries, case postpositions) get the empty role and stay unaligned.

Word order, adjective placement, articles, case, tense marking and question formation differ:

====  =====  ==========  =====================================  ===========================
lang  order  adjective   morphology                             questions
====  =====  ==========  =====================================  ===========================
en    SVO    before      real English (do-support, plurals)      fronted wh, do-support
es    SVO    after       gender/number suffixes, tense suffix    fronted wh
ru    SVO    before      case/number suffixes (count-governed)   fronted wh; time first
vi    SVO    after       none: tense/number particles, classif.  wh in situ
hi    SOV    before      number suffixes, postpositions, aux     wh in situ
====  =====  ==========  =====================================  ===========================

Any target language listed in ``WorldConfig.sov_languages`` is rendered SOV.
"""

from __future__ import annotations

from repro.data.world.frames import Frame, Semantics
from repro.data.world.inventory import (
    LOC,
    NOUN_ADJ_PAIRS,
    ORG,
    PER,
    PERSON_ADJ_PAIRS,
    TIME_ADVERBS,
    VERBS,
)
from repro.data.world.lexicon import Lexicon

Word = tuple[str, str]  # (surface, role)

SLOT_CONSTITUENT = {
    "who_s": "S",
    "company_s": "S",
    "who_o": "O",
    "company_o": "O",
    "what": "O",
    "how_many": "O",
    "where": "L",
}
ANSWER_ROLES = {
    "who_s": ("S0", "S1"),
    "company_s": ("S0", "S1"),
    "who_o": ("O0", "O1"),
    "company_o": ("O0", "O1"),
    "what": ("ON",),
    "how_many": ("CNT",),
    "where": ("L0", "L1"),
}
_NAME_ROLES = {"S": ("S0", "S1"), "O": ("O0", "O1"), "L": ("L0", "L1")}
_DIGITS = tuple(str(d) for d in range(10))


class Realiser:
    """Shared skeleton: constituents are built per language, then ordered."""

    code = ""
    time_pos = "end"  # "start" | "end" | "after_subj"
    wh_front = True

    def __init__(self, sem: Semantics, names: list[tuple[str, ...]], sov: bool) -> None:
        self.sem = sem
        self.names = names
        self.sov = sov
        self._name_words = {
            slot: [[(w, roles[k]) for k, w in enumerate(name)] for name in names]
            for slot, roles in _NAME_ROLES.items()
        }

    # -- pieces every language shares
    def name(self, ent: int, slot: str) -> list[Word]:
        """Cached word list of an entity name (callers concatenate, never mutate it)."""
        return self._name_words[slot][ent]

    def constituents(self, f: Frame) -> dict[str, list[Word]]:
        return {
            "S": self.subject(f),
            "V": self.verb(f),
            "O": self.obj(f),
            "L": self.location(f.loc) if f.loc >= 0 else [],
            "T": self.time(f.time) if f.time >= 0 else [],
        }

    def arrange(self, c: dict[str, list[Word]]) -> list[Word]:
        t = c["T"]
        out: list[Word] = []
        if self.time_pos == "start":
            out += t
        out += c["S"]
        if self.time_pos == "after_subj":
            out += t
        out += (c["L"] + c["O"] + c["V"]) if self.sov else (c["V"] + c["O"] + c["L"])
        if self.time_pos == "end":
            out += t
        return out

    def sentence(self, f: Frame) -> list[Word]:
        return self.arrange(self.constituents(f))

    def question(self, f: Frame, slot: str) -> list[Word]:
        c = self.constituents(f)
        key = SLOT_CONSTITUENT[slot]
        wh = self.wh(slot, f)
        if self.wh_front:
            c[key] = []
            return wh + self.arrange(c)
        c[key] = wh
        return self.arrange(c)

    def obj(self, f: Frame) -> list[Word]:
        if f.obj_ent:
            return self.entity_obj(f.obj)
        return self.np(f.obj, f.count, f.obj_adj)

    def entity_obj(self, ent: int) -> list[Word]:
        return self.name(ent, "O")

    def wh(self, slot: str, f: Frame) -> list[Word]:
        if slot in ("who_s", "who_o"):
            out = [(self.lex.func["WHO"], "WH")]
        elif slot in ("company_s", "company_o"):
            out = self.which_company()
        elif slot == "what":
            out = [(self.lex.func["WHAT"], "WH")]
        elif slot == "where":
            out = [(self.lex.func["WHERE"], "WH")]
        else:
            return self.np(f.obj, -1, f.obj_adj)
        if slot in ("who_o", "company_o"):
            out = out + self.object_marker(f.obj)
        return out

    def which_company(self) -> list[Word]:
        return [(self.lex.func["WHICH"], "WH"), (self.lex.func["COMPANY"], "WHN")]

    def object_marker(self, ent: int) -> list[Word]:
        return []

    def location(self, loc: int) -> list[Word]:
        return [(self.lex.func["LOCP"], "LP")] + self.name(loc, "L")

    def time(self, t: int) -> list[Word]:
        return [(self.lex.time_words[t], "T")]

    # -- per language
    lex: Lexicon

    def subject(self, f: Frame) -> list[Word]:  # pragma: no cover - abstract
        raise NotImplementedError

    def verb(self, f: Frame) -> list[Word]:  # pragma: no cover - abstract
        raise NotImplementedError

    def np(self, noun: int, count: int, adj: int) -> list[Word]:  # pragma: no cover - abstract
        """Noun phrase; ``count`` 0 = singular, 2..9 = digit, -1 = "how many" question."""
        raise NotImplementedError


class English(Realiser):
    code = "en"

    def __init__(self, sem: Semantics, names: list[tuple[str, ...]], sov: bool = False) -> None:
        super().__init__(sem, names, False)
        self.nadj = [w for pair in NOUN_ADJ_PAIRS for w in pair]
        self.padj = [w for pair in PERSON_ADJ_PAIRS for w in pair]
        self.times = [w for group in TIME_ADVERBS for w in group]

    def subject(self, f: Frame) -> list[Word]:
        head = [(self.padj[f.subj_adj], "SA")] if f.subj_adj >= 0 else []
        return head + self.name(f.subj, "S")

    def verb(self, f: Frame) -> list[Word]:
        v = VERBS[f.verb]
        if f.neg:
            return [("did" if f.tense == 0 else "does", ""), ("not", "NEG"), (v.base, "V")]
        return [(v.past if f.tense == 0 else v.third, "V")]

    def np(self, noun: int, count: int, adj: int) -> list[Word]:
        sg, pl = self.sem.noun_forms[noun]
        tail = ([(self.nadj[adj], "OA")] if adj >= 0 else []) + [(sg if count == 0 else pl, "ON")]
        if count == 0:
            art = "an" if tail[0][0][0] in "aeiou" else "a"
            return [(art, "ART")] + tail
        if count < 0:
            return [("how", "WH"), ("many", "")] + tail
        return [(_DIGITS[count], "CNT")] + tail

    def location(self, loc: int) -> list[Word]:
        return [("in", "LP")] + self.name(loc, "L")

    def time(self, t: int) -> list[Word]:
        return [(self.times[t], "T")]

    def wh(self, slot: str, f: Frame) -> list[Word]:
        if slot in ("who_s", "who_o"):
            return [("who", "WH")]
        if slot in ("company_s", "company_o"):
            return [("which", "WH"), ("company", "WHN")]
        if slot == "what":
            return [("what", "WH")]
        if slot == "where":
            return [("where", "WH")]
        return self.np(f.obj, -1, f.obj_adj)

    def question(self, f: Frame, slot: str) -> list[Word]:
        key = SLOT_CONSTITUENT[slot]
        c = self.constituents(f)
        if key == "S":  # "who ate an apple"
            c["S"] = self.wh(slot, f)
            return self.arrange(c)
        # "what did Anna (not) eat yesterday": do-support, subject after the auxiliary
        c[key] = []
        neg = [("not", "NEG")] if f.neg else []
        return (
            self.wh(slot, f)
            + [("did" if f.tense == 0 else "does", "")]
            + c["S"]
            + neg
            + [(VERBS[f.verb].base, "V")]
            + c["O"]
            + c["L"]
            + c["T"]
        )


class Derived(Realiser):
    """A target language: its stems and function words come from the generated lexicon."""

    def __init__(
        self, sem: Semantics, names: list[tuple[str, ...]], lex: Lexicon, sov: bool
    ) -> None:
        super().__init__(sem, names, sov)
        self.lex = lex


class SpanishLike(Derived):
    """Latin script with accents; SVO; adjective after the noun with gender/number agreement."""

    code = "es"

    def __init__(
        self, sem: Semantics, names: list[tuple[str, ...]], lex: Lexicon, sov: bool
    ) -> None:
        super().__init__(sem, names, lex, sov)
        f = lex.func
        self.nouns = [
            (s + "oa"[g], s + "oa"[g] + "s")
            for s, g in zip(lex.noun_stems, lex.noun_class, strict=True)
        ]
        self.arts = (f["ART_M"], f["ART_F"])
        self.verbs = [
            ((s + "ó", s + "a") if c == 0 else (s + "ió", s + "e"))
            for s, c in zip(lex.verb_stems, lex.verb_class, strict=True)
        ]

    def subject(self, f: Frame) -> list[Word]:
        tail = [(self.lex.padj_stems[f.subj_adj] + "e", "SA")] if f.subj_adj >= 0 else []
        return self.name(f.subj, "S") + tail

    def verb(self, f: Frame) -> list[Word]:
        v = [(self.verbs[f.verb][f.tense], "V")]
        return [(self.lex.func["NEG"], "NEG")] + v if f.neg else v

    def np(self, noun: int, count: int, adj: int) -> list[Word]:
        g = self.lex.noun_class[noun]
        plural = count != 0
        out: list[Word]
        if count == 0:
            out = [(self.arts[g], "ART")]
        elif count < 0:
            out = [(self.lex.func["HOWMANY"], "WH")]
        else:
            out = [(_DIGITS[count], "CNT")]
        out.append((self.nouns[noun][plural], "ON"))
        if adj >= 0:
            out.append((self.lex.nadj_stems[adj] + "oa"[g] + ("s" if plural else ""), "OA"))
        return out


class RussianLike(Derived):
    """Cyrillic; SVO; no article; accusative and count-governed case suffixes; time first."""

    code = "ru"
    time_pos = "start"

    def subject(self, f: Frame) -> list[Word]:
        head = [(self.lex.padj_stems[f.subj_adj] + "ый", "SA")] if f.subj_adj >= 0 else []
        return head + self.name(f.subj, "S")

    def verb(self, f: Frame) -> list[Word]:
        v = [(self.lex.verb_stems[f.verb] + ("ал", "ает")[f.tense], "V")]
        return [(self.lex.func["NEG"], "NEG")] + v if f.neg else v

    def np(self, noun: int, count: int, adj: int) -> list[Word]:
        stem = self.lex.noun_stems[noun]
        out: list[Word] = []
        if count == 0:
            n_suf, a_suf = "у", "ую"
        else:
            n_suf, a_suf = ("а" if 2 <= count <= 4 else "ов"), "ых"
            out.append((self.lex.func["HOWMANY"], "WH") if count < 0 else (_DIGITS[count], "CNT"))
        if adj >= 0:
            out.append((self.lex.nadj_stems[adj] + a_suf, "OA"))
        out.append((stem + n_suf, "ON"))
        return out


class VietLike(Derived):
    """Latin with Vietnamese diacritics; isolating: particles for tense and number, classifiers,
    adjective after the noun, wh in situ."""

    code = "vi"
    wh_front = False

    def subject(self, f: Frame) -> list[Word]:
        tail = [(self.lex.padj_stems[f.subj_adj], "SA")] if f.subj_adj >= 0 else []
        return self.name(f.subj, "S") + tail

    def verb(self, f: Frame) -> list[Word]:
        out = [(self.lex.func["PAST" if f.tense == 0 else "PRES"], "")]
        if f.neg:
            out.append((self.lex.func["NEG"], "NEG"))
        out.append((self.lex.verb_stems[f.verb], "V"))
        return out

    def np(self, noun: int, count: int, adj: int) -> list[Word]:
        if count == 0:
            out = [(self.lex.func["ONE"], "ART")]
        elif count < 0:
            out = [(self.lex.func["HOWMANY"], "WH")]
        else:
            out = [(_DIGITS[count], "CNT")]
        out.append((self.lex.classifiers[self.sem.noun_cat[noun]], ""))
        out.append((self.lex.noun_stems[noun], "ON"))
        if adj >= 0:
            out.append((self.lex.nadj_stems[adj], "OA"))
        return out

    def which_company(self) -> list[Word]:
        return [(self.lex.func["COMPANY"], "WHN"), (self.lex.func["WHICH"], "WH")]


class HindiLike(Derived):
    """Devanagari; SOV; adjective before the noun with number agreement; postpositions for
    location and animate/organisation objects; present tense takes an auxiliary."""

    code = "hi"
    time_pos = "after_subj"
    wh_front = False

    def subject(self, f: Frame) -> list[Word]:
        head = [(self.lex.padj_stems[f.subj_adj] + "\u093e", "SA")] if f.subj_adj >= 0 else []
        return head + self.name(f.subj, "S")

    def verb(self, f: Frame) -> list[Word]:
        stem = self.lex.verb_stems[f.verb]
        out = [(self.lex.func["NEG"], "NEG")] if f.neg else []
        out.append((stem + ("\u093e", "\u0924\u093e")[f.tense], "V"))
        if f.tense == 1:
            out.append((self.lex.func["AUX"], ""))
        return out

    def np(self, noun: int, count: int, adj: int) -> list[Word]:
        plural = count != 0
        out: list[Word] = []
        if count < 0:
            out.append((self.lex.func["HOWMANY"], "WH"))
        elif count > 0:
            out.append((_DIGITS[count], "CNT"))
        if adj >= 0:
            out.append((self.lex.nadj_stems[adj] + ("\u0947" if plural else "\u093e"), "OA"))
        stem = self.lex.noun_stems[noun]
        out.append((stem + "\u0947\u0902" if plural else stem, "ON"))
        return out

    def object_marker(self, ent: int) -> list[Word]:
        return [(self.lex.func["ACC"], "")] if self.sem.etype[ent] in (PER, ORG) else []

    def entity_obj(self, ent: int) -> list[Word]:
        return self.name(ent, "O") + self.object_marker(ent)

    def location(self, loc: int) -> list[Word]:
        return self.name(loc, "L") + [(self.lex.func["LOCP"], "LP")]


TARGET_REALISERS = {"es": SpanishLike, "ru": RussianLike, "vi": VietLike, "hi": HindiLike}


def alignment(src_roles: list[str], tgt_roles: list[str]) -> list[list[int]]:
    """Gold one-to-one links: words sharing a (non-empty) role. Roles are unique per sentence."""
    pos = {r: j for j, r in enumerate(tgt_roles) if r}
    return [[i, pos[r]] for i, r in enumerate(src_roles) if r and r in pos]


def ner_tags(sem: Semantics, f: Frame, roles: list[str]) -> list[str]:
    """IOB2 tags from entity roles (second word of a two-word name is I-)."""
    types = {"S": sem.etype[f.subj], "L": LOC}
    if f.obj_ent:
        types["O"] = sem.etype[f.obj]
    out = []
    for r in roles:
        if len(r) == 2 and r[0] in types and r[1] in "01":
            out.append(("B-" if r[1] == "0" else "I-") + types[r[0]])
        else:
            out.append("O")
    return out


__all__ = [
    "ANSWER_ROLES",
    "English",
    "Realiser",
    "TARGET_REALISERS",
    "Word",
    "alignment",
    "ner_tags",
]
