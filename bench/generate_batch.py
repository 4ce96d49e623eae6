"""Eight users generating at once: DL Lab's batched decoding against a bare batched loop.

    python bench/generate_batch.py [--tokens 64] [--reps 3] [--users 8]

Decoding one sequence on a CPU is limited by reading the weights; eight sequences in one forward
pass read them once, so the machine makes several times more tokens per second. The peer is the
bare batched loop: transformers' own forward pass and KV cache over the eight prompts at once
(equal lengths, greedy, no padding, no app around it). DL Lab's side is eight users, each a
thread streaming its own ``core.generate.Generation.tokens()`` with the same prompts, so their
rows join the model's batch (core.batching) as they arrive; and one user alone. All three run in
this process on the same model object, alternating, each rep in turn; medians are shown.

GPT-2 small's architecture with random weights (bench/generate.py's stand-in: the arithmetic per
token, and so the speed, is that of GPT-2 small; the text is noise). Printed: the aggregate
tokens per second of both sides, each user's tokens per second against what one user gets alone
(goal ≥ 0.3), the gain over one user, and last the ratio DL Lab ÷ bare loop (goal ≥ 0.9,
resolved at ≥ 0.8). Tokens per second are counted from the start to the last token, prompts
included, on both sides.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from bench.generate import stand_in_model  # noqa: E402
from core import config, models  # noqa: E402
from core.generate import GenerateConfig, Generation  # noqa: E402
from core.lm import text_model  # noqa: E402

TOPICS = ["neural", "network", "gradient", "training", "language", "attention", "dropout", "tokens", "layers",
          "weights", "biases", "losses", "images", "speech", "words", "vectors", "kernels", "filters", "signals"]


def prompts(model, users: int) -> list[str]:
    """``users`` different prompts of the same length in tokens."""
    texts: dict[int, list[str]] = {}
    for topic in TOPICS:
        text = f"Deep learning models learn {topic} features from data. A network has layers of"
        texts.setdefault(len(model.codec.encode(text)), []).append(text)
    same = max(texts.values(), key=len)
    if len(same) < users:
        raise SystemExit(f"only {len(same)} prompts of one length; add topics for {users} users")
    return same[:users]


def bare_loop(model, texts: list[str], tokens: int) -> tuple[float, list[list[int]]]:
    """Tokens per second of transformers' forward pass and cache over all prompts at once, greedy."""
    ids = torch.tensor([model.codec.encode(t) for t in texts])
    net = model.lm.model
    made = []
    start = time.perf_counter()
    with torch.inference_mode():
        out = net(input_ids=ids, use_cache=True, logits_to_keep=1)
        token = out.logits[:, -1].argmax(-1, keepdim=True)
        made.append(token)
        for _ in range(tokens - 1):
            out = net(input_ids=token, past_key_values=out.past_key_values, use_cache=True)
            token = out.logits[:, -1].argmax(-1, keepdim=True)
            made.append(token)
    seconds = time.perf_counter() - start
    return len(texts) * tokens / seconds, torch.cat(made, dim=1).tolist()


def dl_lab(model, texts: list[str], tokens: int) -> tuple[float, list[float], list[list[int]]]:
    """Aggregate tokens per second of one user per prompt, all at once; each user's own tokens per
    second (from their request to their last token), and their token ids."""
    runs = [Generation(GenerateConfig.from_user(t, max_new_tokens=tokens, model=model.name), model) for t in texts]
    spans = [0.0] * len(runs)
    begin = threading.Barrier(len(runs) + 1)

    def user(i: int) -> None:
        begin.wait()
        start = time.perf_counter()
        text = ""
        for record in runs[i].tokens():
            text += record.text                 # what the page streams
        spans[i] = time.perf_counter() - start

    threads = [threading.Thread(target=user, args=(i,)) for i in range(len(runs))]
    for thread in threads:
        thread.start()
    begin.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    made = [len(run.steps) for run in runs]
    return sum(made) / seconds, [n / s for n, s in zip(made, spans)], [run.result().ids for run in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--users", type=int, default=8)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    name = stand_in_model(Path(tempfile.mkdtemp(prefix="dllab-gpt2-small-")))
    os.environ["DLLAB_TEXT_MODEL"] = name
    model = text_model(name)
    texts = prompts(model, args.users)
    torch.set_num_threads(config.cores())       # the bare loop's threads: those the batch's turns get alone
    params = sum(p.numel() for p in model.lm.model.parameters())
    print(f"model: GPT-2 small architecture, {params / 1e6:.1f} M parameters, random weights (text is noise)")
    print(f"torch threads: {torch.get_num_threads()} on both sides (DLLAB_THREADS, else every core), device: "
          f"{model.device}; {args.users} prompts of "
          f"{len(model.codec.encode(texts[0]))} tokens, greedy, {args.tokens} new tokens each")

    bare_loop(model, texts, 4), dl_lab(model, texts, 4), dl_lab(model, texts[:1], 4)     # warm-up
    bare, bare_one, batched, alone, users, same = [], [], [], [], [], 0
    for _ in range(args.reps):
        speed, bare_ids = bare_loop(model, texts, args.tokens)
        bare.append(speed)
        bare_one.append(bare_loop(model, texts[:1], args.tokens)[0])
        speed, each, ids = dl_lab(model, texts, args.tokens)
        batched.append(speed)
        users.append(each)
        same += sum(a == b for a, b in zip(ids, bare_ids))
        alone.append(dl_lab(model, texts[:1], args.tokens)[0])
    b, b1, a, one = (statistics.median(x) for x in (bare, bare_one, batched, alone))
    per_user = [statistics.median(u[i] for u in users) for i in range(args.users)]
    print(f"median of {args.reps}:")
    print(f"  bare loop, 1 sequence      {b1:6.1f} tokens/s")
    print(f"  bare loop, {args.users} sequences     {b:6.1f} tokens/s  ({b / b1:.2f}× one)")
    print(f"  DL Lab, 1 user             {one:6.1f} tokens/s")
    print(f"  DL Lab, {args.users} users            {a:6.1f} tokens/s")
    print(f"users whose tokens equal the bare loop's: {same} of {args.users * args.reps} (random weights leave "
          "near-ties that rounding decides; tests/core/test_batching.py checks the text on tiny models)")
    print(f"each user's tokens/s with {args.users} users ÷ alone: min {min(per_user) / one:.2f}, "
          f"max {max(per_user) / one:.2f} (goal ≥ 0.3)")
    print(f"gain over one user: {a / one:.2f}× the tokens per second")
    print(f"ratio: {a / b:.2f} (goal ≥ 0.9, resolved at ≥ 0.8; DL Lab with {args.users} users ÷ the bare batched "
          f"loop at batch {args.users})")
    models.clear_cache()


if __name__ == "__main__":
    main()
