"""Pretraining a tiny GPT: DL Lab's trainer against a bare PyTorch loop, in tokens per second and in
the time it takes to learn 2-digit addition.

    python bench/pretrain.py [--steps 200] [--reps 3] [--quiet 0.10] [--wait 30]

Both sides train the same model on the same batches in this process, with the settings the page
starts with (``PretrainConfig.from_user()`` given nothing: 2-digit addition, answers reversed, the
model of core/config.py's PRETRAIN_* defaults, a context of one line and config.ARITHMETIC_BATCH
lines a batch): a ``core.tinygpt.TinyGPT`` built from the same GPTConfig with the same seeded
generators, fed by ``core.corpus.batches`` over the same training problems with the same generator
seed, and trained by AdamW with the same parameter groups and betas, warm-up and cosine schedule
and gradient clipping, so their weights stay equal step for step (the run checks that the last
training losses are equal).

- DL Lab: ``core.pretrain.PretrainRun(config).steps()`` consumed to the end, as the page consumes it:
  a record per step (its loss read with ``.item()``), and every config.PRETRAIN_EVAL_EVERY steps the
  evaluation the page shows (validation loss, exact match on held-out problems, a sample). Its
  cost is part of what is measured.
- Bare: the loop a newcomer would write around the same model: forward, backward, clip, step,
  nothing read back.

(1) Tokens per second over ``--steps`` steps at 1 thread and at every core (``torch.set_num_threads``;
the page trains with torch's default, every core), after a warm-up of one evaluation interval each:
``--reps`` rounds, each round running DL Lab then bare at 1 thread, then the same at every core, so
that a burst of other work slows both thread counts alike. On a 2-core machine shared with other
work, torch's OpenMP threads spin while they wait for a core: a step with 2 threads can then take
many times as long as with 1. So before each round the run waits (at most ``--wait`` seconds) until
the other processes take under ``--quiet`` of the cores for 3 s in a row, and it prints how busy the
machine was during the busiest run of each thread count (other processes' share of the cores'
time from /proc/stat, this process's own CPU time taken off, as core.latency measures it). The
ratio is DL Lab ÷ bare at the thread count that was faster for DL Lab.

(2) Time to ≥ 95 % exact match on held-out 2-digit sums (config.PRETRAIN_EXACT_MATCH_PROBLEMS
of them, answered greedily) at that thread count. DL Lab: from building the ``PretrainRun`` (corpus
and model) to the first evaluation at or above 95 %, everything included. Bare: the same model and
batches, exact match checked on the same problems at the same steps with the clock stopped, so its
time is training alone; the difference is the app's own overhead. Both print the step they reached
it at (the same, when the weights agree).

The last line: DL Lab ÷ bare tokens per second (goal ≥ 0.9), with DL Lab's time to 95 % (goal ≤ 45 s).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from core import config, corpus  # noqa: E402
from core.latency import _BusyMeter, _cores, _cpu_jiffies  # noqa: E402
from core.pretrain import PretrainConfig, PretrainRun, lr_at  # noqa: E402
from core.tinygpt import GPTConfig, TinyGPT  # noqa: E402

TARGET = 0.95


def wait_for_quiet(share: float, most_s: float, cores: list[int]) -> tuple[float | None, float]:
    """Wait until other processes take under ``share`` of ``cores`` for 3 one-second windows in a row,
    for at most ``most_s`` seconds. Returns the last window's busy share (None without /proc/stat) and
    the seconds waited. This process sleeps meanwhile, so the busy time is the others'."""
    start = time.perf_counter()
    calm = 0
    busy = None
    while True:
        before = _cpu_jiffies(cores)
        time.sleep(1.0)
        after = _cpu_jiffies(cores)
        if not before or not after or after[1] <= before[1]:
            return None, time.perf_counter() - start
        busy = (after[0] - before[0]) / (after[1] - before[1])
        calm = calm + 1 if busy < share else 0
        waited = time.perf_counter() - start
        if calm >= 3 or waited >= most_s:
            return busy, waited


