"""core/cluster.py: training runs on a local Ray instance give the in-process results, stop, survive a
killed worker, and an unusable address falls back to in-process work with a reason."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from core import cluster, cluster_decoders, cluster_runs, cluster_stop
from core.errors import ClusterError, DLLabError, TrainingDiverged
from core.train import TrainConfig, TrainingRun

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config(**changes):
    settings = dict(dataset="moons", hidden_sizes="32, 32", optimizer="adam", learning_rate=0.01, epochs=8,
                    batch_size=32, seed=5, dropout=0.2)
    return TrainConfig.from_user(**{**settings, **changes})


def in_process(cfg):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                       # a task on the cluster computes on one thread
    try:
        run = TrainingRun(cfg)
        records = list(run.epochs())
    finally:
        torch.set_num_threads(threads)
    return run, records


@pytest.mark.parametrize("raw, expected", [("", None), ("  ", None), ("local", "local"), ("auto", "auto"),
                                           ("ray://head:10001", "ray://head:10001")])
def test_the_address_setting(monkeypatch, raw, expected):
    monkeypatch.setenv(cluster.ENV, raw)
    assert cluster.address() == expected


@pytest.mark.parametrize("raw", ["http://head:10001", "ray://head", "ray://head:port", "ray://:10001", "yes"])
def test_a_malformed_address_is_refused_with_the_forms_that_work(monkeypatch, raw):
    monkeypatch.setenv(cluster.ENV, raw)
    with pytest.raises(ValueError, match="'local', 'auto' or 'ray://host:port'"):
        cluster.address()


def test_with_no_address_nothing_connects_and_ray_is_not_imported():
    code = ("import sys; from core import cluster; cluster.warm_up(); "
            "print(cluster.status().state, 'ray' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != cluster.ENV}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["off", "False"], out.stderr


@pytest.mark.parametrize("raw, hide_ray, reason", [
    ("local", True, "Ray is not installed (pip install -r requirements-ray.txt)"),
    ("ray://nowhere", False, "must be 'local', 'auto' or 'ray://host:port'")])
def test_an_unusable_cluster_falls_back_to_this_process_and_says_why(raw, hide_ray, reason):
    code = ("import sys\n" + ("sys.modules['ray'] = None\n" if hide_ray else "")
            + "from core import cluster; cluster.warm_up(); s = cluster.status(); print(s.state); print(s.detail)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, cluster.ENV: raw},
                         capture_output=True, text=True, timeout=120)
    state, detail = out.stdout.splitlines()[:2]
    assert state == "unavailable" and reason in detail
    assert "runs compute in this process" in out.stderr         # the log says so too


def test_a_run_on_the_cluster_is_the_run_in_process(local_ray):
    cfg = config()
    here, records_here = in_process(cfg)
    there = TrainingRun(cfg)
    records_there = list(cluster_runs.train_epochs(there, lambda: False))
    assert records_there == there.history and len(records_there) == cfg.epochs
    assert [(r.train_loss, r.val_loss, r.val_accuracy) for r in records_there] == \
           [(r.train_loss, r.val_loss, r.val_accuracy) for r in records_here]
    for (name, a), b in zip(there.model.state_dict().items(), here.model.state_dict().values()):
        assert torch.equal(a, b), name
    assert not there.stopped and there.result().metrics == here.result().metrics


def test_a_local_instance_has_this_servers_cores_and_decoders_use_one_thread(local_ray, tiny_gpt2_dir):
    import ray

    from core import config as settings
    from core.lm import text_model

    assert ray.cluster_resources()["CPU"] == settings.cores()
    cluster_decoders.shutdown_decoders()
    generate_on(text_model(str(tiny_gpt2_dir)), True, max_new_tokens=2)
    [decoder] = cluster_decoders.decoders()[next(iter(cluster_decoders.decoders()))]
    assert decoder["threads"] == 1


def stat_fields(pid) -> list[str]:
    """/proc/<pid>/stat's fields after the process's name (which may hold spaces): its state, parent, ..."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def idle_workers() -> list[int]:
    """The local instance's worker processes waiting for a task (Ray titles them ray::IDLE)."""
    import ray

    raylet = ray._private.worker._global_node.all_processes["raylet"][0].process.pid
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent = int(stat_fields(pid)[1])
            title = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:                 # ended meanwhile
            continue
        if parent == raylet and title.startswith(b"ray::IDLE"):
            found.append(int(pid))
    return found


