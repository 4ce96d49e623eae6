"""Decoding speed of GPT-2 small: DL Lab's streaming path against transformers' text-generation pipeline.

    python bench/generate.py [--tokens 128] [--reps 3]

Both sides run in this process on the same model object, greedy, from the same prompt:
the pipeline (``transformers.pipeline("text-generation")``: tokenize, ``generate``, decode)
and DL Lab's path (``core.generate.Generation``: tokenize, the KV-cache loop with a record
per token holding its top candidates, the streamed text). They alternate A B A B; each
side's median tokens per second is also shown as a share of the machine's limit, which is
the memory read bandwidth (measured here, in this run, by summing a 1 GiB tensor) divided by
the bytes of weights a token reads. Then the same for int8 (core.quantize: Conv1D → nn.Linear, dynamic int8),
and int8's top-1 agreement with fp32 on a fixed paragraph, teacher-forced.

GPT-2's real weights are used when they are in the Hugging Face cache; otherwise the same
architecture (124 M parameters) with random weights and a stand-in tokenizer of the same
vocabulary size: the arithmetic per token, and so the speed, is the same, but the text is
noise. The ratios printed last: DL Lab fp32 ÷ pipeline fp32 (goal ≥ 1.05) and DL Lab int8 ÷
pipeline fp32 (goal ≥ 3).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from core import models  # noqa: E402
from core.errors import ModelUnavailable  # noqa: E402
from core.generate import GenerateConfig, Generation  # noqa: E402
from core.lm import text_model  # noqa: E402

PROMPT = "Deep learning models learn features from data. A neural network has layers of"
PARAGRAPH = ("The quick brown fox jumps over the lazy dog. Gradient descent lowers the loss one small step at a "
             "time, and a neural network has layers of weights and biases that it learns from data. ") * 3


def stand_in_model(folder: Path) -> str:
    """GPT-2 small's configuration with random weights, and a byte-level BPE tokenizer of 50,257 tokens."""
    from tokenizers import Tokenizer, decoders, models as tok_models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    alphabet = list(bytes_to_unicode().values())
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    merges = []
    for a in alphabet:                       # 50,000 merges of two byte symbols: every id decodes
        for b in alphabet:
            if len(vocab) == 50256:
                break
            merges.append((a, b))
            vocab[a + b] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    bpe = Tokenizer(tok_models.BPE(vocab=vocab, merges=merges))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    tokenizer = GPT2TokenizerFast(tokenizer_object=bpe, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                  unk_token="<|endoftext|>")
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config()).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def read_bandwidth() -> float:
    """Bytes per second that summing a 1 GiB tensor reads (median of 9): far more than any cache holds."""
    big = torch.ones(256 * 1024 * 1024)
    seconds = []
    for _ in range(9):
        start = time.perf_counter()
        big.sum()
        seconds.append(time.perf_counter() - start)
    return big.numel() * big.element_size() / statistics.median(seconds)


def matvec_bandwidth() -> float:
    """Bytes per second PyTorch's fp32 matrix × vector product reads, on a GPT-2-sized output matrix."""
    matrix, vector = torch.randn(768, 50257), torch.randn(1, 768)
    seconds = []
    with torch.inference_mode():
        for _ in range(15):
            start = time.perf_counter()
            vector @ matrix
            seconds.append(time.perf_counter() - start)
    return matrix.numel() * matrix.element_size() / statistics.median(seconds)


def bytes_per_token(model) -> int:
    """Weight bytes one decoding step reads: every matrix and vector, but one row of each embedding table."""
    from torch.ao.nn.quantized import dynamic as qd

    total = 0
    for module in model.modules():
        if isinstance(module, qd.Linear):
            weight, bias = module._weight_bias()
            total += weight.numel() * weight.element_size() + (bias.numel() * 4 if bias is not None else 0)
        elif isinstance(module, torch.nn.Embedding):
            total += module.weight.shape[1] * module.weight.element_size()
        else:
            total += sum(p.numel() * p.element_size() for p in module.parameters(recurse=False))
    return total          # a tied output head is counted once, as the Linear that reads it


def dl_lab(model, tokens: int) -> tuple[float, list[int]]:
    cfg = GenerateConfig.from_user(PROMPT, max_new_tokens=tokens, strategy="greedy", model=model.name,
                                   precision=model.precision)
    run = Generation(cfg, model)
    start = time.perf_counter()
    text = ""
    for record in run.tokens():
        text += record.text                   # what the page streams
    seconds = time.perf_counter() - start
    return len(run.steps) / seconds, run.result().ids


