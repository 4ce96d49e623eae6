"""core.quantize: Conv1D → nn.Linear is exact, and int8 really makes GPT-2 smaller (naively it grows)."""

import pytest
import torch
from torch import nn

from core import models, quantize
from core.errors import InvalidInput


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


# --- the methods ----------------------------------------------------------------------------------

def _mlp(sizes=(784, 512, 512, 10)):
    gen = torch.Generator().manual_seed(0)
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        linear = nn.Linear(n_in, n_out)
        with torch.no_grad():
            linear.weight.uniform_(-0.05, 0.05, generator=gen)
            linear.bias.uniform_(-0.05, 0.05, generator=gen)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1]).eval()


def _lstm_classifier():
    from core.architectures import build_model

    gen = torch.Generator().manual_seed(0)
    return build_model("lstm", 64, (8, 8), [32, 32], 10, 0.0, gen, torch.Generator().manual_seed(1)).eval()


def _transformer_classifier():
    from core.architectures import build_model

    gen = torch.Generator().manual_seed(0)
    return build_model("transformer", 64, (8, 8), [32], 10, 0.0, gen, torch.Generator().manual_seed(1)).eval()


def test_int8_makes_the_mnist_sized_mlp_four_times_smaller_on_disk(tmp_path):
    mlp = _mlp()
    fp32 = quantize.save(mlp, tmp_path / "fp32.pt")
    int8 = quantize.save(quantize.apply("dynamic_int8", mlp), tmp_path / "int8.pt")
    assert fp32 == (tmp_path / "fp32.pt").stat().st_size and fp32 > 784 * 512 * 4
    assert 3.5 <= fp32 / int8 < 4.0


@pytest.mark.parametrize("method", ["fp16", "bf16"])
def test_half_precision_halves_the_bytes_and_still_answers_in_float32(method):
    mlp = _mlp()
    half = quantize.apply(method, mlp)
    assert 1.95 < quantize.saved_bytes(mlp) / quantize.saved_bytes(half) <= 2.0
    x = torch.randn(3, 784, generator=torch.Generator().manual_seed(0))
    out = quantize.forward(half, (x,))
    assert out.dtype == torch.float32
    assert torch.allclose(out, quantize.forward(mlp, (x,)), atol=0.05)


@pytest.mark.parametrize("build", [_mlp, _lstm_classifier, _transformer_classifier])
def test_every_method_gives_a_working_copy_and_leaves_the_original_alone(build):
    model = build()
    x = torch.randn(2, 64 if build is not _mlp else 784, generator=torch.Generator().manual_seed(0))
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    kinds = [type(m) for m in model.modules()]
    reference = quantize.forward(model, (x,))
    ran = []
    for method in quantize.METHODS:
        if quantize.why_not(method, model) is not None:
            continue
        out = quantize.forward(quantize.apply(method, model), (x,))
        assert out.shape == reference.shape and out.dtype == torch.float32, method
        assert (out.argmax(-1) == reference.argmax(-1)).float().mean() >= 0.5, method
        ran.append(method)
    assert {"dynamic_int8", "fp16", "bf16", "torchao_int8_weight", "torchao_int8_dynamic"} <= set(ran)
    assert [type(m) for m in model.modules()] == kinds
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())


def test_every_method_runs_wav2vec2_weight_normed_convolutions_and_all():
    from transformers import Wav2Vec2Config, Wav2Vec2ForCTC

    cfg = Wav2Vec2Config(vocab_size=32, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64, conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8),
                         num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
    torch.manual_seed(0)
    model = Wav2Vec2ForCTC(cfg).eval()
    audio = torch.randn(1, 4000, generator=torch.Generator().manual_seed(0))
    reference = quantize.forward(model, (audio,))
    for method in quantize.METHODS:
        if quantize.why_not(method, model) is None:
            copy = quantize.apply(method, model)
            assert quantize.forward(copy, (audio,)).shape == reference.shape, method
            rows = {row["name"]: row for row in quantize.module_table(model, copy)}
            conv = rows["wav2vec2.encoder.pos_conv_embed.conv"]                      # one row, weight norm inside
            assert conv["bytes_before"] > 16 * 16 * 4 and (method in quantize.HALF) == conv["replaced"]