class Bare:
    """The bare loop: the same model, batches and optimizer as a PretrainRun of ``cfg``, no records."""

    def __init__(self, cfg: PretrainConfig):
        self.cfg = cfg
        problems = corpus.arithmetic_problems(cfg.digits, cfg.ops, config.ARITHMETIC_PROBLEMS, cfg.seed)
        train, self.val_problems = corpus.split(problems)
        self.vocab = corpus.arithmetic_vocab()
        self.train_ids = torch.tensor(self.vocab.encode(corpus.arithmetic_text(train)), dtype=torch.long)
        self.line_length = len(problems[0].line)
        shape = GPTConfig(vocab_size=len(self.vocab), n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd,
                          block_size=cfg.block_size, dropout=cfg.dropout)
        self.model = TinyGPT(shape, torch.Generator().manual_seed(cfg.seed),
                             torch.Generator().manual_seed(cfg.seed + 2))
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        rest = [p for p in self.model.parameters() if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}]
        self.optimizer = torch.optim.AdamW(groups, lr=cfg.learning_rate, betas=(0.9, 0.95))
        self.batches = corpus.batches(self.train_ids, cfg.block_size, cfg.batch_size,
                                      torch.Generator().manual_seed(cfg.seed + 1), line_length=self.line_length)
        self.model.train()
        self.step = 0

    def train(self, steps: int) -> torch.Tensor:
        model, optimizer = self.model, self.optimizer
        for _ in range(steps):
            for group in optimizer.param_groups:
                group["lr"] = lr_at(self.step, self.cfg)
            x, y = next(self.batches)
            loss = model(x, y)[1]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            self.step += 1
        return loss

    def exact_match(self) -> float:
        score = corpus.exact_match(self.model, self.val_problems[: config.PRETRAIN_EXACT_MATCH_PROBLEMS], self.vocab)
        self.model.train()
        return score


def app_tokens_per_s(cfg: PretrainConfig) -> tuple[float, float]:
    run = PretrainRun(cfg)
    start = time.perf_counter()
    for record in run.steps():
        pass
    seconds = time.perf_counter() - start
    return cfg.steps * cfg.batch_size * cfg.block_size / seconds, record.train_loss


def bare_tokens_per_s(cfg: PretrainConfig) -> tuple[float, float]:
    bare = Bare(cfg)
    start = time.perf_counter()
    loss = bare.train(cfg.steps)
    seconds = time.perf_counter() - start
    return cfg.steps * cfg.batch_size * cfg.block_size / seconds, loss.item()


def app_time_to_target(cfg: PretrainConfig) -> tuple[float, int | None, float]:
    """Seconds from building the run to the first evaluation at or above TARGET, that step (None if never),
    and the best exact match seen."""
    start = time.perf_counter()
    run = PretrainRun(cfg)
    best = 0.0
    for record in run.steps():
        if record.exact_match is not None:
            best = max(best, record.exact_match)
            if record.exact_match >= TARGET:
                return time.perf_counter() - start, record.step, best
    return time.perf_counter() - start, None, best


def bare_time_to_target(cfg: PretrainConfig) -> tuple[float, int | None, float]:
    """The bare loop's training seconds to TARGET (checks at the app's evaluation steps, clock stopped)."""
    start = time.perf_counter()
    bare = Bare(cfg)
    paused = 0.0
    best = 0.0
    while bare.step < cfg.steps:
        bare.train(min(config.PRETRAIN_EVAL_EVERY, cfg.steps - bare.step))
        check = time.perf_counter()
        score = bare.exact_match()
        paused += time.perf_counter() - check
        best = max(best, score)
        if score >= TARGET:
            return time.perf_counter() - start - paused, bare.step, best
    return time.perf_counter() - start - paused, None, best