def test_a_local_instance_starts_no_worker_before_a_run_needs_one(local_ray):
    """Workers Ray starts ahead for a first driver never serve DL Lab's tasks (those carry their runtime_env),
    and each idle one costs CPU and memory for the server's life."""
    cluster.shutdown()
    cluster.warm_up()               # a fresh instance: the module's other tests leave workers behind
    assert cluster.status().state == "ready"
    time.sleep(2.0)                 # Ray would have started them by now (it did, two, within a second)
    assert idle_workers() == []
    run = TrainingRun(config(epochs=1))
    assert len(list(cluster_runs.train_epochs(run, lambda: False))) >= 1      # and a run starts one that works


def test_each_record_brings_the_weights_the_epoch_ended_on(local_ray):
    cfg = config(epochs=3)
    there = TrainingRun(cfg)
    seen = [[p.clone() for p in there.model.parameters()] for _ in cluster_runs.train_epochs(there, lambda: False)]
    assert all(not torch.equal(a[0], b[0]) for a, b in zip(seen, seen[1:]))     # the plots follow the training


def test_stop_ends_a_run_on_the_cluster_with_the_epochs_it_finished(local_ray):
    cfg = config(dataset="digits", hidden_sizes="128", epochs=200, batch_size=16)
    run = TrainingRun(cfg)
    pressed = []
    for record in cluster_runs.train_epochs(run, lambda: bool(pressed)):
        pressed.append(record)
    assert run.stopped and 1 <= len(run.history) < cfg.epochs
    assert run.result().stopped


def test_a_run_that_diverges_on_the_cluster_says_so(local_ray):
    run = TrainingRun(config(optimizer="sgd", learning_rate=10.0, hidden_sizes="64, 64", epochs=30))
    with pytest.raises(TrainingDiverged) as diverged:
        list(cluster_runs.train_epochs(run, lambda: False))
    assert "diverged" in str(diverged.value).lower() or diverged.value.key == "diverged"


def test_a_killed_worker_ends_its_run_with_a_message_and_the_next_run_works(local_ray):
    run = TrainingRun(config(dataset="digits", hidden_sizes="128", epochs=300, batch_size=16))
    with pytest.raises(ClusterError) as lost:
        for record in cluster_runs.train_epochs(run, lambda: False):
            if record.epoch == 1:
                os.kill(run.worker_pid, signal.SIGKILL)
    assert lost.value.key == "cluster_run_lost" and "press the button again" in str(lost.value)
    assert 1 <= len(run.history) < 300
    again = TrainingRun(config(epochs=3))
    assert len(list(cluster_runs.train_epochs(again, lambda: False))) == 3


def cpu_seconds(pid):
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_client_that_goes_away_cancels_its_run_on_the_cluster(local_ray):
    run = TrainingRun(config(dataset="digits", hidden_sizes="128", epochs=300, batch_size=16))
    records = cluster_runs.train_epochs(run, lambda: False)
    next(records)
    pid = run.worker_pid
    records.close()                                          # what Gradio does when the browser goes away
    time.sleep(1.0)
    before = cpu_seconds(pid)
    time.sleep(1.0)
    assert cpu_seconds(pid) - before < 0.3                   # it no longer computes: the task was cancelled


def test_errors_keep_their_key_and_values_through_pickling():
    import pickle

    error = TrainingDiverged("diverged", epoch=3, lr="10", optimizer="SGD")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is TrainingDiverged and again.key == "diverged" and again.params == error.params
    assert str(again) == str(error)
    assert isinstance(again, DLLabError)


