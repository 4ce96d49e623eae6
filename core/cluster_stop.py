"""Stop for runs on the Ray cluster (core/cluster.py): a small actor holds the flags of the runs to stop,
which the web process sets (its user pressed Stop, or its client went away) and each task reads between
its batches."""

from __future__ import annotations

import threading
import time
import weakref

STOP_POLL_S = 0.25          # how often a task on the cluster reads its Stop flag (an actor call: ~0.7 ms of CPU)
FLAG_KEEP_S = 600.0                        # how long the Stop-flag actor remembers a run


class StopFlags:
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
                try:
                    stopped = set(ray.get(self._flags.which_set.remote([stop._run_id for stop in runs])))
                except ray.exceptions.RayError:     # the flags' actor did not answer in time (a busy node):
                    stopped = set()                 # the run goes on, and reads them at the next poll
                for stop in runs:
                    stop._stopped = stop._run_id in stopped
                RemoteStop._next = time.monotonic() + STOP_POLL_S
        return self._stopped
