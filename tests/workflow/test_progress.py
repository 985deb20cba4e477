"""The overall progress line: done/total and an ETA scaled by the measured job times."""

from __future__ import annotations

from tiny_world import data_job

from repro.workflow.progress import RunProgress, format_seconds


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_eta_scales_the_plan_by_measured_time():
    jobs = [data_job(s) for s in range(4)]
    est = {jobs[0].key: 10, jobs[1].key: 10, jobs[2].key: 20, jobs[3].key: 40}
    lines: list[str] = []
    clock = Clock()
    p = RunProgress(jobs, est, lines.append, clock=clock)
    assert p.eta_seconds() is None  # nothing finished: no basis yet
    clock.t = 30.0  # the first job took 3x its estimate
    p.finished(jobs[0])
    assert p.eta_seconds() == 30.0 * 70 / 10  # remaining estimate x measured/estimated
    assert lines[-1].startswith("1/4 jobs done (30s elapsed, about 3m30s left): data[")
    clock.t = 40.0
    p.finished(jobs[1])
    assert p.eta_seconds() == 40.0 * 60 / 20
    clock.t = 100.0
    p.finished(jobs[2])
    p.finished(jobs[3])
    assert lines[-1].startswith("4/4 jobs done (1m40s elapsed): ")  # no ETA once all are done


def test_missing_estimates_count_as_equal_jobs():
    jobs = [data_job(s) for s in range(3)]
    clock = Clock()
    p = RunProgress(jobs, None, lambda _: None, clock=clock)
    clock.t = 5.0
    p.finished(jobs[0])
    assert p.eta_seconds() == 10.0


def test_format_seconds():
    assert [format_seconds(x) for x in (0, 59.4, 61, 3600 * 2 + 65)] == [
        "0s",
        "59s",
        "1m01s",
        "2h01m",
    ]
