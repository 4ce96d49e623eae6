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
transcription; core/cluster_decoders.py: the text decoders; this module: the loop that drives them,
Stop and faults). On a ``local`` instance, whose tasks compute on this server's cores, each unit of a
run (its items of about config.RAY_UNIT_S) is computed during a turn of this server's scheduler, as runs
in this process are: the two would otherwise oversubscribe the cores between them. A task
builds the same run from the same settings and seeds, so its records are the ones an in-process
run makes; each epoch brings the model's weights along, so the page's plots and the finished
run's metrics, export and history are computed from the very weights the cluster trained. Stop is
a flag in a small actor that the task reads between batches (core/cluster_stop.py); a client that
goes away cancels the task; a worker that dies ends the run with a message, and the next run starts
a new worker.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from core.cluster_stop import StopFlags
from core.errors import ClusterError, DLLabError

log = logging.getLogger("dllab")

ENV = "DLLAB_RAY_ADDRESS"
OBJECT_STORE_BYTES = 128 * 1024 * 1024     # a local instance's store: runs pass weights of a few MB at most
WAIT_S = 0.1                               # how often the web process checks its own Stop while a run computes


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

        # Ray ends idle workers beyond num_workers_soft_limit (by default one per CPU) a second after they
        # idle, and each new one imports torch and loads its models again (seconds of CPU): one per run
        # that may compute at once stays. The workers Ray starts ahead for a first driver never served
        # DL Lab's tasks (which carry their runtime_env), and each idle worker uses ~0.6 % of a core.
        ray.init(num_cpus=config.cores(), include_dashboard=False, object_store_memory=OBJECT_STORE_BYTES,
                 _system_config={"num_workers_soft_limit": config.RAY_LOCAL_RUNS,
                                 "prestart_worker_first_driver": False}, **options)
    else:
        ray.init(address=where, **options)
    _signals = ray.remote(num_cpus=0)(StopFlags).remote()
    ray.get(_signals.is_set.remote(""), timeout=60)       # the actor is up: the cluster answers


def shutdown() -> None:
    """Disconnect (tests); runs compute in-process afterwards."""
    global _signals
    from core import cluster_decoders

    cluster_decoders.forget()
    _remote.clear()
    if _status.state in ("ready", "connecting"):
        import ray

        ray.shutdown()
    _signals = None
    _set(Status("off", None))


_remote: dict = {}


def shares_cores() -> bool:
    """Whether the cluster is the ``local`` instance: its tasks compute on this server's cores, so that
    they take turns in this server's scheduler (core/scheduler.py) as runs in this process do."""
    now = _status
    return now.ready and now.address == "local"


def _paced_cpus() -> float:
    """The CPUs a paced task asks of a local instance (told of the server's cores): a share, so that
    config.RAY_LOCAL_RUNS of them run at once and the server's scheduler decides which of them computes.
    Asking for a whole CPU, a new short run waited in Ray's queue behind transcriptions that held every
    CPU, for up to 37 s in the classroom mix, while the server's line would have put it first."""
    from core import config

    return int(10_000 * config.cores() / config.RAY_LOCAL_RUNS) / 10_000     # Ray's resolution


def _remote_task(task, num_cpus: float, paced: bool = False):
    import ray

    if (task, num_cpus, paced) not in _remote:
        options = dict(num_cpus=num_cpus, max_retries=0)
        if paced:               # the task waits after each item until the follower takes it
            options["_generator_backpressure_num_objects"] = 1
        _remote[task, num_cpus, paced] = ray.remote(**options)(task)
    return _remote[task, num_cpus, paced]


class _Unit(list):
    """The items a paced task computed in one turn; ``final``: the task has ended after them."""
    final = False


FINISHING = "finishing"     # a task yields it once its run's last unit of work is done (what follows is cheap)


def _finishing(item) -> bool:
    return isinstance(item, str) and item == FINISHING


