"""C12 — the Cao et al. NLI effect is not limited to European Latin-script languages."""

from repro.claims import Claim, Need, Outcome, Verdict
from repro.claims.checks import annotate
from repro.claims.testing import eval_rows, lock_test

NON_LATIN = ("ru", "hi")  # Cyrillic, Devanagari
NON_EUROPEAN = ("vi", "hi")


def check(ctx):
    rows = eval_rows(ctx, "nli")
    annotate(rows, ctx.alpha)
    by_lang = {r["lang"]: r for r in rows}
    groups = {
        "non_latin_script": [x for x in NON_LATIN if x in by_lang],
        "non_european": [x for x in NON_EUROPEAN if x in by_lang],
    }
    evidence = {"rows": rows, "groups": groups}
    if not all(groups.values()):
        return Outcome(
            Verdict.NOT_RUN,
            "the configured languages lack a non-Latin-script or a non-European language",
            evidence,
        )
    hit = {g: [x for x in langs if by_lang[x]["sig_gain"]] for g, langs in groups.items()}
    dead = {g: all(by_lang[x]["sig_loss"] for x in langs) for g, langs in groups.items()}
    import math

    def decades(p):
        return round(abs(math.log10(max(p, 1e-12) / ctx.alpha)), 3)

    if all(hit.values()):
        margin = min(decades(min(by_lang[x]["p_gain_adj"] for x in hit[g])) for g in hit)
        return Outcome(
            Verdict.SUPPORTED,
            "significant NLI gain in " + "; ".join(f"{g}: {', '.join(v)}" for g, v in hit.items()),
            evidence,
            margin,
        )
    if any(dead.values()):
        return Outcome(
            Verdict.REFUTED,
            "every language of a group loses significantly: "
            + ", ".join(g for g, d in dead.items() if d),
            evidence,
            None,
        )
    return Outcome(
        Verdict.INCONCLUSIVE,
        "no significant gain in " + ", ".join(g for g, v in hit.items() if not v),
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
    source="all abstract versions (framing against Cao et al. 2020); notes/paper.md §1, §10.12",
    rule=(
        "Per-language NLI rows of C01 (Holm). SUPPORTED if ≥ 1 non-Latin-script language "
        "(ru, hi) and ≥ 1 non-European language (vi, hi) gain significantly; REFUTED if every "
        "language of either group loses significantly; INCONCLUSIVE otherwise."
    ),
    needs=(Need("eval", ("original", "adjusted"), task="nli"),),
    check=check,
)

test_c12 = lock_test(CLAIM)
