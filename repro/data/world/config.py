"""``WorldConfig``: the ``world.*`` settings of the synthetic world (validated on construction)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from repro.data.world.inventory import (
    LOC_NAMES,
    MAX_NOUNS_PER_CATEGORY,
    ORG_NAMES,
    PER_NAMES,
)
from repro.errors import ConfigError
from repro.records import LANGUAGES, TARGET_LANGUAGES


@dataclass(frozen=True)
class WorldConfig:
    """Every field is a ``world.<name>`` config key. See :mod:`repro.data.synthetic` "Knobs"."""

    # Seed of every random stream (lexicons, names, frames). Same seed -> byte-identical bundle.
    seed: int = 0
    # Languages to emit; "en" first, then any of es, ru, vi, hi (codes of what they stand for).
    languages: tuple[str, ...] = ("en", "es", "ru", "vi", "hi")
    # Probability that an entity keeps its English (Latin-script) name in a target language,
    # decided once per entity and language. Otherwise: transliteration (ru, hi) or a fresh name
    # (es, vi). Shared names are the main anchor that aligns a model pretrained on mono text.
    shared_name_rate: float = 0.5
    # Probability that a content lemma (noun, verb, adjective) of a language is a cognate of the
    # English lemma: es = English stem + es suffixes; vi = English word with a tone mark;
    # ru, hi = transliteration into the script (shares no sub-words with English).
    cognate_es: float = 0.0
    cognate_ru: float = 0.0
    cognate_vi: float = 0.0
    cognate_hi: float = 0.0
    # Target languages rendered subject-object-verb (the rest are SVO). hi is SOV by default.
    sov_languages: tuple[str, ...] = ("hi",)
    # Vocabulary scale: entities of each type, and object nouns per category (8 categories).
    n_per: int = 60
    n_org: int = 30
    n_loc: int = 30
    nouns_per_category: int = 6
    # Frame distribution: probabilities of negation, a digit count on a noun object, a location
    # adjunct, a time adverb, an object adjective, a subject (person) adjective and of naming the
    # object by its category (hypernym) rather than a basic noun.
    p_negation: float = 0.25
    p_count: float = 0.3
    p_location: float = 0.4
    p_time: float = 0.5
    p_obj_adj: float = 0.4
    p_subj_adj: float = 0.3
    p_hypernym: float = 0.15
    # Share of monolingual and parallel-pool sentences that are questions (so wh-words are seen
    # in pretraining and adjustment, as in real text).
    question_rate: float = 0.1
    # QA paragraphs: sentences per context (answer sentence + distractors of the answer's type)
    # and the most questions asked about one paragraph.
    qa_min_sentences: int = 2
    qa_max_sentences: int = 3
    qa_max_questions: int = 2
    # Share of QA paragraphs where a distractor offers another candidate of the answer's type
    # (e.g. a second person for "who"); in the rest the answer's type is unique in the context.
    qa_same_type_rate: float = 0.2
    # Distractors take the other tense, so the question's tense (did/does, tense suffixes and
    # particles) identifies the answer sentence; without it only lexical matching does.
    qa_tense_cue: bool = True
    # Corpus and task sizes (per language for mono; per target language for parallel sets).
    n_mono: int = 40_000  # monolingual (NOT parallel) pretraining sentences per language
    # Monolingual text as documents of this many consecutive sentences (1: independent
    # sentences). After a document's first sentence, each one keeps the previous sentence's
    # subject with probability doc_subject_reuse (when its verb allows it): entities repeat
    # within a document, as in real text. Pretraining sees documents whole with
    # pretrain.sentences_per_row = doc_sentences and pretrain.contiguous_rows = true.
    doc_sentences: int = 1
    doc_subject_reuse: float = 0.6
    # Code-switching in the target languages' monolingual text: each word with a semantic
    # role is replaced by the English word of the same role with this probability (real
    # corpora carry English insertions and loans; 0: none). Only pretraining text changes.
    code_switch_rate: float = 0.0
    n_parallel: int = 2_500  # adjustment pairs per target language, with gold alignments
    n_heldout: int = 300  # held-out parallel pairs per target language (distance analysis)
    n_nli_train: int = 20_000
    n_nli_dev: int = 500
    n_nli_test: int = 1_500
    n_ner_train: int = 6_000
    n_ner_dev: int = 300
    n_ner_test: int = 500
    n_qa_train: int = 10_000
    n_qa_dev: int = 300
    n_qa_test: int = 500
    n_xsr: int = 500

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("languages", "sov_languages"):
                if isinstance(v, list):
                    object.__setattr__(self, f.name, tuple(v))
                    v = tuple(v)
                if not isinstance(v, tuple) or not all(isinstance(x, str) for x in v):
                    raise ConfigError(
                        f"world.{f.name}: expected a list of language codes, got {v!r}"
                    )
            elif f.type == "bool":
                if not isinstance(v, bool):
                    raise ConfigError(f"world.{f.name}: expected true or false, got {v!r}")
            elif f.type == "int":
                if isinstance(v, bool) or not isinstance(v, int):
                    raise ConfigError(f"world.{f.name}: expected an integer, got {v!r}")
                if v < 0:
                    raise ConfigError(f"world.{f.name}: must be >= 0, got {v}")
            elif f.type == "float":
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise ConfigError(f"world.{f.name}: expected a number, got {v!r}")
                if not 0.0 <= float(v) <= 1.0:
                    raise ConfigError(f"world.{f.name}: must be within [0, 1], got {v}")
        langs = self.languages
        if not langs or langs[0] != "en":
            raise ConfigError(f"world.languages: must start with 'en', got {list(langs)}")
        bad = [x for x in langs if x not in LANGUAGES]
        if bad or len(set(langs)) != len(langs):
            raise ConfigError(
                f"world.languages: unknown or repeated codes in {list(langs)}; "
                f"expected distinct codes from {LANGUAGES}"
            )
        bad = [x for x in self.sov_languages if x not in TARGET_LANGUAGES]
        if bad:
            raise ConfigError(f"world.sov_languages: {bad} not target languages {TARGET_LANGUAGES}")
        for name, cap in (
            ("n_per", len(PER_NAMES)),
            ("n_org", len(ORG_NAMES)),
            ("n_loc", len(LOC_NAMES)),
        ):
            v = getattr(self, name)
            if not 4 <= v <= cap:
                raise ConfigError(f"world.{name}: must be within [4, {cap}], got {v}")
        if not 2 <= self.nouns_per_category <= MAX_NOUNS_PER_CATEGORY:
            raise ConfigError(
                f"world.nouns_per_category: must be within "
                f"[2, {MAX_NOUNS_PER_CATEGORY}], got {self.nouns_per_category}"
            )
        if not 2 <= self.qa_min_sentences <= self.qa_max_sentences <= 5:
            raise ConfigError(
                "world.qa_min_sentences/qa_max_sentences: need 2 <= min <= max <= 5, got "
                f"{self.qa_min_sentences}, {self.qa_max_sentences}"
            )
        if not 1 <= self.qa_max_questions <= self.qa_min_sentences:
            raise ConfigError(
                f"world.qa_max_questions: must be within [1, qa_min_sentences="
                f"{self.qa_min_sentences}], got {self.qa_max_questions}"
            )
        if not 1 <= self.doc_sentences <= 16:
            raise ConfigError(
                f"world.doc_sentences: must be within [1, 16], got {self.doc_sentences}"
            )
        if self.question_rate > 0.5:
            raise ConfigError(f"world.question_rate: must be <= 0.5, got {self.question_rate}")

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(x for x in self.languages if x != "en")

    def cognate_rates(self) -> dict[str, float]:
        """``cognate_<lang>`` per target language the world knows."""
        return {lang: getattr(self, f"cognate_{lang}") for lang in ("es", "ru", "vi", "hi")}

    def frame_probs(self) -> dict[str, float]:
        """The ``p_<event>`` knobs of the frame sampler, by event."""
        events = ("negation", "count", "location", "time", "obj_adj", "subj_adj", "hypernym")
        return {event: getattr(self, f"p_{event}") for event in events}


def world_key_config(cfg: WorldConfig) -> dict:
    """The world's settings as they enter cache keys and bundle notes: the document and
    code-switching knobs are left out while they are off, so worlds made before they existed
    keep their keys."""
    from dataclasses import asdict

    out = asdict(cfg)
    if out["doc_sentences"] == 1:
        del out["doc_sentences"], out["doc_subject_reuse"]
    if out["code_switch_rate"] == 0.0:
        del out["code_switch_rate"]
    return out
