"""The text decoders on the Ray cluster (core/cluster.py connects to it and streams their tokens back).

- **A pool per model.** Each model and precision has up to DLLAB_RAY_DECODERS actors, spread over the
  nodes, each holding the model and decoding the generations it serves as one batch (core.batching),
  as the server's own requests do. A generation goes to the decoder serving the fewest rows; a new one
  starts while each serves some and the pool has room.
- **Faults.** A decoder found dead before a generation's first token is replaced once, unseen; one that
  dies later ends the generation with ClusterError and leaves the pool.
- **Turns on a local instance.** A ``local`` instance computes on this server's cores, so its decoders'
  steps take turns in this server's scheduler (core/scheduler.py) as the server's own batch would:
  while a decoder has rows of this server's, a pacer thread here holds its batch's job (weighted by
  those rows, placed in line by their compute so far), and in each turn it gets lets the decoder take
  one step and waits for it to end. A decoder whose pacer does not come within PACE_WAIT_S steps
  anyway. On a cluster of other machines the decoders step freely, each on one thread.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from core.cluster import shares_cores, stream
from core.cluster_stop import RemoteStop
from core.errors import ClusterError, DLLabError
from core.scheduler import Job

log = logging.getLogger("dllab")

PACE_WAIT_S = 2.0           # a paced decoder's step waits this long at most for its turn
IDLE_WAIT_S = 0.05          # a turn offered to a decoder with no rows (its first is on its way) waits this long
PACE = "pace"               # the actor's concurrency group for its pacer's calls (rows never hold them up)


class _Gate:
    """In a paced decoder: where its batch's steps take their turns (core.batching.take_turns_from), each
    one offered by the web server's pacer during a turn of the server's own."""

    def __init__(self, has_rows):
        self._has_rows = has_rows
        self._cond = threading.Condition()
        self._offer = 0             # threads of the turn on offer (0: none)
        self._steps = 0             # steps taken
        self._attained = 0.0        # the compute of the batch's rows, after the last step
        self.threads = 1            # the last step's threads

    @contextmanager
    def job(self, kind: str, **_):
        yield Job(kind)

    @contextmanager
    def turn(self, job, most: int | None = None):
        import torch

        with self._cond:
            self._cond.wait_for(lambda: self._offer, timeout=PACE_WAIT_S)
            offered, self._offer = self._offer or 1, 0
        threads = self.threads = min(offered, most) if most else offered
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        try:
            yield threads
        finally:
            with self._cond:
                self._steps += 1
                self._attained = job.attained
                self._cond.notify_all()

    def step(self, threads: int) -> float | None:
        """Let the batch take one step on ``threads`` threads and wait for it to end: the compute its rows
        have had, or None when it took none (it had no rows)."""
        with self._cond:
            before, self._offer = self._steps, max(1, int(threads))
            self._cond.notify_all()
            took = self._cond.wait_for(lambda: self._steps > before,
                                       timeout=PACE_WAIT_S if self._has_rows() else IDLE_WAIT_S)
            self._offer = 0
            return self._attained if took else None


class _Decoder:
    """An actor holding one text model: the calls it serves at once decode as one batch (core.batching),
    as the server's own requests do; ``paced``: its steps wait for the server's turns (step())."""

    def __init__(self, name: str, precision: str, paced: bool = False):
        from core import batching
        from core.lm import text_model

        self.model = text_model(name, precision)
        self.gate = None
        if paced:
            lm = self.model.lm
            self.gate = _Gate(lambda: any(batching.batcher(lm).size()))
            batching.take_turns_from(self.gate)

    def about(self) -> dict:
        """Its process, and the threads its batch computes on (paced: those of its last step, the share of
        the turn it was offered, as the server's own batch gets: one for one row)."""
        from core import config

        threads = self.gate.threads if self.gate is not None else config.cores()
        return dict(pid=os.getpid(), threads=threads, paced=self.gate is not None)

    def step(self, threads: int) -> float | None:
        return self.gate.step(threads)

    def choices(self, prompt_ids, cfg, eos, run_id, flags):
        from core import batching

        yield from batching.row_choices(self.model.lm, prompt_ids, cfg, eos, RemoteStop(flags, run_id))


@dataclass(eq=False)
class _Seat:
    """A decoder actor of a model's pool, and the generations it serves."""
    actor: object
    paced: bool = False
    rows: int = 0           # generations decoding there now
    served: int = 0         # generations it was given
    pacer: threading.Thread | None = None


_decoders: dict[tuple[str, str], list[_Seat]] = {}
_decoders_lock = threading.Lock()


def _pace(seat: _Seat) -> None:
    """A paced decoder's pacer: while it has rows of this server's, its batch's job in this server's
    scheduler, one step a turn. A job the class has no room for steps without turns."""
    import ray

    from core.errors import ResourceLimit
    from core.scheduler import SCHEDULER

    def one_step(threads: int):
        return ray.get(seat.actor.step.options(concurrency_group=PACE).remote(threads), timeout=PACE_WAIT_S + 60)

    def rows_left() -> bool:
        with _decoders_lock:
            if seat.rows == 0:
                seat.pacer = None
            return seat.rows > 0

    try:
        try:
            with SCHEDULER.job("generate") as job:
                while rows_left():
                    job.weight = max(1, seat.rows)
                    with SCHEDULER.turn(job, most=1 if job.weight == 1 else None) as threads:   # as core.batching
                        attained = one_step(threads)
                    if attained is not None:
                        job.attained = attained
        except ResourceLimit:
            while rows_left():
                one_step(1)
    except Exception as failed:  # noqa: BLE001 - a decoder gone or stuck: its rows hear it from their streams
        log.warning("the pacer of a text decoder on the cluster ended: %s: %s", type(failed).__name__, failed)
        with _decoders_lock:
            seat.pacer = None


def _take_seat(name: str, precision: str) -> _Seat:
    """A decoder of the model's pool for one more generation: the one serving the fewest rows, or a new one
    while each serves some and the pool has fewer than DLLAB_RAY_DECODERS (decoders start on first use)."""
    import ray

    from core import config

    with _decoders_lock:
        pool = _decoders.setdefault((name, precision), [])
        seat = min(pool, key=lambda s: s.rows, default=None)
        if seat is None or (seat.rows and len(pool) < config.settings().ray_decoders):
            # No CPU is reserved: an actor holds what it reserves for its whole life, and a few models'
            # decoders would then leave no CPU to the runs. Unpaced, it decodes on one thread, as each task
            # computes: OpenMP threads waiting for a core another process holds spin (two made generation
            # slower); paced, on its turn's share.
            actor = ray.remote(num_cpus=0, max_concurrency=config.GENERATE_MAX_BATCH + 1, max_restarts=0,
                               concurrency_groups={PACE: 1}, scheduling_strategy="SPREAD",
                               runtime_env={"env_vars": {"DLLAB_THREADS": "1"}})(_Decoder)
            paced = shares_cores()
            seat = _Seat(actor.remote(name, precision, paced), paced)
            pool.append(seat)
        seat.rows += 1
        seat.served += 1
        if seat.paced and seat.pacer is None:
            seat.pacer = threading.Thread(target=_pace, args=(seat,), name="dllab-decoder-pacer", daemon=True)
            seat.pacer.start()
        return seat


def _leave_seat(name: str, precision: str, seat: _Seat, died: bool) -> None:
    with _decoders_lock:
        seat.rows -= 1
        pool = _decoders.get((name, precision), [])
        if died and seat in pool:                   # the next generation starts a new decoder
            pool.remove(seat)


def decoders() -> dict[tuple[str, str], list[dict]]:
    """Each model's decoders on the cluster: the generations each serves now and was given, its process,
    threads and whether its steps take this server's turns."""
    import ray

    with _decoders_lock:
        pools = {key: list(pool) for key, pool in _decoders.items()}
    return {key: [dict(rows=s.rows, served=s.served,
                       **ray.get(s.actor.about.options(concurrency_group=PACE).remote(), timeout=60)) for s in pool]
            for key, pool in pools.items() if pool}


def shutdown_decoders() -> None:
    """End every decoder (tests; a model's next generation starts a new one)."""
    import ray

    with _decoders_lock:
        seats = [seat for pool in _decoders.values() for seat in pool]
        _decoders.clear()
    for seat in seats:
        ray.kill(seat.actor)


def forget() -> None:
    """Drop the pools without ending them (the cluster is being shut down)."""
    with _decoders_lock:
        _decoders.clear()


def choices(name: str, precision: str, prompt_ids: list[int], cfg, eos: list[int], should_stop) -> Iterator:
    """core.batching.row_choices computed by a decoder of the cluster's pool for model ``name``: the same
    items (a core.batching.Choice per token, then the end), and the same tokens a row of the server's
    own batch would get. Closing the iterator ends the row there. A decoder found dead before its first
    token is replaced once, unseen; one that dies later ends the generation with ClusterError."""
    for attempt in (1, 2):
        seat, started = _take_seat(name, precision), False
        try:
            for item in stream(None, should_stop, prompt_ids, cfg, eos, start=seat.actor.choices.remote):
                started = True
                yield item
            _leave_seat(name, precision, seat, died=False)
            return
        except DLLabError as failed:        # its worker died, or its model would not load there: a new one next
            _leave_seat(name, precision, seat, died=True)
            if started or attempt == 2 or not isinstance(failed, ClusterError):
                raise
        except BaseException:
            _leave_seat(name, precision, seat, died=False)
            raise
