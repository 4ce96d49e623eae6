"""core/scheduler.py: heavy units share the cores fairly and never oversubscribe them."""

import threading
import time

import pytest

from core.errors import ResourceLimit
from core.scheduler import Job, Scheduler, Waiting, scheduled
import core.scheduler as scheduler_module


@pytest.fixture
def two_cores(monkeypatch):
    s = Scheduler(cores=2, max_jobs=5)
    monkeypatch.setattr(scheduler_module, "SCHEDULER", s)
    return s


def units(n, seconds, log=None, name=""):
    for i in range(n):
        time.sleep(seconds)
        if log is not None:
            log.append(name)
        yield i


def test_a_job_alone_gets_every_core_and_two_jobs_one_each(two_cores):
    with two_cores.job("train") as a:
        with two_cores.turn(a) as threads:
            assert threads == 2
        with two_cores.job("train") as b:
            with two_cores.turn(a) as ta, two_cores.turn(b) as tb:
                assert (ta, tb) == (1, 1)
                assert two_cores.snapshot()["free"] == 0
    assert two_cores.snapshot() == {"cores": 2, "free": 2, "jobs": 0, "waiting": 0, "running": 0}


def test_no_more_threads_compute_than_there_are_cores(two_cores):
    busy, peak, lock = [0], [0], threading.Lock()

    def worker():
        with two_cores.job("train") as job:
            for _ in range(5):
                with two_cores.turn(job) as threads:
                    with lock:
                        busy[0] += threads
                        peak[0] = max(peak[0], busy[0])
                    time.sleep(0.01)
                    with lock:
                        busy[0] -= threads

    workers = [threading.Thread(target=worker) for _ in range(5)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert peak[0] == 2


def test_a_short_run_is_not_stuck_behind_long_ones(two_cores):
    """Two long runs hold the cores; a short one arriving later still finishes long before them."""
    finished = {}

    def run(name, n):
        with two_cores.job("train") as job:
            for _ in scheduled(units(n, 0.02), job):
                pass
        finished[name] = time.monotonic()

    longs = [threading.Thread(target=run, args=(f"long{i}", 40)) for i in range(2)]
    for t in longs:
        t.start()
    time.sleep(0.1)
    short = threading.Thread(target=run, args=("short", 3))
    started = time.monotonic()
    short.start()
    short.join()
    for t in longs:
        t.join()
    assert finished["short"] - started < 0.3            # about 3 units, not the long runs' 40
    assert finished["short"] < min(finished["long0"], finished["long1"])


def test_a_waiting_job_is_told_its_place_and_a_wait(two_cores):
    with two_cores.job("x") as a, two_cores.job("x") as b, two_cores.job("x") as c:
        a.attained, a.units = 1.0, 10                   # a has had the most: it is last in line
        threads_b = two_cores.acquire(b)
        threads_c = two_cores.acquire(c)
        assert (threads_b, threads_c) == (1, 1)
        records = scheduled(units(1, 0), a, report_every=0.05)
        first = next(records)
        assert isinstance(first, Waiting) and first.place == 1 and first.ahead == 2 and first.estimate_s > 0
        two_cores.release(b, 1)
        assert [r for r in records if not isinstance(r, Waiting)] == [0]
        two_cores.release(c, 1)


def test_a_stopping_job_goes_first(two_cores):
    stop = threading.Event()
    with two_cores.job("x") as holder, two_cores.job("x", should_stop=stop.is_set) as late, \
            two_cores.job("x") as fresh:
        late.attained = 5.0
        held = two_cores.acquire(holder, exclusive=True)
        order = []
        waiters = [threading.Thread(target=lambda j=j: (two_cores.acquire(j), order.append(j), two_cores.release(j, 1)))
                   for j in (fresh, late)]
        for w in waiters:
            w.start()
        time.sleep(0.05)
        stop.set()
        time.sleep(0.3)                     # the line is re-read at least every 0.25 s
        two_cores.release(holder, held)
        for w in waiters:
            w.join()
        assert order[0] is late


def test_closing_a_scheduled_generator_gives_its_core_back(two_cores):
    with two_cores.job("x") as job:
        records = scheduled(units(100, 0.001), job)
        next(records)
        records.close()
        assert two_cores.snapshot()["free"] == 2 and two_cores.snapshot()["waiting"] == 0


def test_beyond_the_limit_the_class_is_busy(two_cores):
    jobs = [two_cores.job("x") for _ in range(5)]
    for j in jobs:
        j.__enter__()
    with pytest.raises(ResourceLimit, match="class is busy"):
        with two_cores.job("x"):
            pass
    for j in jobs:
        j.__exit__(None, None, None)
    with two_cores.job("x"):
        pass


def test_an_exclusive_turn_waits_for_every_core(two_cores):
    with two_cores.job("x") as a, two_cores.job("x") as b:
        threads = two_cores.acquire(a)
        assert two_cores.acquire(b, exclusive=True, timeout=0.05) is None
        two_cores.release(a, threads)
        assert two_cores.acquire(b, exclusive=True, timeout=1) == 2
        two_cores.release(b, 2)


def test_a_unit_runs_with_its_share_of_torch_threads(two_cores):
    import torch

    seen = []
    with two_cores.job("x") as a, two_cores.job("x") as b:
        def unit():
            yield torch.get_num_threads()
        seen += [r for r in scheduled(unit(), a)]
        del b
    assert seen == [1]
    assert isinstance(Job("x").unit_seconds(), float)


def test_a_long_unit_gives_its_core_to_a_waiting_job_at_a_checkpoint(two_cores, monkeypatch):
    from core import config
    from core.scheduler import checkpoint

    monkeypatch.setattr(config, "UNIT_S", 0.02)
    one = Scheduler(cores=1, max_jobs=5)
    monkeypatch.setattr(scheduler_module, "SCHEDULER", one)
    order = []

    def long_epoch():
        for piece in range(20):                    # one unit of 20 pieces, 10 ms each
            time.sleep(0.01)
            order.append("long")
            checkpoint()
        yield "epoch"

    def short_run():
        with one.job("x") as job:
            for _ in scheduled(units(2, 0.001, order, "short"), job):
                pass

    with one.job("x") as job:
        records = scheduled(long_epoch(), job)
        starter = threading.Timer(0.05, short_run)
        starter.start()
        assert list(records) == ["epoch"]
        starter.join()
    first_short = order.index("short")
    assert first_short < len(order) - 2 and order[-1] == "long"   # the short run ran inside the long epoch
    assert one.snapshot()["free"] == 1


def test_a_turn_can_ask_for_fewer_threads_and_leaves_the_rest_free(two_cores):
    with two_cores.job("generate") as job:
        with two_cores.turn(job, most=1) as threads:
            assert threads == 1 and two_cores.snapshot()["free"] == 1


class Record:
    def __init__(self, i, n):
        self.i, self.final = i, i == n - 1


def records(n, seconds=0.001):
    for i in range(n):
        time.sleep(seconds)
        yield Record(i, n)


def test_between_two_units_a_run_keeps_its_place_in_line(monkeypatch):
    """One core: a fresh run's epochs come back to back, not one at a time between another job's units,
    even though its caller takes a few milliseconds between them (its redraws)."""
    one = Scheduler(cores=1, max_jobs=5)
    monkeypatch.setattr(scheduler_module, "SCHEDULER", one)
    order = []
    with one.job("x") as fresh, one.job("x") as old:
        old.attained, old.units = 1.0, 10
        runs = scheduled(records(5), fresh)
        order.append(("fresh", next(runs).i))        # fresh has the core now; old starts waiting

        def other():
            for _ in range(3):
                with one.turn(old):
                    order.append(("old", None))
        waiter = threading.Thread(target=other)
        waiter.start()
        for record in runs:
            order.append(("fresh", record.i))
            time.sleep(0.005)                         # under config.HANDOFF_S
        waiter.join()
    assert [who for who, _ in order] == ["fresh"] * 5 + ["old"] * 3


def test_a_run_whose_caller_keeps_it_long_between_units_lets_the_core_go(monkeypatch):
    one = Scheduler(cores=1, max_jobs=5)
    monkeypatch.setattr(scheduler_module, "SCHEDULER", one)
    order = []
    with one.job("x") as fresh, one.job("x") as old:
        old.attained, old.units = 1.0, 10
        runs = scheduled(records(3), fresh)
        next(runs)

        def other():
            with one.turn(old):
                order.append("old")
        waiter = threading.Thread(target=other)
        waiter.start()
        time.sleep(0.2)                               # far past config.HANDOFF_S: the core is not kept idle
        order.append("fresh")
        for _ in runs:
            pass
        waiter.join()
    assert order == ["old", "fresh"]


def test_after_its_final_record_a_run_ends_without_waiting_for_a_turn(monkeypatch):
    one = Scheduler(cores=1, max_jobs=5)
    monkeypatch.setattr(scheduler_module, "SCHEDULER", one)
    with one.job("x") as run, one.job("x") as other:
        got = scheduled(records(2), run)
        assert [next(got).i, next(got).i] == [0, 1]           # the second is final
        held = one.acquire(other, timeout=1)                   # the core is taken at once...
        assert held == 1
        started = time.monotonic()
        assert list(got) == []                                 # ...and the run still ends now
        assert time.monotonic() - started < 0.2
        one.release(other, held)
    assert one.snapshot() == {"cores": 1, "free": 1, "jobs": 0, "waiting": 0, "running": 0}


def test_long_units_leave_the_last_core_to_a_run_with_short_ones(two_cores):
    with two_cores.job("pocketsphinx") as first, two_cores.job("pocketsphinx") as second:
        for job in (first, second):
            job.attained, job.units = 0.9, 1                  # a second per unit
        with two_cores.job("train") as short:                 # admitted, between two epochs
            held = two_cores.acquire(first, timeout=1)
            assert two_cores.acquire(second, timeout=0.1) is None
            two_cores.release(first, held)
            with two_cores.turn(short):                       # computing: it needs no other core
                assert two_cores.acquire(second, timeout=1) == 1
                two_cores.release(second, 1)
        held = two_cores.acquire(first, timeout=1)            # only long work left: every core is used
        assert two_cores.acquire(second, timeout=1) == 1
        two_cores.release(second, 1)
        two_cores.release(first, held)


def test_a_job_that_asks_for_one_thread_gets_one(two_cores):
    with two_cores.job("pocketsphinx", most=1) as job:
        assert [r for r in scheduled(iter([0]), job)] == [0]
        with two_cores.turn(job) as threads:
            assert threads == 1 and two_cores.snapshot()["free"] == 1