PRETRAIN = dict(digits=1, n_layer=2, n_head=4, n_embd=32, block_size=14, learning_rate=5e-3, warmup_steps=10,
                batch_size=64)


def pretraining(registry, **settings):
    from core.pretrain import PretrainConfig, PretrainRun

    return PretrainRun(PretrainConfig.from_user(**{**PRETRAIN, **settings}, registry=registry), registry)


def test_a_pretraining_run_on_the_cluster_is_the_run_in_process(local_ray):
    from core.lm_registry import LMRegistry

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        here = pretraining(LMRegistry(), steps=120)
        records_here = list(here.steps())
    finally:
        torch.set_num_threads(threads)
    registry = LMRegistry()
    there = pretraining(registry, steps=120)
    records_there = list(cluster_runs.pretrain_steps(there, lambda: False))
    strip = lambda r: (r.step, r.train_loss, r.val_loss, r.exact_match, r.sample)    # noqa: E731 - not the timings
    assert [strip(r) for r in records_there] == [strip(r) for r in records_here] == [strip(r) for r in there.history]
    assert there.samples == here.samples and len(there.samples) == 2            # steps 100 and 120
    for (name, a), b in zip(there.model.state_dict().items(), here.model.state_dict().values()):
        assert torch.equal(a, b), name
    there.register()
    assert registry.ids() == ["tiny-1"] and there.summary()["exact_match"] == here.summary()["exact_match"]


def test_a_fine_tune_on_the_cluster_starts_from_the_session_model_and_trains_its_twin(local_ray):
    from core.lm_registry import LMRegistry

    registry = LMRegistry()
    base = pretraining(registry, steps=30)
    list(cluster_runs.pretrain_steps(base, lambda: False))
    base.register()
    tuned = pretraining(registry, steps=20, init_from="tiny-1", ops=["-"])
    records = list(cluster_runs.pretrain_steps(tuned, lambda: False))
    assert len(records) == 20 and records[-1].scratch_val_loss is not None
    assert any(not torch.equal(a, b) for a, b in zip(tuned.model.state_dict().values(),
                                                      tuned.scratch.state_dict().values()))


def test_stop_ends_a_pretraining_run_on_the_cluster_and_judges_its_last_step(local_ray):
    from core.lm_registry import LMRegistry

    run = pretraining(LMRegistry(), steps=3000)
    pressed = []
    for record in cluster_runs.pretrain_steps(run, lambda: bool(pressed)):
        pressed.append(record)
    assert run.stopped and 1 <= len(run.history) < 3000
    assert run.history[-1].val_loss is not None and run.samples[-1][0] == run.history[-1].step


def test_a_transcription_on_the_cluster_is_the_one_in_process(local_ray, tmp_path):
    from core.audio import read_audio
    from core.speech import TranscribeConfig, Transcription
    from tests.audio_samples import speak

    clip = speak("open the door", tmp_path / "door.wav")
    cfg = TranscribeConfig.from_user("pocketsphinx", "fp32", "auto", "open the door\nclose the door", True)
    sound = read_audio(str(clip), 60)
    here = Transcription(cfg, sound)
    steps_here = list(here.steps())
    there = cluster_runs.RemoteTranscription(cfg, sound, lambda: False)
    steps_there = list(there.steps())
    assert steps_there == steps_here and steps_there[-1].text == "open the door"
    a, b = here.result(), there.result()
    assert (b.text, b.segments, b.engine, b.mode) == (a.text, a.segments, a.engine, a.mode)
    assert b.processing_s > 0 and there.worker_pid != os.getpid()


def test_a_model_the_cluster_cannot_load_is_said_here(local_ray, tmp_path):
    """The worker loads the model: one it does not have is DL Lab's own message, not a Ray error."""
    from core.audio import read_audio
    from core.errors import ModelUnavailable
    from core.speech import TranscribeConfig
    from tests.audio_samples import speak

    cfg = TranscribeConfig.from_user("wav2vec2", "fp32", "auto", "", True)     # not cached, and offline
    sound = read_audio(str(speak("open the door", tmp_path / "door.wav")), 60)
    with pytest.raises(ModelUnavailable) as missing:
        list(cluster_runs.RemoteTranscription(cfg, sound, lambda: False).steps())
    assert "wav2vec2" in str(missing.value)


