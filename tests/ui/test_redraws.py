"""Live plots are redrawn at most once per interval and at most a bounded share of a run's compute
(tabs.common.throttled), so their cost as a share of the run is the same on a slow machine."""

import time

from core.scheduler import Waiting
from tabs.common import throttled


def records(n, compute_s):
    for i in range(n):
        time.sleep(compute_s)
        yield i


def drive(n, compute_s, draw_s, interval, share):
    drawn, started, drawing = [], time.monotonic(), 0.0
    for record, due in throttled(records(n, compute_s), interval, share):
        if due:
            t = time.monotonic()
            time.sleep(draw_s)                        # the caller's redraw
            drawing += time.monotonic() - t
            drawn.append(record)
    return drawn, drawing, time.monotonic() - started


def test_cheap_redraws_follow_the_interval():
    drawn, _, _ = drive(40, 0.005, 0.0, interval=0.05, share=0.1)
    assert 2 <= len(drawn) <= 10 and drawn[0] == 0      # about every 10th record; the first at once


def test_costly_redraws_are_bounded_by_their_share_of_the_compute():
    drawn, drawing, total = drive(60, 0.01, 0.02, interval=0.0, share=0.1)
    assert 1 <= len(drawn) <= 6                          # 60 × 10 ms of compute allows about 3 redraws of 20 ms
    assert drawing <= 0.1 * (total - drawing) + 0.02    # one redraw at most over the share


def test_a_waiting_record_always_passes():
    def waits():
        yield Waiting(2, 1, 0.5)
        yield 1
        yield Waiting(1, 1, 0.2)
    pairs = list(throttled(waits(), interval=100.0, share=0.0))
    assert [due for r, due in pairs if isinstance(r, Waiting)] == [True, True]
