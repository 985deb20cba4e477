"""The synthetic multilingual world of the smoke profile (calibration: docs/calibration.md).

English plus four synthetic languages named by the codes they stand for (es, ru, vi, hi) are
rendered from one semantic layer: typed entities (PER, ORG, LOC; some two-word names), 48 object
nouns in 8 categories with their hypernyms, adjectives in antonym pairs, 36 verbs with selectional
restrictions, tense, negation, digit counts, locations and time adverbs. Each language has its own
generated lexicon, morphology, word order and script:

* en: real English words; SVO; articles, plural and tense morphology, do-support.
* es: Latin script with accents; SVO; adjective after the noun; gender/number agreement.
* ru: Cyrillic; SVO with the time adverb first; no articles; count-governed case suffixes.
* vi: Latin with Vietnamese diacritics; isolating (tense/number particles, classifiers).
* hi: Devanagari; SOV; postpositions; present-tense auxiliary.

Sentences are whitespace-separated words without punctuation. Roles carried by every rendered
word give exact gold word alignments (one-to-one; identical-token links such as digits and shared
names are included, the adjust stage drops them as the paper does), NER tags (IOB2) and QA
answer spans. The world yields monolingual (non-parallel) pretraining text, an adjustment pool of
parallel pairs, held-out pairs, English training/dev sets and parallel test sets (ids shared
across languages) for NLI, NER, QA (all q-c pairs) and XSR. Nothing a model trains on contains a
test or dev sentence or question, in any language.

Public API::

    WorldConfig                        # the ``world.*`` config keys
    generate_world(cfg) -> World       # seconds; byte-identical for a seed
    write_bundle(world, out_dir) -> Bundle
    describe_world(world, n_examples=2) -> str   # ``repro world show``

Knobs
-----
Every ``world.*`` key, and how it moves zero-shot transfer (en -> xx) easier or harder. The
defaults follow the world of the first feasibility probe wherever it fixed
a value; QA is redesigned to be learnable (see ``qa_same_type_rate``).

``seed``
    Regenerates lexicons, names and all samples. Verdicts should hold across seeds.
``languages``
    Which languages are emitted ("en" first). Dropping a language does not change the others.
``shared_name_rate`` (0.5)
    Probability that an entity keeps its English name in a target language (for ru/hi a
    Latin-script name inside Cyrillic/Devanagari text). Shared names (with digits, always shared)
    are the anchors that make an MLM trained on non-parallel text weakly multilingual: higher is
    easier. At 0 only digits are shared, the original model is barely aligned and task-level
    gains from adjustment vanish; at 1 names never need transferring.
``cognate_es``, ``cognate_ru``, ``cognate_vi``, ``cognate_hi`` (0.0)
    Share of content lemmas that are cognates of English: es takes the English stem with es
    suffixes, vi the English word with a tone mark (both share sub-words with English: easier);
    ru and hi take a transliteration into their script, which shares no sub-words, so these two
    knobs change relatedness only for a model that knows transliteration (near-neutral here).
``sov_languages`` (("hi",))
    Target languages rendered subject-object-verb. SOV order (crossing alignments, verb far from
    its subject) is the hardest knob for a tiny model: hi stayed at chance on zero-shot NLI in
    every probe run. Emptying it makes hi easier; adding es isolates the word-order effect.
``n_per``, ``n_org``, ``n_loc``, ``nouns_per_category``
    Vocabulary scale. More entities means more (shared or not) names to anchor on but fewer
    occurrences each; fewer nouns per category make the lexicon easier to memorise and transfer.
``p_negation``, ``p_count``, ``p_location``, ``p_time``, ``p_obj_adj``, ``p_subj_adj``,
``p_hypernym``
    The frame distribution. Negation drives the NLI monotonicity cases (harder when higher);
    counts add shared digits (easier); locations and two-word names add NER entities and QA
    "where" answers; adjectives and hypernyms feed the NLI edits.
``question_rate`` (0.1)
    Share of monolingual and parallel-pool sentences that are questions, so wh-words (and their
    target forms) are seen before QA fine-tuning. At 0 target wh-words are unseen in pretraining
    and QA in xx (questions in xx) gets much harder.
``qa_min_sentences``, ``qa_max_sentences``, ``qa_max_questions``
    QA contexts hold the answer sentence plus 1-2 distractor sentences (all sentences differ in
    verb, entities and object noun). More sentences is harder.
``qa_same_type_rate`` (0.2)
    Share of QA paragraphs where a distractor offers a second candidate of the answer's type
    (another person for "who", another count for "how many"...). In the other paragraphs the
    wh-word alone fixes the answer (its type is unique in the context, though other types are
    present), which tests wh-word and entity-type transfer. Higher is harder: a 4-layer,
    hidden-128 BERT learns typing quickly (0.98 English EM with single-sentence contexts) but
    selecting among same-type candidates only slowly (about chance after 3-25 epochs in probes),
    so English EM is roughly 1 - rate/2; keep it <= 0.3 for English EM >= 0.8.
``qa_tense_cue`` (true)
    Distractors take the other tense, so besides the lexical overlap (subject, verb, object) the
    question's tense (en did/does and verb forms; es/ru/hi suffixes; vi particles) also picks
    the answer sentence. Off, only lexical matching selects it. In probes a from-scratch tiny
    BERT did not exploit either cue within 5 epochs, so this knob matters only for models that
    learn sentence selection (the same-type share of questions).
``n_mono``
    Monolingual sentences per language for MLM pretraining (not parallel).
``doc_sentences`` (1), ``doc_subject_reuse`` (0.6)
    Monolingual text as documents of ``doc_sentences`` consecutive sentences whose sentences
    keep the previous one's subject with probability ``doc_subject_reuse``: entities repeat
    within a document as in real text, which gives MLM a reason to match words across
    sentences. Pretraining sees whole documents with ``pretrain.sentences_per_row`` equal to
    it and ``pretrain.contiguous_rows = true``. At 1 (default) sentences are independent and
    the world is byte-identical to worlds made before the knob existed.
``n_parallel``, ``n_heldout``
    Adjustment pairs (with gold alignments) and held-out pairs for the distance analysis, per
    target language; the frames are shared across languages, so ids are too.
``n_nli_*``, ``n_ner_*``, ``n_qa_*``, ``n_xsr``
    Task sizes: English train/dev, per-language test (the same frames in every language).
    NLI labels are exactly balanced; QA counts questions (paragraphs hold 1-``qa_max_questions``).
"""

from __future__ import annotations

from repro.data.world.bundle_io import describe_world, write_bundle
from repro.data.world.config import WorldConfig
from repro.data.world.generate import World, generate_world

__all__ = ["World", "WorldConfig", "describe_world", "generate_world", "write_bundle"]