def _unit_by_unit(task, paced: bool, *args):
    """On a worker: ``task(*args)``'s items (without its FINISHING). Paced, they come in units: a None,
    at which the task waits (Ray's backpressure) until the follower takes it, which it does holding a
    turn on this server's cores; then the items computed in config.RAY_UNIT_S (at least one) as one _Unit.
    After FINISHING, the unit takes every item left and is the final one: the follower takes those
    without waiting in line for another turn, as core.scheduler.scheduled does for a run's last record."""
    from core import config

    items = task(*args)
    if not paced:
        yield from (item for item in items if not _finishing(item))
        return
    # The task's setup up to its first item (its worker's process, sent at once), before the first turn: a
    # worker's first run of a kind imports its modules and loads its models (a second or two), which in a
    # turn would hold a core that the runs in line could use.
    items = itertools.chain([next(items)], items)
    while True:
        yield None
        unit, began, finishing = _Unit(), time.monotonic(), False
        try:
            while not unit or finishing or time.monotonic() - began < config.RAY_UNIT_S:
                item = next(items)
                if _finishing(item):
                    finishing = True
                else:
                    unit.append(item)
        except StopIteration:
            unit.final = True
        yield unit
        if unit.final:
            return


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


def _follow(refs, should_stop, run_id: str) -> Iterator:
    """The items of the generator ``refs`` as they come; meanwhile this user's Stop goes on to the task."""
    import ray

    told_stop = False
    while True:
        ready_now, _ = ray.wait([refs], timeout=WAIT_S)
        if should_stop() and not told_stop:
            _signals.set.remote(run_id)
            told_stop = True
        if not ready_now:
            continue
        try:
            yield ray.get(next(refs))
        except StopIteration:
            return
        except ray.exceptions.RayError as failed:
            _raise_from(failed)


def stream(task, should_stop, *args, start=None, kind: str = "run") -> Iterator:
    """Start ``task`` on the cluster as a Ray generator task (or ``start(run_id, flags)``, which starts
    one) and yield what it yields; meanwhile pass this user's Stop on to it. A task that fails with one
    of DL Lab's errors raises it here; one whose worker died raises ClusterError. Closing this
    generator (a client that went away) cancels the task.

    On a ``local`` instance a task's items are computed in turns of this server's scheduler, as a job of
    ``kind`` (its units on one thread, as the task computes): then, as in-process, it may be refused
    (the class is busy) and yields a core.scheduler.Waiting while it waits for a turn."""
    import ray

    from core.scheduler import SCHEDULER, Waiting, scheduled

    run_id = uuid.uuid4().hex
    paced = start is None and shares_cores()
    with ExitStack() as turns:
        job = turns.enter_context(SCHEDULER.job(kind, should_stop=should_stop, most=1)) if paced else None
        if start is None:
            remote = _remote_task(_unit_by_unit, _paced_cpus() if paced else 1, paced)
            refs = remote.remote(task, paced, *args, run_id, _signals)
        else:
            refs = start(*args, run_id, _signals)
        ended = False           # the task ended, or failed: nothing to cancel
        try:
            items = _follow(refs, should_stop, run_id)
            if paced:
                # Into the line once Ray has started the task: a turn given to a task still queued there
                # (behind tasks that wait for turns) would never be used.
                while not ray.wait([refs], timeout=WAIT_S)[0] and not should_stop():
                    pass
                # a unit: take the task's None (it computes its next items), then those items
                for unit in scheduled((item for item in items if item is not None), job):
                    yield from ([unit] if isinstance(unit, Waiting) else unit)
            else:
                yield from items
            ended = True
        except DLLabError:
            ended = True
            raise
        finally:            # a client that went away: whatever still runs there stops too
            _signals.set.remote(run_id)               # a decoder's row reads it (a running actor call is not cancelled)
            if not ended:
                # Not after it ended: Ray 2.60's driver aborted (a failed check in its task manager) when a
                # generator task that had just failed was cancelled while its last reply was on its way.
                ray.cancel(refs)