def busy_text(busy: tuple[float | None, str]) -> str:
    share, source = busy
    if share is None:
        return "busy: unknown"
    return f"other processes {share:.0%} of the cores" if source == "cpu_share" else f"load {share:.2f} per core"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps per speed run (evaluations every "
                        f"{config.PRETRAIN_EVAL_EVERY} are part of it)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quiet", type=float, default=0.10, help="busy share below which the machine counts as quiet")
    parser.add_argument("--wait", type=float, default=30.0, help="most seconds to wait for a quiet machine")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    torch.set_num_interop_threads(1)

    cores = _cores()
    default = PretrainConfig.from_user()
    page_threads = config.settings().threads or torch.get_num_threads()     # core.device's choice
    shape = Bare(default)
    print(f"model: {default.n_layer} layers, {default.n_head} heads, width {default.n_embd}, context "
          f"{default.block_size}, {shape.model.parameters_count():,} parameters; batch {default.batch_size}, "
          f"learning rate {default.learning_rate:g}, warm-up {default.warmup_steps}, {default.steps} steps; "
          f"{default.digits}-digit {'/'.join(default.ops)}")
    print(f"cores: {len(cores)}; threads the page trains with: {page_threads} (DLLAB_THREADS, else torch's default)")

    # ---- (1) tokens per second at 1 thread and at every core, the thread counts taking turns round by round
    speed_cfg = PretrainConfig.from_user(steps=args.steps)
    warm_cfg = PretrainConfig.from_user(steps=config.PRETRAIN_EVAL_EVERY)
    counts = sorted({1, len(cores)})
    runs = {threads: {"app": [], "bare": [], "busy": [], "same": True} for threads in counts}
    waits = []
    for threads in counts:
        torch.set_num_threads(threads)
        app_tokens_per_s(warm_cfg), bare_tokens_per_s(warm_cfg)
    for _ in range(args.reps):
        waits.append(wait_for_quiet(args.quiet, args.wait, cores))
        for threads in counts:
            torch.set_num_threads(threads)
            meter = _BusyMeter(cores)
            speed, app_loss = app_tokens_per_s(speed_cfg)
            runs[threads]["app"].append(speed)
            speed, bare_loss = bare_tokens_per_s(speed_cfg)
            runs[threads]["bare"].append(speed)
            runs[threads]["busy"].append(meter.stop())
            runs[threads]["same"] &= app_loss == bare_loss
    waited = ", ".join(f"{w:.0f} s ({'?' if q is None else f'{q:.0%}'})" for q, w in waits)
    print(f"tokens per second, {args.steps} steps a run, median of {args.reps} rounds (waited for a quiet machine "
          f"before each round: {waited}, the last second's busy share in brackets):")
    per_step = default.batch_size * default.block_size
    speeds = {}
    for threads in counts:
        run = runs[threads]
        app_speed, bare_speed = statistics.median(run["app"]), statistics.median(run["bare"])
        speeds[threads] = (app_speed, bare_speed)
        busiest = max(run["busy"], key=lambda b: -1 if b[0] is None else b[0])
        print(f"  {threads} thread(s), busiest run: {busy_text(busiest)}")
        print(f"    DL Lab PretrainRun.steps()  {app_speed:9,.0f} tokens/s  {app_speed / per_step:5.1f} steps/s  "
              f"(evaluations included)")
        print(f"    bare PyTorch loop           {bare_speed:9,.0f} tokens/s  {bare_speed / per_step:5.1f} steps/s  "
              f"(last loss equal to DL Lab's: {'yes' if run['same'] else 'NO'})")
        print(f"    DL Lab ÷ bare: {app_speed / bare_speed:.2f}")
    fastest = max(speeds, key=lambda t: speeds[t][0])
    if len(speeds) > 1:
        print(f"faster for DL Lab's trainer: {fastest} thread(s) "
              f"({speeds[fastest][0] / min(s[0] for s in speeds.values()):.2f}× the other)")

    # ---- (2) time to 95 % exact match with the default settings
    torch.set_num_threads(fastest)
    quiet, waited = wait_for_quiet(args.quiet, args.wait, cores)
    meter = _BusyMeter(cores)
    app_s, app_step, app_best = app_time_to_target(default)
    bare_s, bare_step, bare_best = bare_time_to_target(default)
    busy = meter.stop()
    print(f"time to ≥ {TARGET:.0%} exact match on {config.PRETRAIN_EXACT_MATCH_PROBLEMS} held-out "
          f"{default.digits}-digit sums, {fastest} thread(s), default settings (waited {waited:.0f} s; during the "
          f"runs {busy_text(busy)}):")
    for name, seconds, step, best in (("DL Lab PretrainRun (all of it)", app_s, app_step, app_best),
                                      ("bare loop (training only)     ", bare_s, bare_step, bare_best)):
        reached = f"step {step}" if step else f"not reached in {default.steps} steps (best {best:.1%})"
        print(f"  {name} {seconds:6.1f} s  {reached}")
    ratio = speeds[fastest][0] / speeds[fastest][1]
    app_time = f"{app_s:.1f} s" if app_step else f"not reached ({app_s:.1f} s)"
    print(f"ratio: {ratio:.2f} (goal ≥ 0.9, DL Lab ÷ bare tokens/s at {fastest} thread(s); time to {TARGET:.0%}: "
          f"DL Lab {app_time}, goal ≤ 45 s, bare {bare_s:.1f} s)")


if __name__ == "__main__":
    main()
