"""One quantization study (core.quantize_run), its code (core.quantize_code) and its figures
(core.quantize_plots): what the Quantize tab shows, checked against the model itself."""

import contextlib
import io
import re
import warnings

import numpy as np
import pytest
import torch

from core import quantize, quantize_models as qm, quantize_pretrained, quantize_small
from core.errors import InvalidInput
from core.quantize_code import code_for
from core.quantize_plots import histogram_figure, size_speed_figure
from core.quantize_run import QuantizeConfig, QuantizeRun, clear_cache, layer_histogram, save_quantized, subject_for
from tests.core.test_quantize_models import TINY_GPT2, TINY_WAV2VEC2, _trained


@pytest.fixture
def small_models(monkeypatch):
    """GPT-2, wav2vec2 and the word-LM built afresh, tiny, with random weights."""
    monkeypatch.setattr(quantize_pretrained, "GPT2_STAND_IN", TINY_GPT2)
    monkeypatch.setattr(quantize_pretrained, "WAV2VEC2_STAND_IN", TINY_WAV2VEC2)
    monkeypatch.setattr(quantize_small, "WORD_LM_SHAPE", dict(ntoken=500, ninp=32, nhid=16, nlayers=2))
    for setting in ("DLLAB_TEXT_MODEL", "DLLAB_ASR_MODEL"):
        monkeypatch.delenv(setting, raising=False)
    forget = ("gpt2", "wav2vec2", "lstm_lm")
    for key in forget:
        qm._cache.pop(key, None)
    clear_cache()
    yield
    for key in forget:
        qm._cache.pop(key, None)
    clear_cache()


def study(model="mlp", methods=("dynamic_int8",), history=None, **options):
    run = QuantizeRun(QuantizeConfig.from_user(model, list(methods), history), history, **options)
    stages = [step.stage for step in run.steps()]
    return run.result(), stages


# --- what a request may say -------------------------------------------------------------------

def test_settings_have_sensible_defaults():
    cfg = QuantizeConfig.from_user(None, None)
    assert cfg.model == "mlp" and cfg.methods == ("dynamic_int8",)
    assert QuantizeConfig.from_user(" GPT2 ", "fp16, bf16").methods == ("fp16", "bf16")


@pytest.mark.parametrize("model, methods, words", [
    ("resnet", ["fp16"], "Model must be one of"),
    (12, ["fp16"], "Model must be one of"),
    ("x" * 200_000, ["fp16"], "too long"),
    ("mlp", ["int3"], "Methods must be one of"),
    ("mlp", [], "choose at least one"),
    ("mlp", 1e308, "must be a list"),
    ("mlp", ["fp16"] * 9, "at most 7"),
    ("trained", ["fp16"], "no trained model in this session"),
    ("trained:3", ["fp16"], "no trained model in this session"),
    ("trainedx", ["fp16"], "Model must be one of"),
])
def test_bad_requests_are_refused_with_a_message_that_names_them(model, methods, words):
    with pytest.raises(InvalidInput, match=words):
        QuantizeConfig.from_user(model, methods, history=None)


def test_trained_names_the_sessions_newest_run_with_weights_and_ids_are_checked():
    from dataclasses import replace

    history, first, _ = _trained(dataset="moons", epochs=2)
    second_run = _trained(dataset="circles", epochs=2)[2]
    second = history.add(second_run)
    assert QuantizeConfig.from_user("trained", ["fp16"], history).model == f"trained:{second.id}"
    assert QuantizeConfig.from_user(f"trained:{first.id}", ["fp16"], history).model == f"trained:{first.id}"
    with pytest.raises(InvalidInput, match="There is no run #99"):
        QuantizeConfig.from_user("trained:99", ["fp16"], history)
    history.runs[0] = replace(history.runs[0], weights=None)
    with pytest.raises(InvalidInput, match=f"Run #{first.id} no longer holds its weights"):
        QuantizeConfig.from_user(f"trained:{first.id}", ["fp16"], history)


# --- a study ----------------------------------------------------------------------------------

def test_a_study_measures_each_method_for_real():
    clear_cache()
    result, stages = study("mlp", ["dynamic_int8", "fp16"])
    assert stages == ["model", "baseline", "method", "method", "latency"]
    subject = qm.builtin("mlp")
    for record, method in zip(result.records(), ["dynamic_int8", "fp16"]):
        copy = quantize.apply(method, subject.model)
        assert record["bytes"] == quantize.saved_bytes(copy) and record["bytes_fp32"] == quantize.saved_bytes(
            subject.model)
        assert record["accuracy_after"] == pytest.approx(subject.evaluate(copy).accuracy)
        assert record["latency_ms_1t"] > 0 and record["latency_ms_all"] > 0 and record["latency_fp32_ms_all"] > 0
        assert record["speedup"] == pytest.approx(record["latency_fp32_ms_all"] / record["latency_ms_all"], rel=1e-2)
    int8 = result.methods[0]
    assert int8.modules_replaced == 3 and {row["type_after"] for row in int8.modules} >= {"Linear"} - {"Linear"}
    assert result.threads_all >= 1 and 0 <= result.busy <= 1


def test_results_are_kept_for_the_builtin_models_and_a_stop_ends_after_the_current_method():
    clear_cache()
    first, _ = study("mlp", ["bf16"])
    again, stages = study("mlp", ["bf16"])
    assert again.methods[0] is first.methods[0] and "latency" not in stages
    stopped, stages = study("mlp", ["dynamic_int8", "fp16"], should_stop=lambda: True)
    assert stopped.stopped and [m.method for m in stopped.methods] == ["dynamic_int8"] and stages[-1] == "method"


