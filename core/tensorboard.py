"""TensorBoard logs of training runs, to download and open with ``tensorboard --logdir``.

``RunLog`` writes one run's event files as the run goes (scalars per step, text samples,
hyper-parameters for TensorBoard's HParams view); ``write_train_run`` replays a finished
Train-tab run from the session's history into one; ``zip_logs`` packs a log folder into
a fresh download folder (``core.files``, swept like every other download).

Logs are written per request or per run, into a folder of their own, never one shared
between users. Folder and file names are DL Lab's (``run-007``), never user text, and a
log holds what its run produced and nothing more; text samples are capped at
``config.TENSORBOARD_TEXT_CHARS``. torch's writer is imported only here, on first use.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Iterable

from core import config, files
from core.errors import DLLabError

LOG_FOLDER = "dllab-tensorboard"       # the folder a downloaded log unzips to
_SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_HPARAM_TEXT_CHARS = 200


def safe_name(name: str) -> str:
    """``name`` itself when it can be a folder name in a log (lower-case letters, digits, - and _)."""
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
        raise ValueError(f"not a safe log name: {name!r}")     # DL Lab's bug: names never come from users
    return name


def view_command(zip_path: Path) -> str:
    """The one command that shows an unzipped log (TensorBoard finds the runs in its sub-folders)."""
    return f"tensorboard --logdir {Path(zip_path).stem}"


class RunLog:
    """One run's TensorBoard log: ``root/name/events.out.tfevents...``.

    ``root`` is the caller's per-session or per-request folder; without one, the log gets a
    fresh download folder of its own (``self.root``, to pass to ``zip_logs``).
    """

    def __init__(self, name: str, root: Path | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.name = safe_name(name)
        self._own_folder = files.new_folder() if root is None else None
        self.root = Path(root) if root is not None else self._own_folder / LOG_FOLDER
        self.folder = self.root / self.name
        self._writer = SummaryWriter(log_dir=str(self.folder))
        self._last_step = 0

    def scalars(self, step: int, values: dict[str, float], walltime: float | None = None) -> None:
        """One point per tag at ``step``: ``{"loss/train": 0.41, "loss/validation": 0.47}``.

        TensorBoard draws tags that share a prefix ("loss/...") on one card; None values are skipped.
        """
        self._last_step = max(self._last_step, int(step))
        for tag, value in values.items():
            if value is not None:
                self._writer.add_scalar(tag, float(value), int(step), walltime=walltime)

    def text(self, step: int, tag: str, text: str) -> None:
        """A text sample (what the model generated at ``step``), shown verbatim in the Text tab."""
        self._last_step = max(self._last_step, int(step))
        text = str(text)[:config.TENSORBOARD_TEXT_CHARS]
        # Indented four spaces, the text is a Markdown code block: its line breaks stay and a '#'
        # or '*' in a sample is not read as formatting.
        self._writer.add_text(tag, "\n".join("    " + line for line in text.split("\n")), int(step))

    def hparams(self, params: dict[str, Any], metrics: dict[str, float | None]) -> None:
        """The run's hyper-parameters and final metrics, one row of the HParams view.

        The metrics are written as scalars at the last step logged; values that are not
        numbers, text or booleans are written as text (a tuple of layer sizes as "64 64").
        """
        from torch.utils.tensorboard.summary import hparams as hparams_summaries

        params = {str(k): _hparam_value(v) for k, v in params.items() if v is not None}
        metrics = {k: float(v) for k, v in metrics.items() if v is not None and math.isfinite(float(v))}
        # Written into this run's own event file (torch's add_hparams would start a second run for it).
        for summary in hparams_summaries(params, metrics):
            self._writer.file_writer.add_summary(summary, self._last_step)
        self.scalars(self._last_step, metrics)

    def close(self) -> None:
        self._writer.close()
        if self._own_folder is not None:      # the sweep counts an hour from the end of the run
            os.utime(self._own_folder)

    def __enter__(self) -> "RunLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _hparam_value(value: Any) -> bool | int | float | str:
    if isinstance(value, (bool, int, float, str)):
        return value[:_HPARAM_TEXT_CHARS] if isinstance(value, str) else value
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)[:_HPARAM_TEXT_CHARS]
    return str(value)[:_HPARAM_TEXT_CHARS]


def zip_logs(folder: Path, name: str = LOG_FOLDER) -> Path:
    """Pack the event files under ``folder`` into ``<name>.zip`` (a fresh download folder).

    Inside, the runs sit under ``<name>/``, so ``view_command`` of the zip shows them once it is
    unzipped. Event files are renamed ``events.out.tfevents.<n>.dllab``: TensorBoard reads them
    in that order, and the server's host name (part of torch's file names) stays on the server.
    """
    name = safe_name(name)
    folder = Path(folder)
    events = sorted(folder.rglob("*tfevents*")) if folder.is_dir() else []
    if not events:
        raise DLLabError("tensorboard_no_log")
    path = files.new_folder() / f"{name}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i, event_file in enumerate(events):
            run = event_file.parent.relative_to(folder).as_posix()
            z.write(event_file, f"{name}/{run}/events.out.tfevents.{i:06d}.dllab")
        z.writestr(f"{name}/README.txt", f"Unzip, then run: {view_command(path)}\n"
                                         f"and open http://localhost:6006 in a browser.\n")
    return path


# --- Train-tab runs ------------------------------------------------------------------------

TRAIN_METRICS = ("accuracy", "f1", "auc")


def run_name(record) -> str:
    """A history run's folder in the log: run-007 for run #7."""
    return f"run-{int(record.id):03d}"


def train_hparams(result) -> dict[str, Any]:
    """The settings of a Train-tab run (a ``core.train.TrainResult``), as the HParams view lists them."""
    c = result.config
    return {"dataset": result.dataset_identity, "model": c.model, "hidden_sizes": c.hidden_sizes,
            "optimizer": c.optimizer, "learning_rate": c.learning_rate, "momentum": c.momentum,
            "epochs": c.epochs, "batch_size": c.batch_size, "dropout": c.dropout,
            "weight_decay": c.weight_decay, "l1": c.l1, "seed": c.seed, "samples": c.n_samples,
            "noise": c.noise}


def write_train_run(record, root: Path) -> Path:
    """Log one run of the session's history (a ``core.runs.RunRecord``) under ``root``; returns its folder.

    Per epoch: loss/train, loss/validation, accuracy/train, accuracy/validation and
    learning_rate (constant in the Train tab), at the seconds the run took to get there.
    Then the settings with final/accuracy, final/f1, final/auc and final/val_loss.
    """
    result = record.result
    started = time.time() - result.seconds
    with RunLog(run_name(record), root) as log:
        for e in result.history:
            log.scalars(e.epoch, {"loss/train": e.train_loss, "loss/validation": e.val_loss,
                                  "accuracy/train": e.train_accuracy, "accuracy/validation": e.val_accuracy,
                                  "learning_rate": result.config.learning_rate},
                        walltime=started + e.elapsed_s)
        final = {f"final/{k}": result.metrics.get(k) for k in TRAIN_METRICS}
        final["final/val_loss"] = result.history[-1].val_loss if result.history else None
        log.hparams(train_hparams(result), final)
    return log.folder


def train_runs_zip(records: Iterable) -> Path:
    """The given history runs as one zipped log, each run a folder of its own."""
    with tempfile.TemporaryDirectory(prefix="dllab-tensorboard-") as tmp:
        root = Path(tmp) / LOG_FOLDER
        for record in records:
            write_train_run(record, root)
        return zip_logs(root)
