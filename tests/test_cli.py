"""The CLI called through main(), as the transformers examples test their scripts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from repro.cli import main


def test_help_runs():
    out = subprocess.run(
        [sys.executable, "-m", "repro", "--help"], capture_output=True, text=True, check=True
    )
    assert "run" in out.stdout and "claims" in out.stdout


def test_config_show(capsys):
    assert main(["config", "show", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    assert "[adjust]" in out and "# adjust" in out and 'source = "synthetic"' in out


def test_config_typo_exits_nonzero_naming_the_key(capsys):
    assert main(["config", "show", "--set", "adjust.learning_rat=1"]) == 2
    assert "learning_rate" in capsys.readouterr().err


def test_plan_json(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_ARTIFACTS", str(tmp_path))
    assert main(["plan", "--profile", "paper", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["estimate"]["total_hours"] > 0
    assert any(j["stage"] == "finetune" for j in plan["jobs"])
    assert not any(j["cached"] for j in plan["jobs"])


def test_claims_list(capsys):
    assert main(["claims", "list"]) == 0
    out = capsys.readouterr().out
    assert all(f"C{i:02d}" in out for i in range(1, 13))


def test_unknown_claim_id(capsys):
    assert main(["run", "--claims", "C99", "--no-report"]) == 2
    assert "C99" in capsys.readouterr().err


def test_cache_ls_empty(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_ARTIFACTS", str(tmp_path))
    assert main(["cache", "ls"]) == 0
    assert "0 artifact(s)" in capsys.readouterr().out


def test_reanalysing_committed_mini_results_needs_no_data(capsys, monkeypatch):
    # the mini lock was made from real files; re-analysis must work on a machine without them
    from pathlib import Path

    import pytest

    root = Path(__file__).resolve().parents[1] / "reports"
    if not (root / "mini" / "claims.json").is_file():
        pytest.skip("no committed mini lock")
    monkeypatch.delenv("REPRO_DATA_DIR", raising=False)
    rc = main(["claims", "verify", "--profile", "mini", "--from-results", "--reports", str(root)])
    assert rc == 0, capsys.readouterr()
    assert "all verdicts match the lock" in capsys.readouterr().out


def test_write_lock_relocks_from_stored_results_keeping_tolerances(capsys, tmp_path):
    # a rule change is re-locked from the stored results, never by editing claims.json by hand
    import json
    import shutil
    from pathlib import Path

    import pytest

    src = Path(__file__).resolve().parents[1] / "reports" / "mini"
    if not (src / "claims.json").is_file():
        pytest.skip("no committed mini lock")
    pdir = tmp_path / "mini"
    shutil.copytree(src / "results", pdir / "results")
    lock = json.loads((src / "claims.json").read_text())
    flipped = "SUPPORTED" if lock["claims"]["C02"]["verdict"] != "SUPPORTED" else "REFUTED"
    lock["claims"]["C02"]["verdict"] = flipped
    lock["tolerance"] = {"delta": 0.123}
    (pdir / "claims.json").write_text(json.dumps(lock))
    argv = ["claims", "verify", "--profile", "mini", "--reports", str(tmp_path)]

    assert main([*argv, "--from-results"]) == 1  # drift, as edited
    capsys.readouterr()
    assert main([*argv, "--write-lock"]) == 2  # re-locking means re-analysing stored results
    assert "--write-lock re-locks from stored results" in capsys.readouterr().err
    assert main([*argv, "--from-results", "--write-lock"]) == 0
    out = capsys.readouterr().out
    assert f"changed: C02: verdict {flipped} in the lock" in out
    relocked = json.loads((pdir / "claims.json").read_text())
    assert relocked["tolerance"] == {"delta": 0.123} and relocked["from_results"] is True
    assert relocked["claims"]["C02"]["verdict"] != flipped
    assert main([*argv, "--from-results"]) == 0


def test_version(capsys):
    import pytest

    from repro import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"repro {__version__}"


def test_a_closed_pipe_is_not_a_traceback():
    out = subprocess.run(
        f"{sys.executable} -m repro claims list | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr


def test_short_claim_ids_and_comma_lists_resolve():
    from repro.claims import discover, select
    from repro.config import resolve

    assert list(select(discover(), "C1,c3,12")) == ["C01", "C03", "C12"]
    assert resolve("smoke", overrides=("finetune.seeds=1,2",)).finetune.seeds == (1, 2)
    assert resolve("smoke", overrides=("languages=es,hi",)).languages == ("es", "hi")


def test_report_with_no_results_is_an_error_not_an_empty_report(tmp_path, capsys):
    assert main(["report", "--profile", "paper", "--reports", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nothing to report" in err and "repro run --profile paper" in err
    assert not (tmp_path / "paper" / "report.html").exists()


def test_config_show_fails_before_printing(monkeypatch, capsys):
    monkeypatch.delenv("REPRO_DATA_DIR", raising=False)
    assert main(["config", "show", "--profile", "mini"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "REPRO_DATA_DIR" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["run"],
        ["plan"],
        ["config", "show"],
        ["claims", "list"],
        ["claims", "verify"],
        ["report"],
        ["cache", "gc"],
        ["data", "verify"],
        ["data", "fetch"],
        ["world", "show"],
        ["calibrate"],
        ["stability"],
    ],
)
def test_every_sub_command_help_has_a_description_and_an_example(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    usage_end = out.index("\n\n")
    assert out[usage_end:].strip()  # a description after the usage line
    assert "example" in out.lower() and "repro " in out.split("xample", 1)[1]
    for line in out.splitlines():  # every option says what it does
        stripped = line.strip()
        if stripped.startswith("--") and "  " not in stripped:
            nxt = out.splitlines()[out.splitlines().index(line) + 1].strip()
            assert nxt and not nxt.startswith("-"), f"{argv}: {stripped} has no help"


def test_exit_codes_are_documented(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "0 success, 1 a claim or verification failed, 2 usage, config or data error" in out
    assert "python -m repro.metrics" in out
