"""The lock test that claim specs export: every locked profile is checked, drift names it."""

from __future__ import annotations

import json

import pytest

from repro.claims import Claim, Outcome, Verdict
from repro.claims.testing import lock_test, locked_profiles

# a claim decided from the resolved profile (both profiles here have four target languages)
CLAIM = Claim(
    id="C99",
    slug="fixture",
    title="fixture",
    statement="fixture",
    source="tests",
    rule="SUPPORTED when the profile has four target languages",
    needs=(),
    check=lambda ctx: Outcome(
        Verdict.SUPPORTED if len(ctx.languages) == 4 else Verdict.REFUTED, "fixture"
    ),
)


def _lock(root, profile, verdict):
    (root / profile).mkdir(parents=True)
    claims = {"C99": {"verdict": verdict, "rationale": "why"}}
    (root / profile / "claims.json").write_text(json.dumps({"claims": claims, "overrides": []}))


@pytest.fixture
def reports(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_REPORTS", str(tmp_path))
    monkeypatch.delenv("REPRO_CLAIMS_PROFILE", raising=False)
    return tmp_path


def test_every_profile_with_a_lock_is_checked(reports):
    _lock(reports, "smoke", "SUPPORTED")
    _lock(reports, "mini", "SUPPORTED")
    (reports / "not-a-profile").mkdir()  # no lock: ignored
    assert locked_profiles() == ["mini", "smoke"]
    lock_test(CLAIM)()


def test_drift_in_one_profile_fails_and_names_it(reports):
    _lock(reports, "smoke", "SUPPORTED")
    _lock(reports, "mini", "REFUTED")
    with pytest.raises(
        AssertionError, match="mini: C99: verdict REFUTED in the lock, now SUPPORTED"
    ):
        lock_test(CLAIM)()


def test_env_selects_one_profile(reports, monkeypatch):
    _lock(reports, "smoke", "SUPPORTED")
    _lock(reports, "mini", "REFUTED")
    monkeypatch.setenv("REPRO_CLAIMS_PROFILE", "smoke")
    assert locked_profiles() == ["smoke"]
    lock_test(CLAIM)()


def test_no_lock_or_not_run_skips(reports):
    with pytest.raises(pytest.skip.Exception, match="no locked verdicts"):
        lock_test(CLAIM)()
    _lock(reports, "smoke", "NOT_RUN")
    with pytest.raises(pytest.skip.Exception, match="NOT_RUN in the lock"):
        lock_test(CLAIM)()
