"""Turns on the cores: heavy work from every user shares the machine fairly, without oversubscribing it.

Heavy work runs in short *units*: an epoch of a Train run, a step of pretraining, a decoding step of
the Generate batch, a chunk of audio. Each unit runs inside ``SCHEDULER.turn(job)``, which waits
until a core is free and this job is next in line, sets the calling thread's torch threads, and
counts the unit's time against the job when it ends.

- **The budget.** At most ``config.cores()`` threads compute at once (DLLAB_THREADS, else every
  core). A job alone on the machine gets every core for its units; with others admitted, each unit
  gets its share (cores ÷ jobs, at least one thread), so several runs at once never oversubscribe
  the cores (OpenMP threads that spin-wait for a busy core can make a step many times slower).
- **Who is next.** Among the waiting jobs, the one that has had the least compute so far (its
  units' seconds, divided by its weight: a Generate batch counts once per user in it). A run that
  has just started has had none, so it goes first: short runs finish early while long ones still
  advance every time a core frees up ("least attained service"). A job whose user pressed Stop goes
  first too, so its run ends within one unit. An ``exclusive`` turn (a latency measurement) waits
  for every core.
- **Admission.** ``job()`` admits at most config.MAX_ACTIVE_JOBS jobs at once; beyond that it raises
  ``ResourceLimit("class_busy")``, a message asking to try again in a minute.
- **Waiting is visible.** ``scheduled(units, job)`` drives a generator of units turn by turn and,
  while the job waits, yields ``Waiting`` records: its place in line and an estimate of the wait.

A long unit calls ``checkpoint()`` between its pieces (a Train epoch does, between batches): after
config.UNIT_S, if another job waits, it gives the core back and continues on its next turn.

Closing a ``scheduled`` generator (a client that went away, Stop) gives its core back at once.
"""

from __future__ import annotations

import itertools
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, TypeVar

from core import config
from core.errors import ResourceLimit

T = TypeVar("T")
_order = itertools.count()


@dataclass(eq=False)
class Job:
    """One user's heavy work: a run, a transcription, the Generate batch."""
    kind: str
    weight: float = 1.0                    # users this job serves (a batch counts once per user)
    should_stop: Callable[[], bool] = lambda: False
    attained: float = 0.0                  # seconds of compute its units took
    units: int = 0
    arrived: int = field(default_factory=lambda: next(_order))

    def share(self) -> float:
        return self.attained / max(self.weight, 1e-9)

    def unit_seconds(self) -> float:
        """Its mean unit so far (a guess of 0.1 s before the first)."""
        return self.attained / self.units if self.units else 0.1


@dataclass(frozen=True)
class Waiting:
    """Yielded by ``scheduled`` while its job waits for a core."""
    place: int                 # 1: next in line
    ahead: int                 # jobs in line before it, and running now
    estimate_s: float          # a rough guess of the wait


