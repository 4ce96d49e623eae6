"""Turns on the cores: heavy work from every user shares the machine fairly, without oversubscribing it.

Heavy work runs in short *units*: an epoch of a Train run, a step of pretraining, a decoding step of
the Generate batch, a chunk of audio. Each unit runs inside ``SCHEDULER.turn(job)``, which waits
until a core is free and this job is next in line, sets the calling thread's torch threads, and
counts the unit's time against the job when it ends.

- **The budget.** At most ``config.cores()`` threads compute at once (DLLAB_THREADS, else every
  core). A job alone on the machine gets every core for its units; with others admitted, each unit
  gets its share (cores ÷ jobs, at least one thread), so several runs at once never oversubscribe
  the cores (OpenMP threads that spin-wait for a busy core can make a step many times slower).
- **Who is next.** Among the waiting jobs, the one that will have had the least compute once its
  next unit ends: its units' seconds so far plus its expected unit (its own mean unit, else its
  kind's recent mean), divided by its weight (a Generate batch counts once per user in it). A run
  that has just started has had none, so it goes first: short runs finish early while long ones
  still advance every time a core frees up ("least attained service"). Counting the next unit keeps
  work that cannot be cut into short units (a pocketsphinx utterance, about a second) from jumping
  ahead of a run whose epochs take a few milliseconds. A job whose user pressed Stop goes first too,
  so its run ends within one unit. An ``exclusive`` turn (a latency measurement) waits for every
  core.
- **Between two units** a job driven by ``scheduled`` keeps its place in line for
  config.HANDOFF_S: it hands its core on at once if a job before it waits, and otherwise takes it
  back for its next unit. Without that, every job that waits would take the core in the instant
  between a short run's epochs, and the run would wait once per epoch instead of once.
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
    most: int | None = None                # threads its units can use (None: any number)
    attained: float = 0.0                  # seconds of compute its units took
    units: int = 0
    arrived: int = field(default_factory=lambda: next(_order))

    def unit_seconds(self, guess: float = 0.1) -> float:
        """Its mean unit so far (``guess`` before the first)."""
        return self.attained / self.units if self.units else guess


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
        self._running: dict[tuple[int, int], tuple[Job, float]] = {}   # (id(job), thread) → (job, started)
        self._jobs: list[Job] = []
        self._unit_s: dict[str, float] = {}            # kind → its recent mean unit (seconds)
        self._claims: dict[int, tuple[Job, float]] = {}    # id(job) → (job, until): between two units

    # --- admission ---------------------------------------------------------------------------
    @contextmanager
    def job(self, kind: str, weight: float = 1.0, should_stop: Callable[[], bool] | None = None,
            most: int | None = None):
        """Admit a job for the duration of the block, or refuse with ResourceLimit("class_busy").
        ``most``: the threads its units can use (pocketsphinx: one)."""
        job = Job(kind, weight, should_stop or (lambda: False), most)
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
                self._claims.pop(id(job), None)
                self._cond.notify_all()

    # --- turns -------------------------------------------------------------------------------
    def _expected_unit(self, job: Job) -> float:
        return job.unit_seconds(self._unit_s.get(job.kind, 0.1))

    def _line(self) -> list[tuple[Job, bool]]:
        """The waiting jobs and those between two units, first in line first."""
        def key(entry):
            job = entry[0]
            stopping = job.should_stop()
            return (not stopping, (job.attained + self._expected_unit(job)) / max(job.weight, 1e-9), job.arrived)
        now = time.monotonic()
        self._claims = {k: (j, until) for k, (j, until) in self._claims.items() if until > now}
        return sorted(self._waiting + [(j, False) for j, _ in self._claims.values()], key=key)

    def _long(self, job: Job) -> bool:
        return self._expected_unit(job) > config.LONG_UNIT_S

    def _may_take_last_core(self, job: Job) -> bool:
        """A job whose units are long (they cannot give a core back for a second) takes the last free
        core only while every job with short units is computing already: one that is not would have
        to wait that long for a core."""
        if self.cores == 1 or not self._long(job):
            return True
        running = {id(j) for j, _ in self._running.values()}
        return all(self._long(j) or id(j) in running for j in self._jobs if j is not job)

    def _grant(self, job: Job, exclusive: bool, most: int | None = None) -> int | None:
        """Threads for ``job`` if it may start now (holding the lock), else None. The first job in line
        that may start does; an exclusive one first in line holds the others back until every core is free."""
        if self._free < 1:
            return None
        for entry, entry_exclusive in self._line():
            if entry_exclusive:
                if entry is not job:
                    return None
                return self.cores if self._free == self.cores else None
            if self._free == 1 and not self._may_take_last_core(entry):
                continue
            if entry is not job:
                return None
            share = min(self._free, max(1, self.cores // max(1, len(self._jobs))))
            most = job.most if most is None else most if job.most is None else min(most, job.most)
            return share if most is None else max(1, min(share, most))
        return None

    def acquire(self, job: Job, exclusive: bool = False, timeout: float | None = None,
                most: int | None = None) -> int | None:
        """Wait (at most ``timeout`` seconds) for a turn; returns its thread count (at most ``most``),
        or None if the time ran out (the job stays in line)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._claims.pop(id(job), None)
            if not any(j is job for j, _ in self._waiting):
                self._waiting.append((job, exclusive))
            while True:
                threads = self._grant(job, exclusive, most)
                if threads is not None:
                    self._waiting = [(j, x) for j, x in self._waiting if j is not job]
                    self._free -= threads
                    self._running[id(job), threading.get_ident()] = (job, time.perf_counter())
                    self._cond.notify_all()           # the next in line may fit in what is left
                    return threads
                now = time.monotonic()
                left = None if deadline is None else deadline - now
                if left is not None and left <= 0:
                    return None
                wake = min([0.25, *([] if left is None else [left]),     # Stop may reorder the line
                            *(until - now for _, until in self._claims.values())])   # a claim may lapse
                self._cond.wait(timeout=max(wake, 0.001))

    def release(self, job: Job, threads: int, returning: bool = False) -> None:
        """End a turn. ``returning``: the job comes back for its next unit at once, and keeps its
        place in line meanwhile (for config.HANDOFF_S)."""
        with self._cond:
            if returning:
                self._claims[id(job)] = (job, time.monotonic() + config.HANDOFF_S)
            _, started = self._running.pop((id(job), threading.get_ident()))
            took = time.perf_counter() - started
            job.attained += took
            job.units += 1
            mean = self._unit_s.get(job.kind)
            self._unit_s[job.kind] = took if mean is None else 0.8 * mean + 0.2 * took
            self._free += threads
            self._cond.notify_all()

    def leave_line(self, job: Job) -> None:
        with self._cond:
            self._waiting = [(j, x) for j, x in self._waiting if j is not job]
            self._claims.pop(id(job), None)
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
            work = sum(self._expected_unit(j) for j in ahead + running)
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
            scheduler.release(job, held.threads, returning=True)


def scheduled(units: Iterator[T], job: Job, exclusive: bool = False,
              report_every: float = config.WAIT_REPORT_S) -> Iterator[T | Waiting]:
    """Drive ``units`` one item per turn. While ``job`` waits, yield a ``Waiting`` now and then.
    An item whose ``final`` attribute is true (a run's last epoch) is the last: the job then leaves
    the line, and the call that ends ``units`` runs without a turn instead of waiting in line for one
    (were an item to follow after all, it would be computed the same way).
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
            while getattr(item, "final", False):
                scheduler.leave_line(job)
                yield item
                try:
                    item = next(units)
                except StopIteration:
                    return
            yield item
    finally:
        scheduler.leave_line(job)
        close = getattr(units, "close", None)
        if close is not None:
            close()


SCHEDULER = Scheduler(config.cores(), config.MAX_ACTIVE_JOBS)