def test_a_method_that_does_not_apply_says_why_and_only_a_study_where_none_applies_is_refused():
    result, _ = study("mlp", ["dynamic_int8", "dynamic_int8_naive", "torchao_int4_weight"])
    records = {r["method"]: r for r in result.records()}
    assert records["dynamic_int8"]["applies"]
    assert not records["dynamic_int8_naive"]["applies"] and "Conv1D" in records["dynamic_int8_naive"]["why_not"]
    assert records["dynamic_int8_naive"]["bytes"] is None and records["dynamic_int8_naive"]["latency_ms_all"] is None
    assert "CUDA" in records["torchao_int4_weight"]["why_not"]
    with pytest.raises(InvalidInput, match="Conv1D"):
        study("mlp", ["dynamic_int8_naive"])


def test_a_train_run_keeps_its_accuracy_through_int8():
    history, record, _ = _trained(dataset="digits", epochs=3, hidden_sizes="64")
    result, _ = study("trained", ["dynamic_int8"], history)
    method = result.methods[0]
    assert method.accuracy_before == pytest.approx(record.result.metrics["accuracy"], abs=1e-4)
    assert abs(method.accuracy_after - method.accuracy_before) <= 0.01


def test_gpt2_naive_int8_grows_the_file_and_the_converted_one_shrinks_it(small_models):
    result, _ = study("gpt2", ["dynamic_int8_naive", "dynamic_int8", "torchao_int8_weight"])
    naive, converted, torchao = result.methods
    assert naive.bytes > naive.bytes_fp32 * 0.9 and converted.bytes < naive.bytes and torchao.bytes < naive.bytes
    assert converted.modules_replaced > naive.modules_replaced >= 1
    assert not result.real_weights and converted.accuracy_before is None and 0 <= converted.agreement <= 1


# --- the weights view -------------------------------------------------------------------------

def test_int8_weights_stand_on_the_grid_and_fp32_ones_spread_between():
    subject = qm.builtin("mlp_mnist")
    int8 = quantize.apply("dynamic_int8", subject.model)
    layer = quantize.default_layer(subject.model)
    hist = layer_histogram(layer, quantize.weight_values(subject.model, layer), quantize.weight_values(int8, layer))
    centers = (hist.zoom_edges[:-1] + hist.zoom_edges[1:]) / 2
    on_grid = np.abs(centers - np.round(centers)) < 0.06
    assert hist.zoom_after[~on_grid].sum() == 0 and hist.zoom_after.sum() > 0
    assert hist.zoom_before[~on_grid].sum() > hist.zoom_before.sum() / 2
    assert hist.before.sum() == hist.after.sum() == subject.model.state_dict()[f"{layer}.weight"].numel()
    half = quantize.apply("fp16", subject.model)
    no_grid = layer_histogram(layer, quantize.weight_values(subject.model, layer), quantize.weight_values(half, layer))
    assert no_grid.zoom_edges is None and no_grid.step is None


def test_the_figures_show_every_method_and_the_grid():
    result, _ = study("mlp", ["dynamic_int8", "dynamic_int8_naive"])
    figure = size_speed_figure(result.records(), {"dynamic_int8": "int8"})
    sizes = figure.data[0]
    assert list(sizes.x) == ["fp32", "int8", "dynamic_int8_naive"] and sizes.y[2] == 0
    assert sizes.text[1].endswith("×") and sizes.text[2] == "does not apply"
    hist = result.methods[0].histograms[0]
    shown = histogram_figure(hist, "int8")
    assert len(shown.data) == 4 and len(shown.layout.shapes) == 2 * 8 + 1


# --- the code and the file --------------------------------------------------------------------

def printed_bytes(code: str) -> int:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        exec(code, {"__name__": "__main__"})  # noqa: S102 - DL Lab's own generated code
    return int(re.fullmatch(r"([\d,]+) bytes\n", out.getvalue()).group(1).replace(",", ""))


@pytest.mark.parametrize("model, methods", [
    ("mlp", ("dynamic_int8", "fp16", "torchao_int8_weight")),
    ("lstm_lm", ("dynamic_int8", "bf16", "torchao_int8_dynamic")),
    ("gpt2", ("dynamic_int8", "dynamic_int8_naive", "fp16", "torchao_int8_weight", "torchao_int8_dynamic")),
    ("wav2vec2", ("dynamic_int8", "torchao_int8_weight")),
])
def test_the_code_prints_the_size_the_page_shows(small_models, model, methods):
    subject = subject_for(model)
    for method in methods:
        code = code_for(subject, method)
        assert "core" not in re.findall(r"^(?:from|import) (\w+)", code, re.M), "the code stands alone"
        assert printed_bytes(code) == quantize.saved_bytes(quantize.apply(method, subject.model)), method


def test_a_train_runs_code_and_file():
    history, record, _ = _trained(dataset="digits", model="cnn", epochs=1)
    subject = subject_for(f"trained:{record.id}", history)
    assert printed_bytes(code_for(subject, "dynamic_int8")) == quantize.saved_bytes(
        quantize.apply("dynamic_int8", subject.model))
    path = save_quantized(f"trained:{record.id}", "dynamic_int8", history)
    assert path.suffix == ".pt" and path.stat().st_size == quantize.saved_bytes(
        quantize.apply("dynamic_int8", subject.model))
    weights = torch.load(path, weights_only=False)
    assert any("_packed_params" in key for key in weights)
