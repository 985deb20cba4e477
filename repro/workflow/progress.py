"""The run's one overall progress line: jobs done of the total, and an ETA.

The plan's per-job estimates (``repro.workflow.cost``: a FLOP count, a duration at paper scale and
only a ranking for the tiny encoders) are corrected by the time the finished jobs really
took: ETA = elapsed × est(remaining) / est(done). So the first line is a guess, and each
finished job makes the next one better, whatever the machine and whatever else it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol


class Job(Protocol):
    """What the progress line reads of a job (``repro.workflow.jobs.Job`` has it; the runner
    imports this module, so it does not import the runner)."""

    key: str
    stage: str
    label: str


def format_seconds(s: float) -> str:
    s = max(0, int(round(s)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{sec:02d}s" if m else f"{sec}s"


class RunProgress:
    """Call :meth:`finished` for each job that ends; it emits the overall line."""

    def __init__(
        self,
        jobs: Iterable[Job],
        estimates: Mapping[str, float] | None,
        emit: Callable[[str], None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._todo = {j.key: j for j in jobs}
        self._est = {k: max(float((estimates or {}).get(k, 1.0)), 1e-6) for k in self._todo}
        self._total = len(self._todo)
        self._emit, self._clock = emit, clock
        self._t0 = clock()
        self._done_est = 0.0

    def eta_seconds(self) -> float | None:
        """Seconds left, or None before any job has finished (nothing to scale by)."""
        if not self._done_est:
            return None
        left = sum(self._est[k] for k in self._todo)
        return (self._clock() - self._t0) * left / self._done_est

    def finished(self, job: Job) -> str:
        if job.key in self._todo:
            del self._todo[job.key]
            self._done_est += self._est[job.key]
        done = self._total - len(self._todo)
        eta = self.eta_seconds()
        elapsed = format_seconds(self._clock() - self._t0)
        tail = "" if eta is None or not self._todo else f", about {format_seconds(eta)} left"
        line = f"{done}/{self._total} jobs done ({elapsed} elapsed{tail}): {job.stage}[{job.label}]"
        self._emit(line)
        return line