class Scheduler:
    def __init__(self, cores: int, max_jobs: int):
        self.cores = max(1, int(cores))
        self.max_jobs = max(1, int(max_jobs))
        self._cond = threading.Condition()
        self._free = self.cores
        self._waiting: list[tuple[Job, bool]] = []     # (job, exclusive)
        self._running: dict[int, tuple[Job, float]] = {}   # id(job) → (job, started)
        self._jobs: list[Job] = []

    # --- admission ---------------------------------------------------------------------------
    @contextmanager
    def job(self, kind: str, weight: float = 1.0, should_stop: Callable[[], bool] | None = None):
        """Admit a job for the duration of the block, or refuse with ResourceLimit("class_busy")."""
        job = Job(kind, weight, should_stop or (lambda: False))
        with self._cond:
            if len(self._jobs) >= self.max_jobs:
                raise ResourceLimit("class_busy", jobs=len(self._jobs))
            self._jobs.append(job)
        try:
            yield job
        finally:
            with self._cond:
                self._jobs.remove(job)
                self._waiting = [(j, x) for j, x in self._waiting if j is not job]
                self._cond.notify_all()

    # --- turns -------------------------------------------------------------------------------
    def _line(self) -> list[tuple[Job, bool]]:
        """The waiting jobs, first in line first."""
        def key(entry):
            job = entry[0]
            stopping = job.should_stop()
            return (not stopping, job.share(), job.arrived)
        return sorted(self._waiting, key=key)

    def _grant(self, job: Job, exclusive: bool, most: int | None = None) -> int | None:
        """Threads for ``job`` if it may start now (holding the lock), else None."""
        line = self._line()
        if not line or line[0][0] is not job:
            return None
        if exclusive:
            return self.cores if self._free == self.cores else None
        if self._free < 1:
            return None
        share = min(self._free, max(1, self.cores // max(1, len(self._jobs))))
        return share if most is None else max(1, min(share, most))

    def acquire(self, job: Job, exclusive: bool = False, timeout: float | None = None,
                most: int | None = None) -> int | None:
        """Wait (at most ``timeout`` seconds) for a turn; returns its thread count (at most ``most``),
        or None if the time ran out (the job stays in line)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            if not any(j is job for j, _ in self._waiting):
                self._waiting.append((job, exclusive))
            while True:
                threads = self._grant(job, exclusive, most)
                if threads is not None:
                    self._waiting = [(j, x) for j, x in self._waiting if j is not job]
                    self._free -= threads
                    self._running[id(job)] = (job, time.perf_counter())
                    self._cond.notify_all()           # the next in line may fit in what is left
                    return threads
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(timeout=0.25 if left is None else min(left, 0.25))   # Stop may reorder the line

    def release(self, job: Job, threads: int) -> None:
        with self._cond:
            _, started = self._running.pop(id(job))
            job.attained += time.perf_counter() - started
            job.units += 1
            self._free += threads
            self._cond.notify_all()

    def leave_line(self, job: Job) -> None:
        with self._cond:
            self._waiting = [(j, x) for j, x in self._waiting if j is not job]
            self._cond.notify_all()

    @contextmanager
    def turn(self, job: Job, exclusive: bool = False, most: int | None = None):
        """Run the block as one unit of ``job``: on a free core, with the calling thread's torch threads
        set to the turn's share (at most ``most``: work that gains nothing from more). Yields that count."""
        threads = self.acquire(job, exclusive, most=most)
        try:
            _set_threads(threads)
            yield threads
        finally:
            self.release(job, threads)

    def waiting(self, job: Job) -> Waiting | None:
        """Where ``job`` stands in line, or None when it is not waiting."""
        with self._cond:
            line = self._line()
            place = next((i for i, (j, _) in enumerate(line) if j is job), None)
            if place is None:
                return None
            ahead = [j for j, _ in line[:place]]
            running = [j for j, _ in self._running.values()]
            work = sum(j.unit_seconds() for j in ahead + running)
            return Waiting(place + 1, len(ahead) + len(running), work / self.cores)

    def snapshot(self) -> dict:
        """Counts for the README's status and for tests."""
        with self._cond:
            return {"cores": self.cores, "free": self._free, "jobs": len(self._jobs),
                    "waiting": len(self._waiting), "running": len(self._running)}


def _set_threads(threads: int) -> None:
    """torch's intra-op threads for the calling thread (OpenMP keeps the count per thread)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


class _Held:
    """The turn the calling thread holds (for ``checkpoint``)."""
    __slots__ = ("scheduler", "job", "threads", "since")

    def __init__(self, scheduler, job, threads):
        self.scheduler, self.job, self.threads, self.since = scheduler, job, threads, time.monotonic()


_local = threading.local()


def checkpoint() -> None:
    """Called between the small pieces of a long unit (a training batch, say): once the unit has run
    config.UNIT_S and another job waits for a core, give the core back and take the next turn in line,
    so no unit holds a core for long. Costs next to nothing otherwise; outside a turn it does nothing."""
    held = getattr(_local, "held", None)
    if held is None or time.monotonic() - held.since < config.UNIT_S or not held.scheduler._waiting:
        return
    held.scheduler.release(held.job, held.threads)
    held.threads = None
    held.threads = held.scheduler.acquire(held.job)
    held.since = time.monotonic()
    _set_threads(held.threads)


def _run_unit(scheduler, job: Job, threads: int, units: Iterator[T]) -> T:
    """next(units) while holding a turn of ``threads`` (which ``checkpoint`` may trade for a later one)."""
    held = _local.held = _Held(scheduler, job, threads)
    try:
        _set_threads(threads)
        return next(units)
    finally:
        _local.held = None
        if held.threads is not None:
            scheduler.release(job, held.threads)


def scheduled(units: Iterator[T], job: Job, exclusive: bool = False,
              report_every: float = config.WAIT_REPORT_S) -> Iterator[T | Waiting]:
    """Drive ``units`` one item per turn. While ``job`` waits, yield a ``Waiting`` now and then.
    Closing this generator (or an error) gives the turn back and takes the job out of line."""
    scheduler = SCHEDULER
    try:
        while True:
            threads = scheduler.acquire(job, exclusive, timeout=report_every)
            while threads is None:
                where = scheduler.waiting(job)
                if where is not None:
                    yield where
                threads = scheduler.acquire(job, exclusive, timeout=report_every)
            try:
                item = _run_unit(scheduler, job, threads, units)
            except StopIteration:
                return
            yield item
    finally:
        scheduler.leave_line(job)
        close = getattr(units, "close", None)
        if close is not None:
            close()


SCHEDULER = Scheduler(config.cores(), config.MAX_ACTIVE_JOBS)