def test_int8_quantizes_a_bare_lstm_too():
    lstm = nn.LSTM(8, 16, 2)
    int8 = quantize.apply("dynamic_int8", lstm)
    assert quantize.quantized_layers(int8) == 1 and quantize.saved_bytes(int8) < quantize.saved_bytes(lstm)
    assert quantize.layers(int8) == quantize.layers(lstm) == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l1",
                                                               "weight_hh_l1"]


def test_the_naive_call_grows_gpt2_and_the_converted_one_shrinks_it(gpt2):
    fp32 = quantize.saved_bytes(gpt2)
    assert quantize.saved_bytes(quantize.apply("dynamic_int8_naive", gpt2)) >= fp32
    assert quantize.saved_bytes(quantize.apply("dynamic_int8", gpt2)) < 0.5 * fp32


def test_torchao_leaves_gpt2s_tied_head_alone(gpt2):
    from torchao.quantization import Int8Tensor

    for method in ("torchao_int8_weight", "torchao_int8_dynamic"):
        ao = quantize.apply(method, gpt2)
        assert ao.lm_head.weight is ao.transformer.wte.weight          # still one matrix, stored once
        assert all(isinstance(ao.transformer.h[i].mlp.c_fc.weight, Int8Tensor) for i in range(2))
        assert quantize.saved_bytes(ao) < quantize.saved_bytes(quantize.apply("dynamic_int8", gpt2))
        ids = torch.randint(0, 500, (1, 12), generator=torch.Generator().manual_seed(0))
        agree = (quantize.forward(ao, (ids,)).argmax(-1) == quantize.forward(gpt2, (ids,)).argmax(-1))
        assert agree.float().mean() > 0.8


def test_forward_returns_a_transformers_models_logits_in_float32(gpt2):
    ids = torch.randint(0, 500, (2, 9), generator=torch.Generator().manual_seed(0))
    logits = quantize.forward(quantize.apply("bf16", gpt2), (ids,))
    assert isinstance(logits, torch.Tensor) and logits.shape == (2, 9, 500) and logits.dtype == torch.float32


# --- why a method does not apply -------------------------------------------------------------------

def test_why_not_names_the_reason_for_each_case(gpt2):
    from core.messages import render

    cases = {
        ("dynamic_int8_naive", _mlp()): "quantize_naive_needs_conv1d",
        ("dynamic_int8", nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())): "quantize_nothing_for_int8",
        ("torchao_int8_weight", nn.Sequential(nn.LSTM(8, 8))): "quantize_torchao_no_linear",
        ("torchao_int4_weight", _mlp()): "quantize_int4_needs_cuda",
        ("no_such_method", _mlp()): "choice",
    }
    for (method, model), key in cases.items():
        reason = quantize.why_not(method, model)
        assert reason is not None and reason[0] == key, (method, reason)
        render(*reason)                                      # every parameter its template needs
        with pytest.raises(InvalidInput) as err:
            quantize.apply(method, model)
        assert err.value.key == key
    assert quantize.why_not("dynamic_int8_naive", gpt2) is None
    tied_only = nn.Module()
    tied_only.embed, tied_only.head = nn.Embedding(10, 4), nn.Linear(4, 10, bias=False)
    tied_only.head.weight = tied_only.embed.weight
    assert quantize.why_not("torchao_int8_dynamic", tied_only)[0] == "quantize_torchao_no_linear"


def test_half_precision_applies_to_every_layer_kind_here_and_says_which_one_would_not(monkeypatch):
    for build in (_mlp, _lstm_classifier, _transformer_classifier):
        assert quantize.why_not("fp16", build()) is None and quantize.why_not("bf16", build()) is None

    class NoHalfKernel(nn.Module):
        def forward(self, x):
            if x.dtype != torch.float32:
                raise NotImplementedError('"addmm" not implemented for \'Half\'')
            return x

    probes = quantize._half_probes()
    monkeypatch.setattr(quantize, "_half_probes", lambda: {**probes, NoHalfKernel: (NoHalfKernel, (2, 2))})
    key, params = quantize.why_not("fp16", nn.Sequential(nn.Linear(2, 2), NoHalfKernel()))
    assert key == "quantize_half_unsupported" and params["layer"] == "NoHalfKernel" and params["dtype"] == "float16"
    assert "NoHalfKernel" in InvalidInput("Method", key, **params).message