def test_latency_measured_on_the_cluster_times_each_method(local_ray):
    import functools

    from torch import nn

    from core import latency

    blank = functools.partial(nn.Linear, 64, 32)
    weights = {"weight": torch.randn(32, 64) * 0.1, "bias": torch.zeros(32)}
    measured = latency.measure(blank, weights, (torch.ones(1, 64),), ["dynamic_int8", "fp16"], budget_s=0.05)
    assert set(measured.ms_1t) == set(measured.ms_all) == {"fp32", "dynamic_int8", "fp16"}
    assert all(ms > 0 for ms in measured.ms_1t.values()) and measured.threads_all >= 1
    with pytest.raises(DLLabError) as broken:                # not a 64 → 32 layer: said as in-process
        latency.measure(blank, {"weight": torch.zeros(8, 8), "bias": torch.zeros(8)}, (torch.ones(1, 64),),
                        ["dynamic_int8"], budget_s=0.05)
    assert broken.value.key == "quantize_latency_failed" and "size mismatch" in broken.value.params["detail"]


def generate_on(model, cluster_on: bool, **settings):
    from core.generate import GenerateConfig, Generation

    cfg = GenerateConfig(prompt="Deep learning is", model=model.name, **{"max_new_tokens": 12, **settings})
    before = cluster._status
    if not cluster_on:
        cluster._status = cluster.Status("off", None)       # this one decodes in the server's own batch
    try:
        run = Generation(cfg, model)
        records = list(run.tokens())
    finally:
        cluster._status = before
    return run, records


