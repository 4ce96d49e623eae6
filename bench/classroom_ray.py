"""The classroom with its heavy work on Ray, against the same app computing in its own process.

    python bench/classroom_ray.py [--students 8] [--seconds 90] [--short-seconds 30] [--runs 15]

The same app is started twice on this machine, one after the other: in-process (the default), then
with DLLAB_RAY_ADDRESS=local, a Ray instance the app starts on the same cores, so that training,
transcription and generation compute in Ray's processes (Augment previews stay in the server). Each is
warmed up (one request of each kind, then --warm-seconds of the mix, unmeasured: on Ray a worker starts
for each run computing at once, and loads its models, as it does once in a class's first minute), then
measured through gradio_client:

1. one short Train run alone (bench/classroom.py's: two moons, MLP "32, 32", 10 epochs), --runs
   times one after another: the p50 latency;
2. bench/classroom.py's mix (short Train runs, Augment previews, Generate, pocketsphinx, one long
   run), --students students back to back for --seconds: requests answered within them per second;
3. short Train runs only, --students students back to back for --short-seconds: runs per second, what
   this machine sustains as one worker of a cluster.

Prints the three figures for both, and the Ray path's overhead: its latency ÷ in-process for one run,
and in-process throughput ÷ its throughput for the mix (goal ≤ 1.15 each); the last line gives both.
Ray here shares the machine's two cores with the server: on a cluster, the runs leave the server's
cores to the other tabs, which this benchmark cannot show.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.classroom import MIX, Files, Request, classroom, percentile, serving, timed, under_load  # noqa: E402

SHORT = "short train"


def only_short(student: int, k: int) -> Request:
    return Request(SHORT, student, k, 1000 * student + k)


def wait_for_cluster(client, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while (state := client.predict(api_name="/server_load")["cluster"]) == "connecting" and time.monotonic() < deadline:
        time.sleep(0.5)
    return state


def per_second(outcomes, seconds: float) -> tuple[float, int]:
    """Requests answered within the phase's ``seconds`` (from its first request), per second, and how many:
    the ones still running when students stop starting new ones are not counted, so that neither path is
    judged by the stragglers of its last seconds."""
    start = min(o.start for o in outcomes)
    done = sum(1 for o in outcomes if not o.error and o.end <= start + seconds)
    return done / seconds, done


def measure(url: str, files: Files, args, label: str) -> dict:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for kind in MIX:                                    # models, pocketsphinx, OpenCV, plots: not measured
        timed(client, Request(kind, 0, -1, 0), files)
    for k in range(4):
        timed(client, Request(SHORT, 0, -2 - k, k), files)
    under_load(url, files, args.students, args.warm_seconds)   # on Ray: its workers start and load the models
    alone = [timed(client, Request(SHORT, 0, k, k), files) for k in range(args.runs)]
    mix, _ = under_load(url, files, args.students, args.seconds)
    short, _ = under_load(url, files, args.students, args.short_seconds, plan=only_short)
    failed = [o.error for o in alone + mix + short if o.error]
    figures = {
        "alone_p50": statistics.median(o.seconds for o in alone),
        "mix_per_s": per_second(mix, args.seconds)[0],
        "short_per_s": per_second(short, args.short_seconds)[0],
        "failed": len(failed),
    }
    print(f"{label:11} one run alone p50 {figures['alone_p50']:.3f} s; mix {figures['mix_per_s']:.2f} requests/s "
          f"({per_second(mix, args.seconds)[1]} in {args.seconds:.0f} s); short runs only {figures['short_per_s']:.2f} "
          f"runs/s; failed {len(failed)}" + (f" (first: {failed[0]})" if failed else ""))
    print(f"{'':11} in the mix, per kind: " + "; ".join(
        f"{kind} {len(done)} done, p50 {percentile(done, .5):.2f} s, p95 {percentile(done, .95):.2f} s"
        for kind in MIX for done in [[o.seconds for o in mix if o.request.kind == kind and not o.error]]))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=90, help="the mix, measured (its spread is wide)")
    parser.add_argument("--short-seconds", type=float, default=30, help="short runs only, measured")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warm-seconds", type=float, default=30, help="the mix, unmeasured, before measuring")
    args = parser.parse_args()
    from gradio_client import Client

    with classroom("dllab-classroom-ray-", args.students) as (folder, model, files):
        print(f"{args.students} students, the mix for {args.seconds:.0f} s, short runs for {args.short_seconds:.0f} s; "
              "GPT-2 small's architecture with random weights; both servers on this machine's cores")
        with serving(folder, model) as (_, url, _):
            here = measure(url, files, args, "in-process")
        with serving(folder, model, DLLAB_RAY_ADDRESS="local") as (_, url, _):
            state = wait_for_cluster(Client(url, verbose=False))
            if state != "ready":
                raise SystemExit(f"the app's Ray instance is {state}: pip install -r requirements-ray.txt")
            ray = measure(url, files, args, "Ray (local)")
    one = ray["alone_p50"] / here["alone_p50"]
    mix = here["mix_per_s"] / ray["mix_per_s"]
    print(f"one worker of this size (2 cores) sustains {ray['short_per_s']:.2f} short Train runs/s on Ray "
          f"({here['short_per_s']:.2f} in-process)")
    print(f"Ray overhead: one run {one:.2f}× in-process, the classroom mix {mix:.2f}× (goal ≤ 1.15 each); "
          f"failures: {here['failed'] + ray['failed']}")


if __name__ == "__main__":
    main()
