"""Heavy work on a Ray cluster when DLLAB_RAY_ADDRESS says so; in this process otherwise.

- DLLAB_RAY_ADDRESS unset or empty: every run computes in the web process, in turns
  (core/scheduler.py). That is the embedded default, and nothing here imports Ray.
- ``local``: a Ray instance started by this process, sized to config.cores() with a small
  object store.
- ``ray://host:10001``: a running cluster, through Ray Client.
- ``auto``: the cluster this machine is a node of.

Ray is imported only when configured, and connected by ``warm_up`` once the server is up (a local
start takes several seconds, while the page already serves). Until then, and for good when it cannot
connect, runs compute in-process; ``status()`` says which and why, for the log and the page.

Runs stream their records back from Ray generator tasks (core/cluster_runs.py: training, pretraining,
transcription; this module: the loop that drives them, Stop and faults, and the text decoders). A task
builds the same run from the same settings and seeds, so its records are the ones an in-process
run makes; each epoch brings the model's weights along, so the page's plots and the finished
run's metrics, export and history are computed from the very weights the cluster trained. Stop is
a flag in a small actor that the task reads between batches; a client that goes away cancels the
task; a worker that dies ends the run with a message, and the next run starts a new worker.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from core.errors import ClusterError, DLLabError

log = logging.getLogger("dllab")

ENV = "DLLAB_RAY_ADDRESS"
OBJECT_STORE_BYTES = 128 * 1024 * 1024     # a local instance's store: runs pass weights of a few MB at most
STOP_POLL_S = 0.05                         # how often a task on the cluster reads its Stop flag
WAIT_S = 0.1                               # how often the web process checks its own Stop while a run computes
FLAG_KEEP_S = 600.0                        # how long the Stop-flag actor remembers a run


@dataclass(frozen=True)
class Status:
    state: str              # "off", "connecting", "ready", "unavailable"
    address: str | None
    detail: str = ""        # why it is unavailable; what it is connected to

    @property
    def ready(self) -> bool:
        return self.state == "ready"


_lock = threading.Lock()
_status = Status("off", None)
_signals = None          # the Stop-flag actor


def address() -> str | None:
    """DLLAB_RAY_ADDRESS, checked: None (unset), "local", "auto" or "ray://host:port"."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    if raw in ("local", "auto"):
        return raw
    host, _, port = raw.removeprefix("ray://").rpartition(":")
    if raw.startswith("ray://") and host and port.isdigit() and 0 < int(port) < 65536:
        return raw
    raise ValueError(f"{ENV} must be 'local', 'auto' or 'ray://host:port', got {raw!r}")


def status() -> Status:
    """Where heavy work computes; a cluster that is configured but not tried yet (the warm-ups go
    first) counts as connecting."""
    with _lock:
        current = _status
    pending = os.environ.get(ENV, "").strip()
    return Status("connecting", pending) if current.state == "off" and pending else current


def ready() -> bool:
    return _status.ready


def _set(new: Status) -> None:
    global _status
    with _lock:
        _status = new


def warm_up() -> None:
    """Connect to the configured cluster (app.py runs this once the server is up). Call it from a
    thread that lives as long as the server, the main thread say: Ray's processes for a ``local``
    instance end when the thread that started them ends."""
    try:
        where = address()
    except ValueError as bad:
        _set(Status("unavailable", os.environ.get(ENV), str(bad)))
        log.warning("Ray not used, runs compute in this process: %s", bad)
        return
    if where is None:
        return
    _set(Status("connecting", where))
    started = time.perf_counter()
    try:
        _connect(where)
    except Exception as exc:  # noqa: BLE001 - any failure means: compute in-process, and say why
        detail = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        _set(Status("unavailable", where, detail))
        log.warning("Ray at %s is unavailable, runs compute in this process: %s", where, detail)
        return
    _set(Status("ready", where, f"connected in {time.perf_counter() - started:.1f} s"))
    log.info("Ray at %s: heavy runs compute on the cluster (connected in %.1f s)",
             where, time.perf_counter() - started)


