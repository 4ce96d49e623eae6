"""A classroom on one server: N students calling the app at once, against the same requests one after another.

    python bench/classroom.py [--students 8] [--seconds 60] [--port 0] [--replay-seconds 180]

`python app.py` is started as users start it (GRADIO_SERVER_PORT, HF_HUB_OFFLINE=1), with
DLLAB_TEXT_MODEL pointing to GPT-2 small's architecture with random weights (bench/generate.py's
stand_in_model: the arithmetic per token of the real model, the text is noise). One request of
each kind warms it up, untimed. Then:

1. Under load: --students threads, each with its own gradio_client Client (its own session),
   call the app back to back, with no pause between requests, for --seconds; a request still
   running at the deadline is waited for, and the wall time runs from the start to the last reply.
   Student i's k-th request is MIX[(i + k) % 4] with seed 1000·i + k, so the students start on
   different kinds and every request is fixed by (i, k); how far each student gets depends on
   the server. Student 0's first request is the one long run; it then cycles like the others.
     short train  /train: two moons (the default 1000 samples), MLP "32, 32", Adam 0.01, batch 32, 10 epochs
     augment      /augment: the student's own 1920×1080 JPEG (the sample photo, one pixel changed
                  per student, so no decode is shared between students), the default recipe, 4 variants
     generate     /generate: 32 new tokens, greedy, a fixed prompt, the default (stand-in) model
     transcribe   /transcribe: pocketsphinx, open vocabulary, a 5 s espeak-ng clip (16 kHz WAV)
     long train   /train: digits, MLP "256, 256", Adam 0.01, batch 16, 20 epochs (student 0, once)
2. Alone: one fresh Client replays exactly the requests that phase 1 completed, one after
   another, on the same server: the long run first, then round robin over the kinds. It
   starts no new request after --replay-seconds; when it stops early, the time alone is
   estimated per kind as (mean latency alone) × (requests completed under load).

Prints per kind: completed, failed (each distinct error shown once), p50 and p95 latency under
load and alone; the server process's RSS (from /proc) before and after the students; lines of
the server log that say ERROR or Traceback. The last line: speed-up = time alone ÷ wall time under
load (goal ≥ 1.2), the short Train runs' p95 under load ÷ their p95 alone (goal ≤ 3), and failures
in both phases (goal 0).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.startup import free_port, stop  # noqa: E402

MIX = ("short train", "augment", "generate", "transcribe")
LONG = "long train"
KINDS = (*MIX, LONG)
TRAIN = dict(optimizer="adam", learning_rate=0.01, dropout=0.0, weight_decay=0.0)
SHORT_TRAIN = dict(TRAIN, dataset="moons", hidden_sizes="32, 32", batch_size=32, epochs=10)
LONG_TRAIN = dict(TRAIN, dataset="digits", hidden_sizes="256, 256", batch_size=16, epochs=20)
GENERATE = dict(prompt="Deep learning models learn features from data. A neural network has layers of",
                max_new_tokens=32, strategy="greedy", temperature=1.0, top_k=50, top_p=0.95, num_beams=1,
                repetition_penalty=1.0, no_repeat_ngram_size=0, precision="fp32")
TRANSCRIBE = dict(engine="pocketsphinx", precision="fp32", language="auto", phrases="", filter=True)
SPEECH = "Good morning class. Today we train a small neural network and watch the loss go down."
CLIP_S = 5
REQUEST_TIMEOUT_S = 180         # a request not answered by then counts as failed


@dataclass(frozen=True)
class Request:
    kind: str
    student: int
    k: int
    seed: int


@dataclass(frozen=True)
class Outcome:
    request: Request
    start: float
    end: float
    error: str | None

    @property
    def seconds(self) -> float:
        return self.end - self.start


def request_for(student: int, k: int) -> Request:
    kind = LONG if (student, k) == (0, 0) else MIX[(student + k) % len(MIX)]
    return Request(kind, student, k, 1000 * student + k)


class Files:
    """The photos (one per student) and the speech clip, made once in a private folder."""

    def __init__(self, folder: Path, students: int):
        import cv2

        from bench.augment import photo_rgb
        from tests.audio_samples import speak

        bgr = cv2.cvtColor(photo_rgb(), cv2.COLOR_RGB2BGR)
        self.photos = []
        for i in range(students):
            bgr[0, 0] = i % 256
            path = folder / f"photo_{i}_1920x1080.jpg"
            cv2.imwrite(str(path), bgr, [cv2.IMWRITE_JPEG_QUALITY, 90])
            self.photos.append(str(path))
        spoken = speak(SPEECH, folder / "spoken.wav")
        self.clip = str(folder / f"speech_{CLIP_S}s.wav")          # padded or cut to exactly CLIP_S seconds
        subprocess.run(["sox", "-V1", str(spoken), self.clip, "pad", "0", str(CLIP_S), "trim", "0", str(CLIP_S)],
                       check=True, capture_output=True, timeout=60)


def call(client, request: Request, files: Files) -> None:
    """One request through the public API, checked enough to know the app did the work."""
    from gradio_client import handle_file

    kind, seed = request.kind, request.seed
    if kind in ("short train", LONG):
        params = SHORT_TRAIN if kind == "short train" else LONG_TRAIN
        job = client.submit(**params, seed=seed, api_name="/train")
        check = lambda out: out[-1]["epochs_completed"] == params["epochs"]  # noqa: E731
    elif kind == "augment":
        from core.pipeline import default_recipe, recipe_text

        job = client.submit(handle_file(files.photos[request.student]), recipe_text(default_recipe()), 4, seed, "",
                            api_name="/augment")
        check = lambda out: len(out[0]) == 4  # noqa: E731
    elif kind == "generate":
        job = client.submit(**GENERATE, seed=seed, api_name="/generate")
        check = lambda out: out[-1]["new_tokens"] > 0  # noqa: E731
    else:
        job = client.submit(handle_file(files.clip), **TRANSCRIBE, api_name="/transcribe")
        check = lambda out: out[-1]["engine"] == "pocketsphinx" and out[-1]["duration_s"] > CLIP_S - 0.1  # noqa: E731
    try:
        out = job.result(timeout=REQUEST_TIMEOUT_S)
    except BaseException:
        job.cancel()
        raise
    if not check(out):
        raise AssertionError(f"unexpected reply: {str(out)[:200]}")


def timed(client, request: Request, files: Files) -> Outcome:
    start = time.monotonic()
    try:
        call(client, request, files)
        error = None
    except Exception as exc:  # noqa: BLE001 - every failure is counted and shown, none ends the run
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}"
    return Outcome(request, start, time.monotonic(), error)


def under_load(url: str, files: Files, students: int, seconds: float,
               plan=request_for) -> tuple[list[Outcome], float]:
    """Every student's outcomes, and the wall time from the start to the last reply. ``plan(i, k)``:
    student i's k-th request."""
    from gradio_client import Client

    clients = [Client(url, verbose=False) for _ in range(students)]
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + seconds

    def student(i: int) -> None:
        k = 0
        while time.monotonic() < deadline:
            outcome = timed(clients[i], plan(i, k), files)
            k += 1
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=student, args=(i,), name=f"student-{i}") for i in range(students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, max((o.end for o in outcomes), default=start) - start


def replay_order(done: list[Request]) -> list[Request]:
    """The long run first, then round robin over the kinds, so that a prefix samples every kind."""
    by_kind = {kind: [r for r in done if r.kind == kind] for kind in KINDS}
    order = by_kind.pop(LONG)
    for row in range(max((len(v) for v in by_kind.values()), default=0)):
        order += [requests[row] for requests in by_kind.values() if row < len(requests)]
    return order


def alone(url: str, files: Files, done: list[Request], budget: float) -> list[Outcome]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    start, outcomes = time.monotonic(), []
    for request in replay_order(done):
        if time.monotonic() - start > budget:
            break
        outcomes.append(timed(client, request, files))
    return outcomes


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def rss_mb(app: subprocess.Popen) -> tuple[float, float]:
    """The server's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    if app.poll() is not None:
        raise RuntimeError(f"the app exited with code {app.returncode}")
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{app.pid}/status").read_text().splitlines()
                  if ":" in line)
    return tuple(int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM"))


def show_errors(outcomes: list[Outcome], phase: str) -> None:
    seen = set()
    for o in outcomes:
        if o.error and (o.request.kind, o.error) not in seen:
            seen.add((o.request.kind, o.error))
            count = sum(1 for p in outcomes if (p.request.kind, p.error) == (o.request.kind, o.error))
            print(f"  {phase}, {o.request.kind}, {count}×: {o.error}")


def report(loaded: list[Outcome], wall: float, replayed: list[Outcome], done: list[Request],
           students: int, seconds: float) -> tuple[float, float, int]:
    ok = lambda outcomes, kind: [o.seconds for o in outcomes if o.request.kind == kind and not o.error]  # noqa: E731
    print(f"{'':14}{'under load (' + str(students) + ' students)':>34}   {'alone (one client)':>26}")
    print(f"{'kind':<14}{'done':>8}{'failed':>8}{'p50 s':>9}{'p95 s':>9}   {'done':>8}{'p50 s':>9}{'p95 s':>9}")
    sequential, complete = 0.0, True
    for kind in KINDS:
        a, b = ok(loaded, kind), ok(replayed, kind)
        failed = sum(1 for o in loaded if o.request.kind == kind and o.error)
        print(f"{kind:<14}{len(a):>8}{failed:>8}{percentile(a, .5):>9.2f}{percentile(a, .95):>9.2f}   "
              f"{len(b):>8}{percentile(b, .5):>9.2f}{percentile(b, .95):>9.2f}")
        if a:
            sequential += (sum(b) / len(b)) * len(a) if b else float("nan")
            complete &= len(b) == len(a)
    failures = sum(1 for o in loaded + replayed if o.error)
    if failures:
        print("errors (each shown once):")
        show_errors(loaded, "under load")
        show_errors(replayed, "alone")
    how = ("all replayed: the sum of their latencies alone" if complete else
           f"{sum(not o.error for o in replayed)} of {len(done)} replayed within the budget: "
           "per kind, mean latency alone × requests completed under load")
    print(f"under load: {len(done)} requests completed in {wall:.1f} s (students start none after {seconds:.0f} s); "
          f"alone: {sequential:.1f} s ({how})")
    short_load, short_alone = ok(loaded, "short train"), ok(replayed, "short train")
    return sequential / wall, percentile(short_load, .95) / percentile(short_alone, .95), failures


def server_log_problems(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [line for line in lines if "ERROR" in line or "Traceback" in line]


@contextmanager
def serving(folder: Path, model: str, port: int = 0, **settings):
    """``python app.py`` as users start it, with the stand-in text model and ``settings`` in its
    environment; yields (process, url, log path). Its log's last lines are printed if the block fails."""
    from tests.conftest import wait_for_http

    port = port or free_port()
    env = dict({k: v for k, v in os.environ.items() if k != "DLLAB_RAY_ADDRESS"}, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1", HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", DLLAB_TEXT_MODEL=model, PYTHONUNBUFFERED="1",
               PYTHONFAULTHANDLER="1", **settings)      # a crash in native code leaves its stack in the log
    log = folder / f"app-{port}.log"
    with open(log, "w") as out:
        app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url, app)
        yield app, url, log
    except BaseException:
        kept = Path(tempfile.gettempdir()) / f"dllab-classroom-app-{app.pid}.log"
        shutil.copy(log, kept)
        print(f"--- the app's log (kept in {kept}), last lines ---\n"
              + "\n".join(log.read_text(errors="replace").splitlines()[-60:]))
        raise
    finally:
        stop(app)


