"""core.quantize: Conv1D → nn.Linear is exact, and int8 really makes GPT-2 smaller (naively it grows)."""

import pytest
import torch
from torch import nn

from core import models, quantize


@pytest.fixture(scope="module")
def gpt2():
    """A GPT-2 with matrices big enough for int8's per-tensor overhead not to matter."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=500, n_positions=64, n_embd=128, n_layer=2, n_head=4)
    cfg._attn_implementation = "eager"
    return GPT2LMHeadModel(cfg).eval()


def test_conv1d_to_linear_keeps_the_logits(gpt2):
    import copy

    from transformers.pytorch_utils import Conv1D

    converted = copy.deepcopy(gpt2)
    swapped = quantize.conv1d_to_linear(converted)
    assert swapped == 4 * 2                                   # c_attn, c_proj, c_fc, mlp.c_proj per block
    assert not any(isinstance(m, Conv1D) for m in converted.modules())
    ids = torch.randint(0, 500, (2, 17))
    with torch.no_grad():
        assert torch.allclose(gpt2(ids).logits, converted(ids).logits, atol=1e-5, rtol=0)


def test_int8_shrinks_gpt2_and_the_naive_call_makes_it_bigger(gpt2):
    fp32 = quantize.saved_bytes(gpt2)
    naive = quantize.int8_dynamic(gpt2, convert_conv1d=False)
    converted = quantize.int8_dynamic(gpt2)
    assert quantize.quantized_layers(naive) == 1             # only the tied output head
    assert quantize.saved_bytes(naive) > fp32                 # and it is a copy of the embedding
    assert quantize.quantized_layers(converted) == 4 * 2 + 1
    assert quantize.saved_bytes(converted) < 0.5 * fp32
    ids = torch.randint(0, 500, (1, 20))
    with torch.no_grad():
        a, b = gpt2(ids).logits, converted(ids).logits
    assert (a.argmax(-1) == b.argmax(-1)).float().mean() > 0.8
    assert isinstance(gpt2.transformer.h[0].attn.c_attn, nn.Module) and not isinstance(
        gpt2.transformer.h[0].attn.c_attn, nn.Linear)          # the original is untouched


def test_the_loader_keeps_fp32_and_int8_side_by_side(tiny_gpt2_dir):
    models.clear_cache()
    try:
        fp32 = models.load("text", str(tiny_gpt2_dir))
        int8 = models.load("text", str(tiny_gpt2_dir), precision="int8")
        assert int8 is not fp32 and models.load("text", str(tiny_gpt2_dir), precision="int8") is int8
        assert int8.precision == "int8" and fp32.precision == "fp32"
        assert quantize.quantized_layers(int8.model) > 0 and quantize.quantized_layers(fp32.model) == 0
        assert int8.model.lm_head is not fp32.model.lm_head          # the fp32 model is left as it was
    finally:
        models.clear_cache()
