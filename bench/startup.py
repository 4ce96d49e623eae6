"""Start-up time: `python app.py` until the first HTTP 200, against a bare one-textbox Gradio app.

    python bench/startup.py [--reps 5]

Both start as users start them (port from GRADIO_SERVER_PORT), alternating A B A B
in one run. Prints each side's median and, last, the ratio DL Lab / bare (goal <= 1.5).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_first_200(script: str, timeout: float = 120) -> float:
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, script], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"{script} exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{script} served nothing within {timeout} s")
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, wait_s: float = 10) -> None:
    """Ask a server to stop; kill it if it has not within ``wait_s`` seconds."""
    proc.terminate()
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(wait_s)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    time_to_first_200("bench/bare_app.py")          # warm the OS file cache for both
    time_to_first_200("app.py")
    app, bare = [], []
    for _ in range(args.reps):
        app.append(time_to_first_200("app.py"))
        bare.append(time_to_first_200("bench/bare_app.py"))
    print(f"DL Lab app.py   first 200 after: median {statistics.median(app):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in app)})")
    print(f"bare gr.Blocks  first 200 after: median {statistics.median(bare):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in bare)})")
    print(f"ratio: {statistics.median(app) / statistics.median(bare):.2f} (goal ≤ 1.5)")


if __name__ == "__main__":
    main()