@contextmanager
def classroom(prefix: str, students: int):
    """A private folder with the stand-in text model (GPT-2 small's architecture, random weights) and the
    students' files; yields (folder, model directory, Files) and removes the folder afterwards."""
    from transformers.utils import logging as hf_logging

    from bench.generate import stand_in_model

    hf_logging.disable_progress_bar()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder, stand_in_model(folder / "gpt2-small-random"), Files(folder, students)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=0, help="the app's port (0: a free one)")
    parser.add_argument("--replay-seconds", type=float, default=180,
                        help="start no replayed request after this long; the rest is estimated")
    args = parser.parse_args()
    from gradio_client import Client

    with classroom("dllab-classroom-", args.students) as (folder, model, files):
        with serving(folder, model, args.port) as (app, url, log):
            measure(Client(url, verbose=False), app, url, log, files, args)


def measure(warm, app, url: str, log: Path, files: Files, args) -> None:
    """The warm-up, the students, the replay and the report, on a started app."""
    for kind in MIX:                 # loads GPT-2, pocketsphinx, OpenCV, the plots: not what is measured
        outcome = timed(warm, Request(kind, 0, -1, 0), files)
        if outcome.error:
            print(f"warm-up {kind} failed: {outcome.error}")
    before = rss_mb(app)
    loaded, wall = under_load(url, files, args.students, args.seconds)
    after = rss_mb(app)
    done = [o.request for o in sorted(loaded, key=lambda o: o.start) if not o.error]
    replayed = alone(url, files, done, args.replay_seconds)
    end = rss_mb(app)
    print(f"app: python app.py, text model: GPT-2 small architecture with random weights; {args.students} "
          f"students, back to back, for {args.seconds:.0f} s; mix per student: {', '.join(MIX)} in turn, "
          "student 0 first does the long run")
    speed_up, p95_ratio, failures = report(loaded, wall, replayed, done, args.students, args.seconds)
    print(f"server RSS: {before[0]:.0f} MB before the students, {after[0]:.0f} MB after them, "
          f"{end[0]:.0f} MB after the replay (peak {end[1]:.0f} MB)")
    problems = server_log_problems(log)
    print(f"server log: {len(problems)} lines with ERROR or Traceback" + (":" if problems else ""))
    for line in dict.fromkeys(problems[:20]):
        print(f"  {line[:300]}")
    print(f"speed-up: {speed_up:.2f} (goal ≥ 1.2); short-train p95 under load ÷ alone: {p95_ratio:.1f} "
          f"(goal ≤ 3); failures: {failures}")


if __name__ == "__main__":
    main()
