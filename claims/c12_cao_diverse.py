"""C12 — the Cao et al. NLI effect is not limited to European Latin-script languages."""

from repro.claims import Claim, Need, Outcome, RuleChange, Verdict
from repro.claims.checks import annotate, decades, untestable
from repro.claims.testing import eval_rows, lock_test

# ISO 639-1 code → (script, European?) for the languages the paper and Cao et al. use, and the
# other XNLI/XQuAD/MLQA languages a user may configure.
LANGUAGES = {
    "es": ("Latin", True),
    "de": ("Latin", True),
    "fr": ("Latin", True),
    "bg": ("Cyrillic", True),
    "el": ("Greek", True),
    "ru": ("Cyrillic", True),
    "ro": ("Latin", True),
    "tr": ("Latin", False),
    "vi": ("Latin", False),
    "hi": ("Devanagari", False),
    "ar": ("Arabic", False),
    "zh": ("Han", False),
    "th": ("Thai", False),
    "sw": ("Latin", False),
    "ur": ("Arabic", False),
}
KINDS = {
    "non_latin_script": lambda script, european: script != "Latin",
    "non_european": lambda script, european: not european,
}


def assign(candidates: dict[str, list[str]]) -> dict[str, str] | None:
    """One distinct language per kind (so Hindi alone cannot stand for both), or None."""
    kinds = list(candidates)

    def go(i, used):
        if i == len(kinds):
            return {}
        for lang in candidates[kinds[i]]:
            if lang not in used:
                rest = go(i + 1, used | {lang})
                if rest is not None:
                    return {kinds[i]: lang, **rest}
        return None

    return go(0, frozenset())


def check(ctx):
    rows = eval_rows(ctx, "nli")
    annotate(rows, ctx.alpha)
    by_lang = {r["lang"]: r for r in rows}
    groups = {
        kind: [x for x in by_lang if x in LANGUAGES and test(*LANGUAGES[x])]
        for kind, test in KINDS.items()
    }
    evidence = {"rows": rows, "groups": groups}
    if assign(groups) is None:
        return Outcome(
            Verdict.NOT_RUN,
            "the configured languages lack two distinct languages, one non-Latin-script and "
            "one non-European",
            evidence,
        )
    early = untestable(rows, evidence)
    if early:
        return early
    gains = {k: [x for x in v if by_lang[x].get("sig_gain")] for k, v in groups.items()}
    alive = {k: [x for x in v if not by_lang[x].get("sig_loss")] for k, v in groups.items()}
    chosen = assign(gains)
    evidence["assignment"] = chosen
    if chosen:
        margin = min(decades(by_lang[x]["p_gain_adj"], ctx.alpha) for x in chosen.values())
        return Outcome(
            Verdict.SUPPORTED,
            "significant NLI gain in " + "; ".join(f"{k}: {x}" for k, x in chosen.items()),
            evidence,
            margin,
        )
    if assign(alive) is None:
        return Outcome(
            Verdict.REFUTED,
            "significant losses leave no distinct non-Latin-script and non-European pair that "
            "could gain",
            evidence,
            None,
        )
    return Outcome(
        Verdict.INCONCLUSIVE,
        "no distinct pair of significant gains: "
        + "; ".join(f"{k}: {', '.join(v) or 'none'}" for k, v in gains.items()),
        evidence,
        None,
    )


CLAIM = Claim(
    id="C12",
    slug="cao_typologically_diverse",
    title="The Cao et al. effect reaches non-European, non-Latin languages",
    statement=(
        "The NLI gains Cao et al. (2020) showed for five European languages also hold for "
        "a typologically diverse set, including non-Latin scripts (Cyrillic, Devanagari) "
        "and a non-European language with diacritics (Vietnamese)."
    ),
    source="all abstract versions (framing against Cao et al. 2020); docs/paper.md §1, §10.12",
    rule=(
        "Per-language NLI rows of C01 (Holm). SUPPORTED if two distinct languages gain "
        "significantly, one with a non-Latin script and one non-European (Hindi alone cannot "
        "be both); REFUTED if significant losses make such a pair impossible; INCONCLUSIVE "
        "otherwise."
    ),
    needs=(Need("eval", ("original", "adjusted"), task="nli"),),
    check=check,
    rule_changes=(
        RuleChange(
            "2026-12-06",
            "≥ 1 non-Latin and ≥ 1 non-European language gain; Hindi alone satisfied both",
            "the paper's 'typologically diverse set' needs a language of each kind separately",
        ),
    ),
)

test_c12 = lock_test(CLAIM)
