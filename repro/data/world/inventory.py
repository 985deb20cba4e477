"""The shared semantic layer: typed entities, nouns, adjectives, verbs, adverbs (English lemmas).

Every language renders the same inventory, so a frame means the same thing everywhere. English
surface forms are real English words; the other languages get generated lexemes for the same
lemma ids (see :mod:`repro.data.world.lexicon`).
"""

from __future__ import annotations

from dataclasses import dataclass

PER, ORG, LOC = "PER", "ORG", "LOC"

# Person names: 60 one-word + 20 two-word; interleaved 3:1 so any prefix keeps two-word names
# (NER needs I- tags).
_PER_ONE = (
    "Anna",
    "Boris",
    "Carlos",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Irina",
    "Jonas",
    "Kamal",
    "Lena",
    "Marco",
    "Nadia",
    "Oscar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sami",
    "Tomas",
    "Ursula",
    "Victor",
    "Wanda",
    "Xavier",
    "Yusuf",
    "Zara",
    "Aaron",
    "Bianca",
    "Cyrus",
    "Diana",
    "Emil",
    "Fiona",
    "Gustav",
    "Hana",
    "Igor",
    "Julia",
    "Kofi",
    "Laila",
    "Mateo",
    "Nina",
    "Olga",
    "Pavel",
    "Rita",
    "Stefan",
    "Tara",
    "Uma",
    "Vera",
    "Walter",
    "Yara",
    "Zoltan",
    "Amir",
    "Bruno",
    "Clara",
    "Dario",
    "Esther",
    "Felix",
    "Gloria",
    "Henrik",
    "Ines",
    "Jamal",
)
_PER_TWO = (
    "Maria Lopez",
    "John Smith",
    "Ali Hassan",
    "Mei Chen",
    "Ivan Petrov",
    "Sofia Rossi",
    "Raj Patel",
    "Lucas Weber",
    "Emma Novak",
    "Omar Saleh",
    "Nora Berg",
    "Leo Martin",
    "Ada Moreno",
    "Karl Jensen",
    "Sara Cohen",
    "Hiro Tanaka",
    "Paul Dubois",
    "Eva Horvat",
    "Tim Walsh",
    "Lara Kovac",
)
_ORG_ONE = (
    "Acme",
    "Zenith",
    "Orbitex",
    "Nexora",
    "Veltra",
    "Quanta",
    "Lumio",
    "Brixon",
    "Corvel",
    "Dynaco",
    "Elvora",
    "Fintek",
    "Globex",
    "Helix",
    "Intara",
    "Juno",
    "Kestrel",
    "Lyra",
    "Mondo",
    "Novum",
    "Omnix",
    "Pyxis",
    "Rivona",
    "Solara",
    "Tekno",
    "Ultima",
    "Vortex",
    "Wexley",
)
_ORG_TWO = (
    "Nova Bank",
    "Blue Harbor",
    "Red Falcon",
    "Star Motors",
    "Delta Foods",
    "Iron Works",
    "Green Leaf",
    "Silver Line",
    "North Wind",
    "Apex Media",
    "Bright Path",
    "Prime Labs",
)
_LOC_ONE = (
    "Oslo",
    "Lima",
    "Cairo",
    "Denver",
    "Kyoto",
    "Dakar",
    "Quito",
    "Tallinn",
    "Perth",
    "Bergen",
    "Malaga",
    "Porto",
    "Tunis",
    "Accra",
    "Lagos",
    "Minsk",
    "Riga",
    "Vilnius",
    "Zagreb",
    "Bogota",
    "Austin",
    "Leeds",
    "Dublin",
    "Geneva",
    "Krakow",
    "Nantes",
    "Aarhus",
    "Turin",
    "Seville",
    "Halifax",
)
_LOC_TWO = (
    "New Haven",
    "San Jose",
    "Port Louis",
    "Buenos Aires",
    "Cape Town",
    "Santa Fe",
    "Las Vegas",
    "Rio Branco",
    "Saint Paul",
    "Costa Mesa",
)


