"""core.lm and core.gpt2: the decoding step gives the scores transformers' GPT-2 gives."""

import pytest
import torch

from core import gpt2, quantize
from core.lm import TRANSPOSED_HEAD_MIN_BYTES, HFCausalLM, transposed_head


def make_gpt2(vocab: int, width: int, layers: int = 2, heads: int = 4, **extra):
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=vocab, n_positions=64, n_embd=width, n_layer=layers, n_head=heads, **extra)
    cfg._attn_implementation = "eager"
    return GPT2LMHeadModel(cfg).eval()


def reference(model, ids):
    """transformers' own scores for the next token after each prefix of ``ids``, decoding with its cache."""
    with torch.inference_mode():
        out = model(input_ids=ids[:, :1], use_cache=True)
        scores = [out.logits[:, -1, :]]
        for i in range(1, ids.shape[1]):
            out = model(input_ids=ids[:, i:i + 1], past_key_values=out.past_key_values, use_cache=True)
            scores.append(out.logits[:, -1, :])
    return scores


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_the_gpt2_step_gives_transformers_scores_bit_for_bit(precision):
    model = make_gpt2(vocab=300, width=64, layers=3, scale_attn_by_inverse_layer_idx=True)
    if precision == "int8":
        model = quantize.int8_dynamic(model)
    lm = HFCausalLM(model)
    assert lm.gpt2 and lm.head is None
    ids = torch.randint(0, 300, (2, 12))
    expected = reference(model, ids)
    with torch.inference_mode():
        step = lm.step(ids[:, :1])
        got = [step.logits]
        for i in range(1, ids.shape[1]):
            step = lm.step(ids[:, i:i + 1], step.cache)
            got.append(step.logits)
    assert all(torch.equal(a, b) for a, b in zip(got, expected))
    assert step.cache[0][0].shape == (2, 4, 12, 16)


def test_a_large_output_matrix_is_read_transposed_with_the_same_scores():
    model = make_gpt2(vocab=8192, width=512, layers=1, heads=8)
    assert 8192 * 512 * 4 >= TRANSPOSED_HEAD_MIN_BYTES
    head = transposed_head(model)
    assert head is not None and head.shape == (512, 8192) and head.is_contiguous()
    assert transposed_head(model) is head                       # made once per model
    ids = torch.randint(0, 8192, (1, 9))
    with torch.inference_mode():
        expected = model(input_ids=ids).logits[:, -1, :]
        got = HFCausalLM(model).step(ids).logits
    assert torch.allclose(got, expected, atol=1e-4, rtol=0) and torch.equal(got.argmax(-1), expected.argmax(-1))
    assert transposed_head(quantize.int8_dynamic(model)) is None   # a quantized head is used as it is


def test_a_step_over_a_cache_takes_one_token():
    lm = HFCausalLM(make_gpt2(vocab=100, width=32))
    with torch.inference_mode():
        step = lm.step(torch.tensor([[1, 2, 3]]))
        with pytest.raises(ValueError, match="one new token"):
            lm.step(torch.tensor([[4, 5]]), step.cache)
    assert gpt2.supported(lm.model)
