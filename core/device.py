"""Where tensors live: CUDA when present (or as DLLAB_DEVICE says), else the CPU."""

from __future__ import annotations

import logging
import threading

from core.config import cores, settings
from core.errors import DLLabError

log = logging.getLogger(__name__)
_threads_set = False
_lock = threading.Lock()

# transformers' from_pretrained swaps torch.nn.init's functions (and others) for no-ops while it
# loads, process-wide: a model built in another thread meanwhile keeps uninitialised weights,
# and two loads at once leave their parameters on the meta device or the no-ops in place for
# good. Loading a pretrained model and building a model to train both hold this lock.
model_building = threading.RLock()


def configure_threads() -> None:
    """Set torch's thread counts once per process.

    Intra-op threads default to the number of cores (or DLLAB_THREADS); one
    inter-op thread is enough for the small graphs DL Lab runs and avoids
    oversubscribing a 2-core machine when several sessions train at once.
    """
    global _threads_set
    with _lock:
        if _threads_set:
            return
        import torch

        torch.set_num_threads(cores())
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already set, or parallel work has started
            pass
        _threads_set = True


def get_device():
    """The torch.device to use, from DLLAB_DEVICE: 'auto' (default), 'cpu', 'cuda' or 'cuda:N'."""
    import torch

    configure_threads()
    wanted = settings().device
    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if wanted == "cpu":
        return torch.device("cpu")
    if wanted.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DLLabError("device_no_cuda", value=wanted)
        return torch.device(wanted)
    raise DLLabError("device_unknown", value=wanted)