def pipeline_speed(pipe, tokens: int) -> tuple[float, list[int]]:
    """Tokens per second of the pipeline, and the new token ids (it then skips decoding them to text,
    which only makes it a little faster than a user of its text would see)."""
    prompt_length = len(pipe.tokenizer(PROMPT)["input_ids"])
    start = time.perf_counter()
    out = pipe(PROMPT, max_new_tokens=tokens, do_sample=False, return_tensors=True)
    seconds = time.perf_counter() - start
    new = list(out[0]["generated_token_ids"])[prompt_length:]
    return len(new) / seconds, new


def agreement(fp32, int8) -> tuple[float, int]:
    ids = torch.tensor([fp32.codec.encode(PARAGRAPH)[: fp32.lm.context]])
    with torch.inference_mode():
        a = fp32.lm.all_logits(ids)[0].argmax(-1)
        b = int8.lm.all_logits(ids)[0].argmax(-1)
    return float((a == b).float().mean()), ids.shape[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    name, real = "openai-community/gpt2", True
    try:
        fp32 = text_model(name)
    except ModelUnavailable:
        real = False
        name = stand_in_model(Path(tempfile.mkdtemp(prefix="dllab-gpt2-small-")))
        os.environ["DLLAB_TEXT_MODEL"] = name
        fp32 = text_model(name)
    int8 = text_model(name, "int8")
    params = sum(p.numel() for p in fp32.lm.model.parameters())
    print(f"model: GPT-2 small architecture, {params / 1e6:.1f} M parameters, "
          + ("real weights (Hugging Face cache)" if real else
             "random weights (the Hub is not reachable here): the same arithmetic per token, text is noise"))
    print(f"torch threads: {torch.get_num_threads()}, device: {fp32.device}")

    pipe = pipeline("text-generation", model=fp32.lm.model, tokenizer=fp32.codec.tokenizer, device=fp32.lm.device)
    dl_lab(fp32, 8), pipeline_speed(pipe, 8), dl_lab(int8, 8)      # warm-up
    ours, theirs, quant = [], [], []
    same = True
    for _ in range(args.reps):
        speed, ids_a = pipeline_speed(pipe, args.tokens)
        theirs.append(speed)
        speed, ids_b = dl_lab(fp32, args.tokens)
        ours.append(speed)
        same &= ids_a == ids_b
        quant.append(dl_lab(int8, args.tokens)[0])
    bandwidth = read_bandwidth()
    limit32 = bandwidth / bytes_per_token(fp32.lm.model)
    limit8 = bandwidth / bytes_per_token(int8.lm.model)
    p, o, q = statistics.median(theirs), statistics.median(ours), statistics.median(quant)
    print(f"memory read bandwidth: {bandwidth / 1e9:.1f} GB/s → limit fp32 {limit32:.1f} tokens/s, "
          f"int8 {limit8:.1f} tokens/s ({bytes_per_token(fp32.lm.model) / 1e6:.0f} and "
          f"{bytes_per_token(int8.lm.model) / 1e6:.0f} MB of weights read per token)")
    matvec = matvec_bandwidth()
    print(f"PyTorch's fp32 matrix × vector product reads {matvec / 1e9:.1f} GB/s here ({matvec / bandwidth:.0%} of "
          f"that), which caps fp32 decoding near {matvec / bytes_per_token(fp32.lm.model):.0f} tokens/s before any "
          "other work")
    print(f"greedy, {args.tokens} new tokens, median of {args.reps}:")
    print(f"  pipeline fp32   {p:6.1f} tokens/s  ({p / limit32:.0%} of the fp32 limit)")
    print(f"  DL Lab fp32     {o:6.1f} tokens/s  ({o / limit32:.0%} of the fp32 limit)"
          f"  same tokens as the pipeline: {'yes' if same else 'NO'}")
    print(f"  DL Lab int8     {q:6.1f} tokens/s  ({q / limit8:.0%} of the int8 limit)")
    share, n = agreement(fp32, int8)
    print(f"int8 top-1 next-token agreement with fp32, teacher-forced over {n} tokens: {share:.1%} "
          "(measures quantization error only" + (")" if real else "; with random weights it says nothing "
                                                                  "about text quality)"))
    print(f"int8 ÷ pipeline fp32: {q / p:.2f} (goal ≥ 3)")
    print(f"ratio: {o / p:.2f} (goal ≥ 1.05, DL Lab fp32 ÷ pipeline fp32; int8 ÷ pipeline fp32 {q / p:.2f}, goal ≥ 3)")
    models.clear_cache()


if __name__ == "__main__":
    main()
