"""C06 — adjustment pulls translations together more than unrelated words."""

from repro.claims import Claim, Need
from repro.claims.checks import all_in_direction, combine
from repro.claims.testing import distance_rows, lock_test


def check(ctx):
    related = distance_rows(ctx, "original", "adjusted", "related_cos")
    ratio = distance_rows(ctx, "original", "adjusted", "ratio_cos")
    return combine(
        [
            (
                "related_closer",
                all_in_direction(
                    related, ctx.alpha, direction="loss", what="smaller related-pair distance"
                ),
            ),
            (
                "relative_to_unrelated",
                all_in_direction(
                    ratio, ctx.alpha, direction="loss", what="smaller related/unrelated ratio"
                ),
            ),
        ]
    )


CLAIM = Claim(
    id="C06",
    slug="related_closer",
    title="Adjustment brings translations closer, not unrelated words alike",
    statement=(
        "After adjustment, last-layer embeddings of aligned (translation) word pairs are "
        "closer than in the original model, while unrelated pairs do not become "
        "correspondingly closer."
    ),
    source="arXiv v1 and ACL-ARR abstracts; docs/paper.md §7, §10.6",
    rule=(
        "Per language, on held-out aligned links: (a) cosine distance of related pairs falls "
        "(paired over links, one-sided) and (b) the per-link ratio related/unrelated distance "
        "falls; Holm within each part; SUPPORTED if both hold in every language."
    ),
    needs=(Need("distances", ("original", "adjusted")),),
    check=check,
)

test_c06 = lock_test(CLAIM)