def _interleave(one: tuple[str, ...], two: tuple[str, ...], every: int) -> list[str]:
    out: list[str] = []
    ones, twos = list(one), list(two)
    while ones or twos:
        out.extend(ones[:every])
        ones = ones[every:]
        if twos:
            out.append(twos.pop(0))
    return out


PER_NAMES: tuple[str, ...] = tuple(_interleave(_PER_ONE, _PER_TWO, 3))
ORG_NAMES: tuple[str, ...] = tuple(_interleave(_ORG_ONE, _ORG_TWO, 2))
LOC_NAMES: tuple[str, ...] = tuple(_interleave(_LOC_ONE, _LOC_TWO, 3))

# Object nouns by category: (singular, plural). Category order fixes the hypernym ids.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("fruit", "fruits"),
    ("vehicle", "vehicles"),
    ("animal", "animals"),
    ("tool", "tools"),
    ("instrument", "instruments"),
    ("garment", "garments"),
    ("document", "documents"),
    ("container", "containers"),
)
_NOUNS_BY_CATEGORY: tuple[tuple[tuple[str, str], ...], ...] = (
    (
        ("apple", "apples"),
        ("pear", "pears"),
        ("plum", "plums"),
        ("lemon", "lemons"),
        ("peach", "peaches"),
        ("mango", "mangoes"),
    ),
    (
        ("car", "cars"),
        ("truck", "trucks"),
        ("bus", "buses"),
        ("bicycle", "bicycles"),
        ("boat", "boats"),
        ("tractor", "tractors"),
    ),
    (
        ("dog", "dogs"),
        ("cat", "cats"),
        ("horse", "horses"),
        ("goat", "goats"),
        ("rabbit", "rabbits"),
        ("donkey", "donkeys"),
    ),
    (
        ("hammer", "hammers"),
        ("saw", "saws"),
        ("knife", "knives"),
        ("drill", "drills"),
        ("spade", "spades"),
        ("wrench", "wrenches"),
    ),
    (
        ("guitar", "guitars"),
        ("piano", "pianos"),
        ("violin", "violins"),
        ("drum", "drums"),
        ("flute", "flutes"),
        ("trumpet", "trumpets"),
    ),
    (
        ("shirt", "shirts"),
        ("coat", "coats"),
        ("hat", "hats"),
        ("scarf", "scarves"),
        ("jacket", "jackets"),
        ("sweater", "sweaters"),
    ),
    (
        ("letter", "letters"),
        ("book", "books"),
        ("map", "maps"),
        ("report", "reports"),
        ("poem", "poems"),
        ("contract", "contracts"),
    ),
    (
        ("cup", "cups"),
        ("bowl", "bowls"),
        ("jar", "jars"),
        ("bottle", "bottles"),
        ("vase", "vases"),
        ("basket", "baskets"),
    ),
)
MAX_NOUNS_PER_CATEGORY = 6

# Adjectives in antonym pairs: object (noun) adjectives and person (subject) adjectives.
NOUN_ADJ_PAIRS: tuple[tuple[str, str], ...] = (
    ("big", "small"),
    ("heavy", "light"),
    ("cheap", "expensive"),
    ("clean", "dirty"),
    ("long", "short"),
    ("soft", "hard"),
    ("hot", "cold"),
    ("full", "empty"),
)
PERSON_ADJ_PAIRS: tuple[tuple[str, str], ...] = (
    ("young", "old"),
    ("happy", "sad"),
    ("rich", "poor"),
    ("brave", "timid"),
    ("calm", "angry"),
)

# Time adverbs by tense (0 = past, 1 = present): changing tense changes the adverb too.
TIME_ADVERBS: tuple[tuple[str, ...], tuple[str, ...]] = (("yesterday", "earlier"), ("now", "daily"))

ALL_CATS = "*"


@dataclass(frozen=True)
class Verb:
    base: str
    third: str  # present, third person singular
    past: str
    subj: tuple[str, ...]  # allowed subject entity types
    obj: tuple[str, ...]  # category names (or ALL_CATS) or one entity type

    @property
    def obj_is_entity(self) -> bool:
        return self.obj[0] in (PER, ORG, LOC)


