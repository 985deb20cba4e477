"""The tiny multilingual BERT of the smoke/mini profiles: a WordPiece tokenizer and a BertConfig.

The tokenizer never strips accents: ``BertNormalizer(lowercase=True)`` strips them by default,
which turns Devanagari ``नमस्ते`` into ``नमसत`` and Vietnamese ``Tiếng`` into ``tieng``
(measured on this project's machine), destroying exactly the scripts the paper is about.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keep `import repro.model.tiny` free of the experiment config's imports
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    from repro.config import ModelConfig

SPECIAL_TOKENS: tuple[str, ...] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# Latin, accented Latin, Cyrillic, Vietnamese and Devanagari words (test fixtures only).
DEFAULT_TEXTS: tuple[str, ...] = (
    "The quick brown fox jumps over 3 lazy dogs in Paris .",
    "Maria bought two red books at the market yesterday .",
    "El niño comió años de pan en la ciudad pequeña .",
    "La señora García está en Málaga con sus hijos .",
    "Привет , мир ! Мария купила две красные книги .",
    "Москва — столица России , там живёт Иван .",
    "Tiếng Việt là ngôn ngữ của người Việt Nam .",
    "Nguyễn thường đọc sách ở Hà Nội vào buổi sáng .",
    "नमस्ते दुनिया , मारिया ने दो किताबें खरीदीं ।",
    "दिल्ली भारत की राजधानी है और वहाँ बहुत लोग रहते हैं ।",
)


def learn_wordpiece_vocab(
    word_counts: Mapping[str, int],
    vocab_size: int,
    *,
    special_tokens: Sequence[str] = SPECIAL_TOKENS,
    prefix: str = "##",
) -> list[str]:
    """WordPiece vocabulary by BPE merges (as the ``tokenizers`` trainer), fully deterministic.

    The ``tokenizers`` trainer breaks ties between equally frequent pairs by hash order, so two
    runs on the same lines give different vocabularies (and ids). Here ties go to the
    lexicographically smallest pair and ids are: specials, sorted characters, sorted
    ``##characters``, then merges in order. Returns the tokens in id order.
    """
    words: list[list[str]] = []
    counts: list[int] = []
    alphabet: set[str] = set()
    for w, c in sorted(word_counts.items()):
        if c <= 0 or not w:
            continue
        syms = [w[0]] + [prefix + ch for ch in w[1:]]
        words.append(syms)
        counts.append(int(c))
        alphabet.update(syms)
    vocab = list(dict.fromkeys(special_tokens))
    seen = set(vocab)
    for tok in sorted(alphabet, key=lambda t: (t.startswith(prefix) and len(t) > 1, t)):
        if tok not in seen:
            vocab.append(tok)
            seen.add(tok)
    pair_count: dict[tuple[str, str], int] = defaultdict(int)
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, syms in enumerate(words):
        for pair in pairwise(syms):
            pair_count[pair] += counts[i]
            where[pair].add(i)
    heap = [(-c, pair) for pair, c in pair_count.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) <= 0 or -neg != pair_count[pair]:
            continue  # stale entry: the current count was pushed when it changed
        a, b = pair
        merged = a + b[len(prefix) :]
        if merged not in seen:
            vocab.append(merged)
            seen.add(merged)
        changed: set[tuple[str, str]] = set()
        for i in sorted(where.pop(pair)):
            syms, c = words[i], counts[i]
            for q in pairwise(syms):
                pair_count[q] -= c
                changed.add(q)
            out: list[str] = []
            j = 0
            while j < len(syms):
                if j + 1 < len(syms) and syms[j] == a and syms[j + 1] == b:
                    out.append(merged)
                    j += 2
                else:
                    out.append(syms[j])
                    j += 1
            for q in pairwise(out):
                pair_count[q] += c
                where[q].add(i)
                changed.add(q)
            words[i] = out
        for q in sorted(changed):
            if pair_count[q] > 0:
                heapq.heappush(heap, (-pair_count[q], q))
    return vocab


def train_wordpiece(
    lines: Iterable[str], vocab_size: int, *, lowercase: bool = False, model_max_length: int = 512
) -> PreTrainedTokenizerFast:
    """A BERT-style WordPiece tokenizer; the same lines (in any order) give the same tokenizer."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertTokenizerFast

    if vocab_size <= len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must exceed {len(SPECIAL_TOKENS)} special tokens")
    normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=lowercase
    )
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    raw = Counter(w for line in lines for w in line.split())
    # Both steps act within whitespace words, so counting words first is exact and fast.
    counts: Counter[str] = Counter()
    for word, c in raw.items():
        for piece, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(word)):
            counts[piece] += c
    vocab = learn_wordpiece_vocab(counts, vocab_size)
    tok = Tokenizer(
        models.WordPiece(
            {t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", continuing_subword_prefix="##"
        )
    )
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))],
    )
    # do_lower_case / strip_accents are recorded in tokenizer_config.json so a reload rebuilds
    # the same normaliser.
    return BertTokenizerFast(
        tokenizer_object=tok,
        do_lower_case=lowercase,
        strip_accents=False,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
        model_max_length=model_max_length,
    )


def tiny_bert_config(model_cfg: ModelConfig, vocab_size: int) -> BertConfig:
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=model_cfg.hidden_size,
        num_hidden_layers=model_cfg.num_hidden_layers,
        num_attention_heads=model_cfg.num_attention_heads,
        intermediate_size=model_cfg.intermediate_size,
        max_position_embeddings=model_cfg.max_position_embeddings,
        type_vocab_size=2,
        pad_token_id=0,
    )


def _seeded_build(factory, seed: int):
    """Random init from ``seed`` without touching the caller's global torch RNG."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return factory()


def make_tiny_encoder(
    model_cfg: ModelConfig, vocab_size: int, *, seed: int = 0, add_pooling_layer: bool = True
) -> BertModel:
    from transformers import BertModel

    config = tiny_bert_config(model_cfg, vocab_size)
    return _seeded_build(lambda: BertModel(config, add_pooling_layer=add_pooling_layer), seed)


def make_tiny_mlm(model_cfg: ModelConfig, vocab_size: int, *, seed: int = 0):
    """A ``BertForMaskedLM`` (decoder tied to the word embeddings) for pretraining."""
    from transformers import BertForMaskedLM

    config = tiny_bert_config(model_cfg, vocab_size)
    return _seeded_build(lambda: BertForMaskedLM(config), seed)


class _Dims:
    """Duck-typed stand-in for ModelConfig (tests must not need the full experiment config)."""

    def __init__(self, hidden: int, layers: int, heads: int, max_positions: int = 128) -> None:
        self.hidden_size = hidden
        self.num_hidden_layers = layers
        self.num_attention_heads = heads
        self.intermediate_size = 4 * hidden
        self.max_position_embeddings = max_positions


def tiny_test_model(
    texts: list[str] | None = None,
    *,
    hidden: int = 32,
    layers: int = 2,
    heads: int = 2,
    vocab: int = 300,
    seed: int = 0,
) -> tuple[BertModel, PreTrainedTokenizerFast]:
    """A random-init encoder + tokenizer for other modules' tests (fp32, eval mode, < 1 s)."""
    lines = list(texts) if texts is not None else list(DEFAULT_TEXTS)
    tokenizer = train_wordpiece(lines, vocab, model_max_length=128)
    model = make_tiny_encoder(_Dims(hidden, layers, heads), len(tokenizer), seed=seed)
    model.eval()
    return model, tokenizer
