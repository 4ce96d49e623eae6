"""How long one forward pass takes with each quantization method, measured in a short-lived worker process.

Torch's thread count is process-wide: timing a model at 1 thread inside the server would
slow every other user's work down. ``measure`` hands the job to ``python -m core.latency``
instead, a fresh process that rebuilds the model from its architecture and weights, applies
each method with core.quantize.apply, and times warm runs of core.quantize.forward at 1
thread and at all the cores it may use. It also reports how busy the machine was meanwhile,
since other users' work slows the timings down.

The job travels as one torch.save file (a picklable recipe for the blank architecture, its
state dict, the example input, the methods and the time budget): a state dict and a recipe,
because torchao's layers and wav2vec2's weight norm cannot be pickled whole.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core import config
from core.errors import DLLabError, ResourceLimit
from core.scheduler import SCHEDULER

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Latency:
    """Median milliseconds of one forward pass, keyed "fp32" and by method (a method that does not
    apply to the model is left out).

    ``runs``: how many timed runs stand behind each median (the fewer of the two thread settings).
    ``busy``: how busy the machine was while measuring, from 0 to 1. With ``busy_from`` "cpu_share"
    (Linux) it is the share of the CPU time of the cores the worker may use that other processes
    took: /proc/stat's busy time minus the worker's own CPU time. With "load_average" (no /proc) it
    is the 1-minute load average per core, which counts the worker too. None when neither exists.
    """

    ms_1t: dict[str, float]
    ms_all: dict[str, float]
    runs: dict[str, int]
    threads_all: int
    busy: float | None
    busy_from: str


def measure(blank: Callable, state_dict: dict, example: tuple, methods: list[str], budget_s: float) -> Latency:
    """Time the fp32 model and each method's copy at 1 thread and at all threads, in a worker process.

    ``blank`` is a picklable callable without arguments (a module-level function, or a
    functools.partial of one) that builds the fp32 architecture; ``state_dict`` holds its weights;
    the model runs as ``core.quantize.forward(model, example)``. Each median comes from up to
    config.QUANTIZE_LATENCY_REPS runs after one warm-up; the versions take turns run by run, and
    the rounds stop once they have spent ``budget_s`` per version (at least one round). Raises
    DLLabError when the worker fails and ResourceLimit when it takes
    longer than config.QUANTIZE_WORKER_TIMEOUT_S.
    """
    import torch

    from core import cluster

    work = {"blank": blank, "state_dict": state_dict, "example": tuple(example), "methods": list(methods),
            "budget_s": float(budget_s), "reps": config.QUANTIZE_LATENCY_REPS}
    if cluster.ready():            # a task holding a node's cores (as many as this server has) times it there
        # On a local instance the node is this server: its cores are held in the server's scheduler, and
        # the task asks none of Ray (paced runs waiting for their next turn still hold their share there).
        local = cluster.shares_cores()
        try:
            with _every_core_alone() if local else nullcontext():
                return Latency(**cluster.call(_run_job_on_cluster, work, num_cpus=0 if local else config.cores(),
                                              timeout=config.QUANTIZE_WORKER_TIMEOUT_S))
        except TimeoutError:
            raise ResourceLimit("quantize_latency_timeout", max=config.QUANTIZE_WORKER_TIMEOUT_S) from None
    with tempfile.TemporaryDirectory(prefix="dllab-latency-") as tmp:
        job = Path(tmp) / "job.pt"
        torch.save(work, job)
        try:
            with _every_core_alone():
                done = subprocess.run([sys.executable, "-m", "core.latency", str(job)], cwd=REPO,
                                      capture_output=True, text=True, timeout=config.QUANTIZE_WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise ResourceLimit("quantize_latency_timeout", max=config.QUANTIZE_WORKER_TIMEOUT_S) from None
        result = job.with_suffix(".json")
        if done.returncode != 0 or not result.exists():
            log.warning("latency worker failed (exit status %s):\n%s", done.returncode, done.stderr[-4000:])
            lines = done.stderr.strip().splitlines()
            raise DLLabError("quantize_latency_failed",
                             detail=lines[-1].strip()[:300] if lines else f"exit status {done.returncode}")
        return Latency(**json.loads(result.read_text()))



@contextmanager
def _every_core_alone():
    """A turn of every core of this server's scheduler, other units waiting meanwhile."""
    with SCHEDULER.job("quantize") as turns, SCHEDULER.turn(turns, exclusive=True):
        yield