def texts_together(model, seeds, **settings) -> dict:
    """Each seed's sampled text, the generations started at once on the cluster."""
    import threading

    together = {}

    def one(seed):
        together[seed] = generate_on(model, True, strategy="sample", seed=seed, **settings)[0].result().text

    threads = [threading.Thread(target=one, args=(seed,)) for seed in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return together


@pytest.mark.parametrize("settings", [dict(strategy="greedy"), dict(strategy="sample", seed=7, temperature=1.3),
                                      dict(strategy="greedy", max_new_tokens=40, repetition_penalty=1.3)])
def test_a_generation_on_the_cluster_writes_what_it_writes_here(local_ray, tiny_gpt2_dir, settings):
    from core.lm import text_model

    model = text_model(str(tiny_gpt2_dir))
    here, records_here = generate_on(model, False, **settings)
    there, records_there = generate_on(model, True, **settings)
    strip = lambda r: (r.index, r.token, r.prob, r.rank, r.candidates, r.text, r.end)   # noqa: E731 - not timings
    assert [strip(r) for r in records_there] == [strip(r) for r in records_here] and records_here
    assert there.result().text == here.result().text


def test_several_generations_on_the_cluster_decode_together_and_each_gets_its_own(local_ray, tiny_gpt2_dir):
    from core.lm import text_model

    model = text_model(str(tiny_gpt2_dir))
    alone = {seed: generate_on(model, False, strategy="sample", seed=seed)[0].result().text for seed in range(4)}
    assert texts_together(model, range(4)) == alone


def test_stop_ends_a_generation_on_the_cluster(local_ray, tiny_gpt2_dir):
    from core.generate import GenerateConfig, Generation
    from core.lm import text_model

    model = text_model(str(tiny_gpt2_dir))
    run = Generation(GenerateConfig(prompt="Deep learning is", model=model.name, max_new_tokens=100,
                                    strategy="sample", seed=1), model, should_stop=lambda: len(run.steps) >= 3)
    records = list(run.tokens())
    assert run.stopped and 3 <= len(records) < 100


def test_generations_spread_over_a_pool_of_decoders_and_each_gets_its_own(local_ray, tiny_gpt2_dir, monkeypatch):
    from core.lm import text_model

    monkeypatch.setenv("DLLAB_RAY_DECODERS", "2")
    model = text_model(str(tiny_gpt2_dir))
    cluster_decoders.shutdown_decoders()
    alone = {seed: generate_on(model, False, strategy="sample", seed=seed, max_new_tokens=30)[0].result().text
             for seed in range(4)}
    assert texts_together(model, range(4), max_new_tokens=30) == alone
    pool = cluster_decoders.decoders()[model.name, model.precision]
    assert len(pool) == 2, pool                       # four at once: a second decoder started, no third
    assert all(seat["served"] >= 1 for seat in pool) and sum(seat["served"] for seat in pool) == 4
    assert all(seat["rows"] == 0 for seat in pool)    # every row left its decoder
    workers = {seat["pid"] for seat in pool}
    assert len(workers) == 2 and os.getpid() not in workers


def test_a_pool_of_one_decoder_batches_every_generation(local_ray, tiny_gpt2_dir, monkeypatch):
    from core.lm import text_model

    monkeypatch.delenv("DLLAB_RAY_DECODERS", raising=False)
    model = text_model(str(tiny_gpt2_dir))
    cluster_decoders.shutdown_decoders()
    texts_together(model, range(3))
    pool = cluster_decoders.decoders()[model.name, model.precision]
    assert len(pool) == 1 and pool[0]["served"] == 3


def test_a_decoder_killed_between_generations_is_replaced_unseen(local_ray, tiny_gpt2_dir):
    from core.lm import text_model

    model = text_model(str(tiny_gpt2_dir))
    cluster_decoders.shutdown_decoders()
    generate_on(model, True, max_new_tokens=2)
    [before] = cluster_decoders.decoders()[model.name, model.precision]
    os.kill(before["pid"], signal.SIGKILL)
    time.sleep(0.5)
    _, there = generate_on(model, True, strategy="greedy")
    _, here = generate_on(model, False, strategy="greedy")
    assert [r.token for r in there] == [r.token for r in here] and there
    [after] = cluster_decoders.decoders()[model.name, model.precision]
    assert after["pid"] != before["pid"]


def test_a_decoder_killed_mid_generation_ends_it_with_a_message_and_the_next_one_works(local_ray, tiny_gpt2_dir):
    from core.generate import GenerateConfig, Generation
    from core.lm import text_model

    model = text_model(str(tiny_gpt2_dir))
    cluster_decoders.shutdown_decoders()
    generate_on(model, True, max_new_tokens=2)                # the decoder is up
    [seat] = cluster_decoders.decoders()[model.name, model.precision]
    killed = []

    def kill_after_two_tokens():                              # read after each token: the decoder dies mid-run
        if len(run.steps) == 2 and not killed:
            os.kill(seat["pid"], signal.SIGKILL)
            killed.append(time.monotonic())
        return False

    run = Generation(GenerateConfig(prompt="Deep learning is", model=model.name, max_new_tokens=100,
                                    strategy="sample", seed=3), model, should_stop=kill_after_two_tokens)
    with pytest.raises(ClusterError) as lost:
        list(run.tokens())
    assert lost.value.key == "cluster_run_lost" and killed
    assert (model.name, model.precision) not in cluster_decoders.decoders()      # not handed to the next generation
    _, again = generate_on(model, True, strategy="greedy")
    _, here = generate_on(model, False, strategy="greedy")
    assert [r.token for r in again] == [r.token for r in here] and again


def test_the_runs_of_one_process_read_their_stop_flags_together_and_each_stops_alone(local_ray):
    import ray

    stops = {run_id: cluster_stop.RemoteStop(cluster._signals, run_id) for run_id in ("a-run", "b-run", "c-run")}
    assert not any(stop() for stop in stops.values())
    ray.get(cluster._signals.set.remote("b-run"))
    time.sleep(cluster_stop.STOP_POLL_S * 2)
    assert {run_id: stop() for run_id, stop in stops.items()} == {"a-run": False, "b-run": True, "c-run": False}
    late = cluster_stop.RemoteStop(cluster._signals, "b-run")       # a run started after its flag was set reads it at once
    assert late()