def _connect(where: str) -> None:
    global _signals
    try:
        import ray
    except ImportError:
        raise RuntimeError("Ray is not installed (pip install -r requirements-ray.txt)") from None
    import core

    runtime_env = {"py_modules": [str(Path(core.__file__).parent)],        # workers need only the packages
                   "env_vars": {k: v for k, v in os.environ.items()
                                if k.startswith(("DLLAB_", "HF_")) and k != ENV}}
    options = dict(runtime_env=runtime_env, log_to_driver=False, ignore_reinit_error=True)
    if where == "local":
        from core import config

        cpus = config.cores() * config.RAY_LOCAL_CPUS_PER_CORE
        # Ray ends idle workers beyond one per CPU a second after they idle, and each new one imports torch
        # and loads its models again (seconds of CPU): a class's bursts keep twice as many.
        ray.init(num_cpus=cpus, include_dashboard=False, object_store_memory=OBJECT_STORE_BYTES,
                 _system_config={"num_workers_soft_limit": 2 * cpus}, **options)
    else:
        ray.init(address=where, **options)
    _signals = ray.remote(num_cpus=0)(_StopFlags).remote()
    ray.get(_signals.is_set.remote(""), timeout=60)       # the actor is up: the cluster answers


def shutdown() -> None:
    """Disconnect (tests); runs compute in-process afterwards."""
    global _signals
    _decoders.clear()
    _remote.clear()
    if _status.state in ("ready", "connecting"):
        import ray

        ray.shutdown()
    _signals = None
    _set(Status("off", None))


class _StopFlags:
    """An actor holding the runs to stop (their user pressed Stop, or their client went away), by run
    id; a flag is forgotten FLAG_KEEP_S after it was set."""

    def __init__(self):
        self._stopped: dict[str, float] = {}

    def set(self, run_id: str) -> None:
        now = time.monotonic()
        self._stopped = {k: t for k, t in self._stopped.items() if now - t < FLAG_KEEP_S}
        self._stopped[run_id] = now

    def is_set(self, run_id: str) -> bool:
        return run_id in self._stopped

    def which_set(self, run_ids: list[str]) -> list[str]:
        return [run_id for run_id in run_ids if run_id in self._stopped]


class RemoteStop:
    """should_stop() for a run on the cluster: its flag. The runs of one process (a decoder's rows) read
    their flags together, in one call at most every STOP_POLL_S."""

    _lock = threading.Lock()
    _live: "weakref.WeakSet[RemoteStop]" = weakref.WeakSet()
    _next = 0.0

    def __init__(self, flags, run_id: str):
        self._flags, self._run_id, self._stopped = flags, run_id, False
        with RemoteStop._lock:
            RemoteStop._live.add(self)
            RemoteStop._next = 0.0              # a new run reads its flag at once

    def __call__(self) -> bool:
        if self._stopped:
            return True
        with RemoteStop._lock:
            if time.monotonic() >= RemoteStop._next:
                import ray

                runs = [stop for stop in RemoteStop._live if not stop._stopped]
                stopped = set(ray.get(self._flags.which_set.remote([stop._run_id for stop in runs])))
                for stop in runs:
                    stop._stopped = stop._run_id in stopped
                RemoteStop._next = time.monotonic() + STOP_POLL_S
        return self._stopped


_remote: dict = {}


def _remote_task(task, num_cpus: int):
    import ray

    if (task, num_cpus) not in _remote:
        _remote[task, num_cpus] = ray.remote(num_cpus=num_cpus, max_retries=0)(task)
    return _remote[task, num_cpus]


def _raise_from(failed) -> None:
    """A task's failure as DL Lab's error: its own (a run that diverged, a model it cannot load), else
    ClusterError (its worker died, the cluster went away)."""
    cause = getattr(failed, "cause", None)
    if isinstance(cause, DLLabError):
        raise cause from None
    raise ClusterError("cluster_run_lost", detail=type(failed).__name__) from None


