"""Kept so ``python -m repro.launch`` and ``from repro.launch import ...`` in existing job
scripts keep working; the launcher lives in :mod:`repro.workflow.ddp`."""

import sys

from repro.workflow.ddp import *  # noqa: F403
from repro.workflow.ddp import main

if __name__ == "__main__":
    sys.exit(main())