# --- the worker --------------------------------------------------------------------------------------

def _cores() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))


def _cpu_jiffies(cores: list[int]) -> tuple[int, int] | None:
    """(busy, total) clock ticks of ``cores`` since boot, from /proc/stat; None without it."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return None
    wanted = {f"cpu{c}" for c in cores}
    busy = total = 0
    for line in lines:
        name, *fields = line.split()
        if name in wanted:
            # user nice system idle iowait irq softirq steal (guest time is already inside user)
            ticks = [int(v) for v in fields[:8]]
            total += sum(ticks)
            busy += sum(ticks) - ticks[3] - ticks[4]
    return (busy, total) if total else None


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


class _BusyMeter:
    """Other processes' share of the CPU time of our cores between start and stop."""

    def __init__(self, cores: list[int]):
        self.cores = cores
        self.start_ticks, self.start_own = _cpu_jiffies(cores), _own_cpu_s()

    def stop(self) -> tuple[float | None, str]:
        end = _cpu_jiffies(self.cores)
        if self.start_ticks and end and end[1] > self.start_ticks[1]:
            tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
            busy_s = (end[0] - self.start_ticks[0]) / tick
            total_s = (end[1] - self.start_ticks[1]) / tick
            others = (busy_s - (_own_cpu_s() - self.start_own)) / total_s
            return round(min(1.0, max(0.0, others)), 3), "cpu_share"
        if hasattr(os, "getloadavg"):
            return round(os.getloadavg()[0] / len(self.cores), 3), "load_average"
        return None, "unknown"


def _medians_ms(models: dict, example: tuple, budget_s: float, reps: int) -> tuple[dict, dict]:
    """The median milliseconds of each of ``models`` ({name: model}), and how many runs each had.

    The models take turns, one run each per round: a burst of other work on the machine slows
    every one of them alike instead of one method's runs, so their ratios (the speed-ups) hold
    even when the absolute times do not. Rounds stop at ``reps`` or once ``budget_s`` per model is spent.
    """
    from core.quantize import forward

    for model in models.values():
        forward(model, example)      # warm-up, outside the budget: the process's first call sets up its kernels
    times: dict[str, list[float]] = {name: [] for name in models}
    start = time.perf_counter()
    for _ in range(reps):
        for name, model in models.items():
            t0 = time.perf_counter()
            forward(model, example)
            times[name].append(time.perf_counter() - t0)
        if time.perf_counter() - start >= budget_s * len(models):
            break
    return ({name: round(statistics.median(ts) * 1000, 3) for name, ts in times.items()},
            {name: len(ts) for name, ts in times.items()})


def _run_job(job: dict) -> dict:
    import torch

    from core import quantize

    model = job["blank"]()
    model.load_state_dict(job["state_dict"])
    model.eval()
    cores = _cores()
    threads_all = len(cores)
    models = {"fp32": model}
    for method in job["methods"]:
        if quantize.why_not(method, model) is None:
            models[method] = quantize.apply(method, model)
    meter = _BusyMeter(cores)
    torch.set_num_threads(1)
    ms_1t, runs = _medians_ms(models, job["example"], job["budget_s"], job["reps"])
    if threads_all > 1:
        torch.set_num_threads(threads_all)
        ms_all, runs_all = _medians_ms(models, job["example"], job["budget_s"], job["reps"])
        runs = {name: min(runs[name], runs_all[name]) for name in runs}
    else:
        ms_all = dict(ms_1t)
    busy, busy_from = meter.stop()
    return {"ms_1t": ms_1t, "ms_all": ms_all, "runs": runs, "threads_all": threads_all, "busy": busy,
            "busy_from": busy_from}


def _run_job_on_cluster(job: dict) -> dict:
    """``_run_job`` in a Ray task: a failure is said as the worker process's is."""
    try:
        return _run_job(job)
    except Exception as exc:  # noqa: BLE001 - any failure of the job is the user's message
        raise DLLabError("quantize_latency_failed", detail=f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300])


def _main(argv: list[str]) -> int:
    # Quiet unless it fails: library notices (deprecations, torch.compile registrations) say nothing
    # to the user; a failure's traceback still reaches stderr.
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import torch

    torch.set_num_interop_threads(1)
    job_path = Path(argv[0])
    try:
        result = _run_job(torch.load(job_path, weights_only=False))
    except Exception as exc:
        traceback.print_exc()
        print(f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300], file=sys.stderr)   # the line shown
        return 1
    job_path.with_suffix(".json").write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
