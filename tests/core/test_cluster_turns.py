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


def following(records: dict, key, run, should_stop) -> threading.Thread:
    """A started thread that follows ``run`` on the cluster, its epochs into ``records[key]`` as they come."""
    def follow():
        records[key] = []
        for record in cluster_runs.train_epochs(run, should_stop):
            if not isinstance(record, Waiting):
                records[key].append(record)

    thread = threading.Thread(target=follow)
    thread.start()
    return thread


LONG_EPOCHS = 300


def long_run(seed: int) -> TrainingRun:
    """A run that would compute for minutes on one thread (the tests stop it)."""
    return TrainingRun(config(dataset="digits", hidden_sizes="256, 256", batch_size=16, epochs=LONG_EPOCHS, seed=seed))


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


def test_a_new_run_goes_first_while_more_runs_than_cores_compute(local_ray):
    """Ray does not queue a run behind older ones that hold the instance's CPUs: up to config.RAY_LOCAL_RUNS
    start there at once, and the server's line (least compute first) puts a new one ahead of the older
    ones, as in-process."""
    from core import config as settings

    stop_older, records = threading.Event(), {}
    runs = settings.RAY_LOCAL_RUNS - 1          # with the new one, as many as compute at once
    # First as many short runs at once as will then compute, so that each finds a worker that has started
    # (a worker that starts imports torch for seconds, and older runs could end meanwhile).
    for thread in [following(records, ("warm", seed), TrainingRun(config(epochs=1, seed=seed)), lambda: False)
                   for seed in range(runs + 1)]:
        thread.join(timeout=120)
    older = [following(records, seed, long_run(seed), stop_older.is_set) for seed in range(runs)]
    until(lambda: all(records.get(seed) for seed in range(runs)), seconds=120)
    began = time.monotonic()
    newer = following(records, "new", TrainingRun(config(epochs=3, seed=99)), lambda: False)
    newer.join(timeout=60)
    took = time.monotonic() - began
    still_running = sum(thread.is_alive() for thread in older)
    stop_older.set()
    for thread in older + [newer]:
        thread.join(timeout=60)
    assert len(records["new"]) == 3 and records["new"][-1].final
    assert still_running == len(older), f"an older run ended before the new one did (in {took:.1f} s)"
    assert all(0 < len(records[seed]) < LONG_EPOCHS for seed in range(len(older)))


def test_quantize_timing_on_a_local_instance_is_not_held_up_by_runs_waiting_for_turns(local_ray):
    """The timing holds every core in the server's scheduler while it runs; runs waiting for their next turn
    meanwhile still hold their share of the instance's CPUs, so the timing task asks Ray for none (asking
    for the cores, it would wait for those runs, and they for it)."""
    import functools

    import torch
    from torch import nn

    from core import latency

    stop, records = threading.Event(), {}
    runs = [following(records, seed, long_run(seed), stop.is_set) for seed in range(3)]
    until(lambda: all(records.get(seed) for seed in range(len(runs))), seconds=120)
    measured = []
    timing = threading.Thread(target=lambda: measured.append(latency.measure(
        functools.partial(nn.Linear, 64, 32), {"weight": torch.randn(32, 64), "bias": torch.zeros(32)},
        (torch.ones(1, 64),), ["dynamic_int8"], budget_s=0.05)))
    timing.start()
    timing.join(timeout=90)
    stop.set()
    for thread in runs:
        thread.join(timeout=60)
    assert measured and set(measured[0].ms_1t) == {"fp32", "dynamic_int8"}
    assert all(0 < len(records[seed]) < LONG_EPOCHS for seed in range(len(runs)))


def test_a_paced_task_hands_over_what_it_computed_in_ray_unit_s_as_one_unit():
    """Each unit passes between two processes as Ray objects: a task whose items take 20 ms each sends
    those of config.RAY_UNIT_S together, and every item arrives, the last unit marked final."""
    from core import cluster
    from core import config as settings

    def task():
        for _ in range(40):
            time.sleep(0.02)
            yield time.monotonic()

    units = [unit for unit in cluster._unit_by_unit(task, True) if unit is not None]
    items = [item for unit in units for item in unit]
    assert len(items) == 40 and items == sorted(items)
    assert units[-1].final and not any(unit.final for unit in units[:-1])
    # each unit but the last computed for RAY_UNIT_S at least: no more of them than fit in the items' span
    span = items[-1] - items[0]
    assert len(units) <= span / settings.RAY_UNIT_S + 2
    # a hand-off costs about 1.2 ms of CPU: in units of 0.1 s at least, about 1 % of the compute
    assert len(units) <= span / 0.1 + 2
    assert all(len(unit) >= 2 for unit in units[:-1])
