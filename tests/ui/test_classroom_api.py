"""A class at once, through the public API: runs share the cores in turns (core/scheduler.py), a short run
is not stuck behind long ones, and a client that goes away gives its cores back."""

import re
import subprocess
import sys
import time

import pytest
from gradio_client import Client

LONG = dict(dataset="digits", hidden_sizes="64, 64", optimizer="adam", learning_rate=0.01, epochs=150,
            batch_size=32, dropout=0.1, weight_decay=0.0, seed=0)
SHORT = dict(LONG, dataset="moons", epochs=10)


def load(client) -> dict:
    return client.predict(api_name="/server_load")


def wait_for(client, test, seconds=30.0) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        now = load(client)
        if test(now) or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


def test_the_server_says_how_busy_its_cores_are(client):
    now = wait_for(client, lambda s: s["jobs"] == 0)       # earlier tests' runs have ended
    assert now["cores"] >= 1 and now["free"] == now["cores"] and now["running"] == now["waiting"] == 0


def test_a_short_run_finishes_while_two_long_ones_keep_the_cores_busy(app_url, client):
    longs = [Client(app_url, verbose=False).submit(**LONG, api_name="/train") for _ in range(2)]
    try:
        busy = wait_for(client, lambda s: s["jobs"] >= 2)
        assert busy["jobs"] >= 2, busy
        started = time.monotonic()
        *_, metrics = Client(app_url, verbose=False).predict(**SHORT, api_name="/train")
        took = time.monotonic() - started
        assert metrics["epochs_completed"] == 10
        assert not any(job.done() for job in longs), f"the short run took {took:.1f} s; a long one ended first"
    finally:
        for job in longs:
            job.cancel()
    assert wait_for(client, lambda s: s["jobs"] == 0)["jobs"] == 0


def test_a_client_that_goes_away_gives_its_cores_back(app_url, client):
    leaving = ("import os, time\nfrom gradio_client import Client\n"
               f"job = Client({app_url!r}, verbose=False).submit(**{LONG!r}, api_name='/train')\n"
               "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", leaving])
    try:
        assert wait_for(client, lambda s: s["jobs"] >= 1)["jobs"] >= 1
    finally:
        proc.kill()
        proc.wait()
    after = wait_for(client, lambda s: s["jobs"] == 0, seconds=15)
    assert after["jobs"] == 0 and after["free"] == after["cores"], after


def test_a_pocketsphinx_transcription_takes_one_core_in_turn(tmp_path, monkeypatch):
    """pocketsphinx decodes in a worker process on one thread: its turn holds one core of the budget,
    so the scheduler never hands that core to other work meanwhile."""
    import core.scheduler as scheduler_module
    from core.scheduler import Scheduler
    from tabs.transcribe.run import transcribe
    from tests.audio_samples import speak

    turns = Scheduler(cores=2, max_jobs=5)
    monkeypatch.setattr(scheduler_module, "SCHEDULER", turns)
    granted, acquire = [], turns.acquire

    def watched(job, *args, **kwargs):
        threads = acquire(job, *args, **kwargs)
        granted.append((job.kind, threads, turns.snapshot()["free"]))
        return threads

    monkeypatch.setattr(turns, "acquire", watched)
    clip = speak("open the door", tmp_path / "door.wav")
    *_, (text, _, record, _) = transcribe(str(clip), engine="pocketsphinx", phrases="open the door\nclose the door")
    assert text == "open the door" and record["engine"] == "pocketsphinx"
    assert granted and all(g == ("pocketsphinx", 1, 1) for g in granted)   # one thread, one core left free
    assert turns.snapshot() == {"cores": 2, "free": 2, "jobs": 0, "waiting": 0, "running": 0}


def test_a_run_waiting_for_a_core_is_told_its_place_and_the_wait(app_url, client, tmp_path):
    """While pocketsphinx decodes long clips on every core (units that cannot be cut short), a Train
    run's status says it is waiting, its place in line and about how long."""
    from gradio_client import handle_file

    from core import config
    from tests.audio_samples import speak

    cores = wait_for(client, lambda s: s["jobs"] == 0)["cores"]
    if cores > config.CONCURRENCY["transcribe"]:
        pytest.skip(f"{cores} cores: more than the {config.CONCURRENCY['transcribe']} transcriptions served at once")
    clip = speak(" ".join(["Good morning class, today we train a small neural network."] * 6), tmp_path / "long.wav")
    decoding = [Client(app_url, verbose=False).submit(handle_file(str(clip)), engine="pocketsphinx",
                                                      api_name="/transcribe") for _ in range(cores)]
    try:
        busy = wait_for(client, lambda s: s["running"] == cores and s["free"] == 0)
        assert busy["free"] == 0, busy
        run = Client(app_url, verbose=False).submit(**SHORT, api_name="/train")
        run.result(timeout=120)
        statuses = [out[0] for out in run.outputs()]
        waiting = [s for s in statuses if s.startswith("⏳")]
        assert waiting, statuses[:3]
        assert re.search(r"1 in line, [1-9]\d* ahead of you, about \d+\.\d s", waiting[0]), waiting[0]
        assert statuses[-1].startswith("**Done**: 10 epochs")
    finally:
        for job in decoding:
            job.result(timeout=120)
