"""Training, pretraining and transcription on the Ray cluster (core/cluster.py connects and drives
them): on a worker, each task builds the same run from the same settings and seeds and yields its
records; here, each follower yields those records and brings the run it was handed up to date, so
that it finishes (metrics, plots, export, registry) as an in-process run does."""

from __future__ import annotations

import os
import time
from typing import Iterator

from core.cluster import FINISHING, stream
from core.cluster_stop import RemoteStop
from core.scheduler import Waiting

BUNDLE_S = 0.05                            # a pretraining task sends its step records this often


def _as_a_run() -> None:
    """A task's process computes on one thread: it holds one CPU of the cluster's."""
    import torch

    torch.set_num_threads(1)


def _train_task(cfg, data, run_id, flags):
    """On a worker: the run, epoch by epoch, each record with the weights it ended on."""
    from core.train import TrainingRun

    _as_a_run()
    run = TrainingRun(cfg, should_stop=RemoteStop(flags, run_id), data=data)
    yield "worker", os.getpid()
    for record in run.epochs():     # a copy: a paced unit sends several epochs at once
        yield "epoch", (record, {name: tensor.clone() for name, tensor in run.model.state_dict().items()})
        if record.final:
            yield FINISHING
    yield "end", (run.stopped, run._seconds, run.model.state_dict())


class _OneModel:
    """The session's registry as a fine-tune on a worker needs it: the one model it starts from."""

    def __init__(self, entry):
        self.entry = entry

    def get(self, model_id):
        return self.entry


def _pretrain_task(cfg, base, run_id, flags):
    """On a worker: the pretraining run, its step records in bundles (one object a step would cost
    more than the step), then the weights of its model and of its from-scratch twin."""
    from core.pretrain import PretrainRun

    _as_a_run()
    run = PretrainRun(cfg, _OneModel(base), should_stop=RemoteStop(flags, run_id))
    yield "worker", os.getpid()
    bundle, sent, last = [], time.monotonic(), None
    for last in run.steps():
        bundle.append(last)
        if last.final:
            yield FINISHING
        if last.sample is not None or time.monotonic() - sent >= BUNDLE_S:
            yield "steps", bundle
            bundle, sent = [], time.monotonic()
    if run.history and run.history[-1] is not last:       # stopped: its last step judged after it was sent
        bundle.append(run.history[-1])
    yield "steps", bundle
    yield "end", (run.stopped, run.model.state_dict(), run.scratch.state_dict() if run.scratch is not None else None)


def _transcribe_task(cfg, audio, run_id, flags):
    """On a worker: the transcription, its progress after each chunk, then the transcript."""
    from core import sphinx
    from core.speech import Transcription

    _as_a_run()
    sphinx.USE_WORKER_PROCESSES = False          # this worker is a process of its own: no GIL to share
    run = Transcription(cfg, audio, should_stop=RemoteStop(flags, run_id))
    if run.engine == "pocketsphinx":        # its decoder, before the turns (core.cluster._unit_by_unit)
        sphinx.load_here(run.config.phrases or None)
    yield "worker", os.getpid()
    for progress in run.steps():
        yield "progress", progress
        if progress.final:
            yield FINISHING
    yield "end", run.result()


def train_epochs(run, should_stop) -> Iterator:
    """``run.epochs()`` computed on the cluster: the same EpochRecords, and ``run`` (built here from the
    same settings) follows: its history, its model's weights after every epoch, and in the end
    whether it stopped and how long it computed. ``should_stop``: this user's Stop."""
    for item in stream(_train_task, should_stop, run.config, run.data, kind="train"):
        if isinstance(item, Waiting):
            yield item
            continue
        kind, value = item
        if kind == "worker":
            run.worker_pid = value
        elif kind == "epoch":
            record, weights = value
            run.model.load_state_dict(weights)
            run.history.append(record)
            yield record
        else:
            run.stopped, run._seconds, weights = value
            run.model.load_state_dict(weights)


def pretrain_steps(run, should_stop) -> Iterator:
    """``run.steps()`` (a core.pretrain.PretrainRun) computed on the cluster: the same StepRecords, with
    the run's history and samples following them here, and in the end its trained weights (and its
    from-scratch twin's), so that it registers and summarises as an in-process run does."""
    base = run.base
    for item in stream(_pretrain_task, should_stop, run.config, base, kind="pretrain"):
        if isinstance(item, Waiting):
            yield item
            continue
        kind, value = item
        if kind == "worker":
            run.worker_pid = value
        elif kind == "steps":
            for record in value:
                if record.sample is not None:
                    run.samples.append((record.step, record.sample))
                if run.history and run.history[-1].step == record.step:     # a stopped run's last step, judged
                    run.history[-1] = record
                else:
                    run.history.append(record)
                yield record
        else:
            run.stopped, weights, scratch = value
            run.model.load_state_dict(weights)
            if scratch is not None:
                run.scratch.load_state_dict(scratch)
            for model in (run.model, run.scratch):
                if model is not None:
                    model.eval()


class RemoteTranscription:
    """A core.speech.Transcription computed on the cluster (the worker loads the model and chooses the
    engine): ``steps()`` yields the same Progress records, then ``result()`` is the same Transcript."""

    def __init__(self, config, audio, should_stop):
        self.config, self.audio, self.should_stop = config, audio, should_stop
        self._result = None
        self.worker_pid = None

    def steps(self) -> Iterator:
        for item in stream(_transcribe_task, self.should_stop, self.config, self.audio, kind="transcribe"):
            if isinstance(item, Waiting):
                yield item
                continue
            kind, value = item
            if kind == "worker":
                self.worker_pid = value
            elif kind == "progress":
                yield value
            else:
                self._result = value

    def result(self):
        return self._result
