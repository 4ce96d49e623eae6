"""A local Ray instance computes on this server's cores: its runs' units and its decoders' steps take
turns in this server's scheduler (core/scheduler.py), as work in this process does, and give the same
results."""

import threading
import time
from contextlib import contextmanager

from core import cluster_decoders, cluster_runs
from core.scheduler import SCHEDULER, Job, Waiting
from core.train import TrainingRun
from tests.conftest import until
from tests.core.test_cluster import config, generate_on, in_process


@contextmanager
def every_core_held():
    """Every core of this server's scheduler held by another job, as a latency measurement holds them."""
    with SCHEDULER.job("holder") as job, SCHEDULER.turn(job, exclusive=True):
        yield


def test_a_run_on_a_local_instance_waits_for_a_turn_on_this_servers_cores(local_ray):
    cfg = config(epochs=4)
    _, here = in_process(cfg)
    run, seen = TrainingRun(cfg), []
    follower = threading.Thread(target=lambda: seen.extend(cluster_runs.train_epochs(run, lambda: False)))
    with every_core_held():
        follower.start()
        until(lambda: seen)                                 # started on the cluster, in line here
        time.sleep(1.0)
        assert seen and all(isinstance(r, Waiting) for r in seen)      # no epoch computed, its place shown
    follower.join(timeout=60)
    epochs = [r for r in seen if not isinstance(r, Waiting)]
    assert [(r.train_loss, r.val_loss, r.val_accuracy) for r in epochs] == \
           [(r.train_loss, r.val_loss, r.val_accuracy) for r in here]
    assert SCHEDULER.snapshot()["jobs"] == 0                # it left the line


def test_a_decoder_on_a_local_instance_steps_only_in_this_servers_turns(local_ray, tiny_gpt2_dir):
    from core.generate import GenerateConfig, Generation
    from core.lm import text_model

    model = text_model(str(tiny_gpt2_dir))
    cluster_decoders.shutdown_decoders()
    generate_on(model, True, max_new_tokens=2)                  # the decoder is up
    [decoder] = cluster_decoders.decoders()[model.name, model.precision]
    assert decoder["paced"] and decoder["threads"] == 1
    run = Generation(GenerateConfig(prompt="Deep learning is", model=model.name, max_new_tokens=12), model)
    tokens = []
    follower = threading.Thread(target=lambda: tokens.extend(r.token for r in run.tokens()))
    with every_core_held():
        follower.start()
        time.sleep(cluster_decoders.PACE_WAIT_S / 2)
        assert tokens == []                                     # not one step while every core is held
    follower.join(timeout=60)
    _, here = generate_on(model, False, max_new_tokens=12)
    assert tokens == [r.token for r in here] and tokens


def test_a_decoders_gate_steps_when_offered_and_alone_when_no_offer_comes(monkeypatch):
    monkeypatch.setattr(cluster_decoders, "PACE_WAIT_S", 0.3)
    gate, job, stepped = cluster_decoders._Gate(lambda: True), Job("generate"), []
    job.attained = 1.5

    def one_step():
        with gate.turn(job) as threads:
            stepped.append(threads)

    batch = threading.Thread(target=one_step)
    batch.start()
    time.sleep(0.1)
    assert stepped == []                                        # the step waits for its turn
    assert gate.step(1) == 1.5 and stepped == [1]               # offered: it ran, and says its rows' compute
    batch.join()
    began = time.monotonic()
    one_step()                                                  # no pacer comes: it steps on its own
    assert 0.25 <= time.monotonic() - began < 2 and stepped == [1, 1]
    began = time.monotonic()
    assert cluster_decoders._Gate(lambda: False).step(1) is None        # no rows: the offer is not held long
    assert time.monotonic() - began < 0.3


def test_runs_beyond_the_instances_cpus_wait_in_ray_and_all_finish(local_ray):
    import ray

    cpus = int(ray.cluster_resources()["CPU"])
    finished = []

    def follow(run):
        finished.append([r for r in cluster_runs.train_epochs(run, lambda: False) if not isinstance(r, Waiting)])

    def start(runs):
        threads = [threading.Thread(target=follow, args=(run,)) for run in runs]
        for thread in threads:
            thread.start()
        return threads

    # Runs that hold every CPU of the instance and have computed a while; then newer ones, which Ray queues
    # until a CPU frees up, while in the server's line they would come first (none has computed yet).
    older = start([TrainingRun(config(epochs=20, seed=seed)) for seed in range(cpus)])
    until(lambda: SCHEDULER.snapshot()["jobs"] == cpus)
    time.sleep(0.5)
    newer = start([TrainingRun(config(epochs=3, seed=seed)) for seed in range(2)])
    for thread in older + newer:
        thread.join(timeout=120)
    assert sorted(len(records) for records in finished) == [3, 3] + [20] * cpus
