"""The one mixed-precision helper every training and evaluation loop uses."""

from __future__ import annotations

import torch

from repro.env import autocast


def test_autocast_bf16_on_cpu_and_fp32_when_off():
    a = torch.ones(4, 4)
    with autocast("cpu", True):
        assert (a @ a).dtype == torch.bfloat16
    with autocast(torch.device("cpu"), False):
        assert (a @ a).dtype == torch.float32