def _third(base: str) -> str:
    if base.endswith(("s", "sh", "ch", "x", "z")):
        return base + "es"
    if base.endswith("y") and base[-2] not in "aeiou":
        return base[:-1] + "ies"
    return base + "s"


def _v(base: str, past: str, subj: str, obj: str) -> Verb:
    return Verb(base, _third(base), past, tuple(subj.split()), tuple(obj.split()))


# 36 verbs with selectional restrictions on subject type and object category/type.
VERBS: tuple[Verb, ...] = (
    _v("eat", "ate", "PER", "fruit"),
    _v("peel", "peeled", "PER", "fruit"),
    _v("slice", "sliced", "PER", "fruit"),
    _v("drive", "drove", "PER", "vehicle"),
    _v("park", "parked", "PER", "vehicle"),
    _v("repair", "repaired", "PER ORG", "vehicle tool instrument container"),
    _v("feed", "fed", "PER", "animal"),
    _v("adopt", "adopted", "PER", "animal"),
    _v("chase", "chased", "PER", "animal"),
    _v("sharpen", "sharpened", "PER", "tool"),
    _v("borrow", "borrowed", "PER", "tool instrument document"),
    _v("play", "played", "PER", "instrument"),
    _v("tune", "tuned", "PER", "instrument"),
    _v("wear", "wore", "PER", "garment"),
    _v("wash", "washed", "PER", "garment vehicle container animal"),
    _v("sew", "sewed", "PER", "garment"),
    _v("read", "read", "PER", "document"),
    _v("write", "wrote", "PER", "document"),
    _v("sign", "signed", "PER ORG", "document"),
    _v("print", "printed", "PER ORG", "document"),
    _v("fill", "filled", "PER", "container"),
    _v("break", "broke", "PER", "container tool instrument"),
    _v("buy", "bought", "PER ORG", ALL_CATS),
    _v("sell", "sold", "PER ORG", ALL_CATS),
    _v("find", "found", "PER", ALL_CATS),
    _v("lose", "lost", "PER ORG", ALL_CATS),
    _v("order", "ordered", "PER ORG", ALL_CATS),
    _v("meet", "met", "PER", "PER"),
    _v("call", "called", "PER ORG", "PER"),
    _v("help", "helped", "PER ORG", "PER"),
    _v("hire", "hired", "ORG", "PER"),
    _v("thank", "thanked", "PER", "PER"),
    _v("visit", "visited", "PER", "LOC"),
    _v("leave", "left", "PER ORG", "LOC"),
    _v("join", "joined", "PER", "ORG"),
    _v("sue", "sued", "PER ORG", "ORG"),
)

# English function words used by the English realiser (real English).
EN_FUNCTION_WORDS = frozenset(
    (
        "a",
        "an",
        "in",
        "not",
        "did",
        "does",
        "who",
        "what",
        "where",
        "which",
        "company",
        "how",
        "many",
    )
)


def category_index(name: str) -> int:
    for i, (sg, _) in enumerate(CATEGORIES):
        if sg == name:
            return i
    raise KeyError(name)


def nouns_by_category() -> tuple[tuple[tuple[str, str], ...], ...]:
    return _NOUNS_BY_CATEGORY


def english_words() -> frozenset[str]:
    """Every lower-case English word the world can emit (to keep generated lexemes distinct)."""
    words: set[str] = set(EN_FUNCTION_WORDS)
    for cat in _NOUNS_BY_CATEGORY:
        for sg, pl in cat:
            words.update((sg, pl))
    for sg, pl in CATEGORIES:
        words.update((sg, pl))
    for pairs in (NOUN_ADJ_PAIRS, PERSON_ADJ_PAIRS):
        for a, b in pairs:
            words.update((a, b))
    for adverbs in TIME_ADVERBS:
        words.update(adverbs)
    for v in VERBS:
        words.update((v.base, v.third, v.past))
    return frozenset(words)