def call(task, *args, num_cpus: int = 1, timeout: float | None = None):
    """``task(*args)`` on the cluster, holding ``num_cpus`` of a node's CPUs; its result. Past
    ``timeout`` seconds the task is cancelled and TimeoutError raised."""
    import ray

    ref = _remote_task(task, num_cpus).remote(*args)
    try:
        return ray.get(ref, timeout=timeout)
    except ray.exceptions.GetTimeoutError:
        ray.cancel(ref, force=True)
        raise TimeoutError(f"the task took longer than {timeout} s") from None
    except ray.exceptions.RayError as failed:
        _raise_from(failed)


def stream(task, should_stop, *args, start=None) -> Iterator:
    """Start ``task`` on the cluster as a Ray generator task (or ``start(run_id, flags)``, which starts
    one) and yield what it yields; meanwhile pass this user's Stop on to it. A task that fails with one
    of DL Lab's errors raises it here; one whose worker died raises ClusterError. Closing this
    generator (a client that went away) cancels the task."""
    import ray

    run_id = uuid.uuid4().hex
    stream = (start or _remote_task(task, 1).remote)(*args, run_id, _signals)
    told_stop = False
    try:
        while True:
            ready_now, _ = ray.wait([stream], timeout=WAIT_S)
            if should_stop() and not told_stop:
                _signals.set.remote(run_id)
                told_stop = True
            if not ready_now:
                continue
            try:
                yield ray.get(next(stream))
            except StopIteration:
                return
            except ray.exceptions.RayError as failed:
                _raise_from(failed)
    finally:            # ended, or a client that went away: whatever still runs there stops too
        _signals.set.remote(run_id)               # a decoder's row reads it (a running actor call is not cancelled)
        ray.cancel(stream)


class _Decoder:
    """An actor holding one text model: the calls it serves at once decode as one batch (core.batching),
    as the server's own requests do."""

    def __init__(self, name: str, precision: str):
        from core.lm import text_model

        self.model = text_model(name, precision)

    def about(self) -> dict:
        """Its process, and the threads its batch computes on."""
        from core import config

        return dict(pid=os.getpid(), threads=config.cores())

    def choices(self, prompt_ids, cfg, eos, run_id, flags):
        from core import batching

        yield from batching.row_choices(self.model.lm, prompt_ids, cfg, eos, RemoteStop(flags, run_id))


@dataclass(eq=False)
class _Seat:
    """A decoder actor of a model's pool, and the generations it serves."""
    actor: object
    rows: int = 0           # generations decoding there now
    served: int = 0         # generations it was given


_decoders: dict[tuple[str, str], list[_Seat]] = {}
_decoders_lock = threading.Lock()


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
            # decoders would then leave no CPU to the runs. It decodes on one thread, as each task computes:
            # OpenMP threads waiting for a core another process holds spin (two made generation slower).
            actor = ray.remote(num_cpus=0, max_concurrency=config.GENERATE_MAX_BATCH + 1, max_restarts=0,
                               scheduling_strategy="SPREAD",
                               runtime_env={"env_vars": {"DLLAB_THREADS": "1"}})(_Decoder)
            seat = _Seat(actor.remote(name, precision))
            pool.append(seat)
        seat.rows += 1
        seat.served += 1
        return seat


def _leave_seat(name: str, precision: str, seat: _Seat, died: bool) -> None:
    with _decoders_lock:
        seat.rows -= 1
        pool = _decoders.get((name, precision), [])
        if died and seat in pool:                   # the next generation starts a new decoder
            pool.remove(seat)


def decoders() -> dict[tuple[str, str], list[dict]]:
    """Each model's decoders on the cluster: the generations each serves now and was given, its process and
    threads."""
    import ray

    with _decoders_lock:
        pools = {key: list(pool) for key, pool in _decoders.items()}
    return {key: [dict(rows=s.rows, served=s.served, **ray.get(s.actor.about.remote(), timeout=60)) for s in pool]
            for key, pool in pools.items() if pool}


def shutdown_decoders() -> None:
    """End every decoder (tests; a model's next generation starts a new one)."""
    import ray

    with _decoders_lock:
        seats = [seat for pool in _decoders.values() for seat in pool]
        _decoders.clear()
    for seat in seats:
        ray.kill(seat.actor)


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