# --- what was replaced, and the weights on their grid ----------------------------------------------

def test_the_module_table_names_what_each_method_replaced(gpt2, monkeypatch):
    naive = {row["name"]: row for row in quantize.module_table(gpt2, quantize.apply("dynamic_int8_naive", gpt2))}
    assert [name for name, row in naive.items() if row["replaced"]] == ["lm_head"]
    assert naive["lm_head"]["bytes_before"] == 0 < naive["lm_head"]["bytes_after"]    # tied, then its own copy
    assert naive["transformer.h.0.mlp.c_fc"]["type_after"] == "Conv1D"

    converted = quantize.apply("dynamic_int8", gpt2)
    rows = {row["name"]: row for row in quantize.module_table(gpt2, converted)}
    fc = rows["transformer.h.0.mlp.c_fc"]
    assert (fc["type_before"], fc["type_after"], fc["params"]) == ("Conv1D", "DynamicQuantizedLinear", 128 * 512 + 512)
    assert 3.5 < fc["bytes_before"] / fc["bytes_after"] < 4.0
    assert not rows["transformer.wte"]["replaced"] and not rows["transformer.h.0.ln_1"]["replaced"]
    assert quantize.modules_replaced(gpt2, converted) == 4 * 2 + 1
    total = sum(row["bytes_after"] for row in rows.values())
    assert 0.9 < total / quantize.saved_bytes(converted) <= 1.0

    monkeypatch.setattr(quantize.config, "QUANTIZE_MAX_TABLE_ROWS", 5)
    short = quantize.module_table(gpt2, converted)
    assert len(short) == 5 and short[-1]["name"] == "…" and short[-1]["rest"] == len(rows) - 4
    assert sum(row["bytes_after"] for row in short) == total
    largest = sorted(rows.values(), key=lambda row: -max(row["bytes_before"], row["bytes_after"]))[:4]
    assert [row["name"] for row in short[:4]] == [name for name in rows if rows[name] in largest]   # in model order


def test_lstm_rows_count_their_packed_int8_weights():
    model = _lstm_classifier()
    rows = {row["name"]: row for row in quantize.module_table(model, quantize.apply("dynamic_int8", model))}
    assert rows["layers.0"]["type_after"] == "DynamicQuantizedLSTM"
    assert 3.0 < rows["layers.0"]["bytes_before"] / rows["layers.0"]["bytes_after"] < 4.0


def test_weight_values_sit_on_the_int8_grid(gpt2):
    import numpy as np

    layer = quantize.default_layer(gpt2)
    assert layer == "transformer.h.0.mlp.c_fc" and layer in quantize.layers(gpt2)
    before = quantize.weight_values(gpt2, layer)
    assert before["storage"] == "float32" and before["codes"] is None and before["values"].shape == (512, 128)
    for method, per_row in (("dynamic_int8", False), ("torchao_int8_weight", True)):
        after = quantize.weight_values(quantize.apply(method, gpt2), layer)
        assert after["levels"] == 256 and after["values"].shape == (512, 128) and after["values"].dtype == np.float32
        assert np.ndim(after["scale"]) == (1 if per_row else 0)
        scale = np.reshape(after["scale"], (-1, 1)) if per_row else after["scale"]
        zero = np.reshape(after["zero_point"], (-1, 1)) if per_row else after["zero_point"]
        assert np.allclose(after["values"], (after["codes"].astype(np.float32) - zero) * scale, atol=1e-6)
        step = np.max(scale)
        assert np.abs(after["values"] - before["values"]).max() <= step / 2 + 1e-6   # rounding moves each weight ≤ half a step
    lstm = quantize.apply("dynamic_int8", _lstm_classifier())
    assert quantize.weight_values(lstm, "layers.0.weight_hh_l0")["storage"] == "qint8"
    assert quantize.weight_values(quantize.apply("fp16", gpt2), layer)["storage"] == "float16"
    with pytest.raises(KeyError):
        quantize.weight_values(gpt2, "transformer.wte")
