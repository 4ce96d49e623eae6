"""The Quantize tab through its public API, as a gradio_client user calls it.

The app's Hugging Face cache holds a tiny GPT-2 and a tiny wav2vec2 under their real ids (see
tests/conftest.py): "gpt2" and "wav2vec2" run through the real loader on them.
"""

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.conftest import readme_example

FIELDS = {"method", "bytes", "ratio", "params", "latency_ms_1t", "latency_ms_all", "speedup", "accuracy_before",
          "accuracy_after", "modules_replaced"}


def quantize(client, model="mlp", methods=("dynamic_int8",)):
    return client.predict(model=model, methods=list(methods), api_name="/quantize")


def test_the_api_lists_quantize_with_its_documented_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert [p["parameter_name"] for p in api["/quantize"]["parameters"]] == ["model", "methods"]
    assert "/stop_quantizing" in api


def test_the_tutorial_mlp_gets_a_record_per_method_with_real_figures(client):
    chart, records = quantize(client, "mlp", ["dynamic_int8", "fp16", "bf16"])
    assert [r["method"] for r in records] == ["dynamic_int8", "fp16", "bf16"]
    for r in records:
        assert FIELDS <= set(r) and r["applies"]
        assert r["bytes"] < r["bytes_fp32"] and r["ratio"] == pytest.approx(r["bytes_fp32"] / r["bytes"], abs=1e-3)
        assert r["latency_ms_1t"] > 0 and r["latency_ms_all"] > 0 and r["speedup"] > 0
        assert r["accuracy_before"] > 0.7 and abs(r["accuracy_after"] - r["accuracy_before"]) <= 0.02
        assert r["modules_replaced"] >= 1
    int8 = records[0]
    assert 1.5 < int8["ratio"] < int8["limit"] == 4, "small layers: the packed format's overhead shows"
    assert chart is not None


def test_an_mnist_sized_mlp_shrinks_close_to_four_times(client):
    record = quantize(client, "mlp_mnist")[1][0]
    assert 3.5 <= record["ratio"] <= 4 and record["accuracy_after"] >= record["accuracy_before"] - 0.01


def test_a_trained_run_is_quantized_and_keeps_its_accuracy(app_url):
    client = Client(app_url, verbose=False)
    metrics = client.predict(dataset="digits", model="mlp", hidden_sizes="64", optimizer="adam", learning_rate=0.01,
                             epochs=5, batch_size=32, dropout=0.0, weight_decay=0.0, seed=0, api_name="/train")[-1]
    record = quantize(client, "trained", ["dynamic_int8"])[1][0]
    assert record["accuracy_before"] == pytest.approx(metrics["accuracy"], abs=1e-6)
    assert abs(record["accuracy_after"] - record["accuracy_before"]) <= 0.01
    again = quantize(client, f"trained:{metrics.get('run', 1)}", ["fp16"])[1][0]
    assert again["accuracy_before"] == record["accuracy_before"]


def test_gpt2_naive_int8_grows_while_the_converted_one_shrinks(client):
    naive, converted = quantize(client, "gpt2", ["dynamic_int8_naive", "dynamic_int8"])[1]
    assert naive["applies"] and converted["applies"]
    assert converted["bytes"] < naive["bytes"]
    assert converted["modules_replaced"] > naive["modules_replaced"]
    assert converted["accuracy_before"] is None and 0 <= converted["agreement"] <= 1


def test_a_method_that_does_not_apply_says_why_in_its_record(client):
    records = quantize(client, "mlp", ["dynamic_int8", "dynamic_int8_naive"])[1]
    assert records[0]["applies"] and not records[1]["applies"]
    assert records[1]["bytes"] is None and "Conv1D" in records[1]["why_not"]


@pytest.mark.parametrize("model, methods, words", [
    ("trained", ["dynamic_int8"], "no trained model in this session"),
    ("trained:7", ["dynamic_int8"], "no trained model in this session"),
    ("resnet", ["dynamic_int8"], "Model must be one of"),
    ("mlp", ["int3"], "Methods must be one of"),
    ("mlp", [], "choose at least one"),
    ("mlp", "x" * 200_000, "too many|must be one of"),
    (None, None, None),
    (12, ["fp16"], "Model must be"),
    ("mlp", ["dynamic_int8_naive"], "Conv1D"),
])
def test_bad_requests_get_a_clear_message_and_the_server_keeps_serving(client, model, methods, words):
    if words is None:                   # everything left out: the defaults (the tutorial MLP, int8)
        assert quantize(client, model, methods or ["dynamic_int8"])[1][0]["method"] == "dynamic_int8"
        return
    with pytest.raises(AppError, match=words):
        client.predict(model=model, methods=methods, api_name="/quantize")
    assert quantize(client, "mlp", ["fp16"])[1][0]["applies"]


def test_another_sessions_run_is_not_yours(app_url):
    mine = Client(app_url, verbose=False)
    mine.predict(dataset="moons", model="mlp", hidden_sizes="8", optimizer="adam", learning_rate=0.01, epochs=1,
                 batch_size=32, dropout=0.0, weight_decay=0.0, seed=0, api_name="/train")
    theirs = Client(app_url, verbose=False)
    with pytest.raises(AppError, match="no trained model in this session"):
        quantize(theirs, "trained")


def test_stop_with_nothing_running_says_so(client):
    assert "Nothing is being quantized" in client.predict(api_name="/stop_quantizing")


def test_readme_quantize_example_runs_as_written(app_url):
    namespace = {}
    exec(readme_example("api-example-quantize", app_url), namespace)  # noqa: S102 - the README's own example
    assert namespace["records"][0]["method"] == "dynamic_int8" and namespace["records"][0]["ratio"] > 3.5
