"""core.latency: each method timed at 1 thread and at all threads, in a worker process, with clear failures."""

import functools

import pytest
import torch
from torch import nn

from core import latency
from core.errors import DLLabError, ResourceLimit

# A blank the worker can rebuild: picklable, no arguments.
BLANK = functools.partial(nn.Linear, 64, 32)


def _weights():
    gen = torch.Generator().manual_seed(0)
    return {"weight": torch.randn(32, 64, generator=gen) * 0.1, "bias": torch.zeros(32)}


def test_the_worker_times_the_original_and_each_method_at_one_and_all_threads():
    example = (torch.ones(1, 64),)
    methods = ["dynamic_int8", "fp16", "torchao_int8_weight", "dynamic_int8_naive"]
    measured = latency.measure(BLANK, _weights(), example, methods, budget_s=0.05)
    timed = {"fp32", "dynamic_int8", "fp16", "torchao_int8_weight"}       # naive int8 needs GPT-2's Conv1D
    assert set(measured.ms_1t) == set(measured.ms_all) == set(measured.runs) == timed
    assert all(ms > 0 for ms in [*measured.ms_1t.values(), *measured.ms_all.values()])
    assert all(1 <= runs <= latency.config.QUANTIZE_LATENCY_REPS for runs in measured.runs.values())
    assert measured.threads_all == len(latency._cores()) >= 1
    assert measured.busy_from == "cpu_share" and 0.0 <= measured.busy <= 1.0        # Linux: /proc/stat


def test_a_broken_job_says_what_went_wrong():
    wrong = {"weight": torch.zeros(8, 8), "bias": torch.zeros(8)}                     # not a 64 → 32 layer
    with pytest.raises(DLLabError) as err:
        latency.measure(BLANK, wrong, (torch.ones(1, 64),), ["dynamic_int8"], budget_s=0.05)
    assert err.value.key == "quantize_latency_failed"
    assert err.value.params["detail"].startswith("RuntimeError: Error(s) in loading state_dict for Linear")
    assert "size mismatch" in err.value.params["detail"] and "worker process" in err.value.message


def test_a_worker_past_its_time_limit_is_stopped(monkeypatch):
    monkeypatch.setattr(latency.config, "QUANTIZE_WORKER_TIMEOUT_S", 0.2)
    with pytest.raises(ResourceLimit) as err:
        latency.measure(BLANK, _weights(), (torch.ones(1, 64),), ["dynamic_int8"], budget_s=0.05)
    assert err.value.key == "quantize_latency_timeout" and "0.2 s" in err.value.message


def test_busy_is_other_processes_share_of_our_cores(monkeypatch):
    ticks = iter([(1000, 4000), (1000 + 150, 4000 + 200)])          # 150 of 200 ticks busy while measuring
    own = iter([10.0, 10.5])                                         # 0.5 s = 50 ticks of them were ours
    monkeypatch.setattr(latency, "_cpu_jiffies", lambda cores: next(ticks))
    monkeypatch.setattr(latency, "_own_cpu_s", lambda: next(own))
    monkeypatch.setattr(latency.os, "sysconf", lambda name: 100)
    assert latency._BusyMeter([0, 1]).stop() == (0.5, "cpu_share")
