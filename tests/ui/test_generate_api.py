"""The Generate tab through its public API, as a gradio_client user (or a Space visitor) calls it.

The app runs with tiny GPT-2s in its Hugging Face cache under the real ids of GPT-2 and the
Chinese GPT-2 (see tests/conftest.py); DistilGPT2 is not there, as on a machine without it. Every
test runs against the app decoding in its own process and against the app with a local Ray
instance (DLLAB_RAY_ADDRESS=local), where a decoder actor holds each model.
"""

import math
import re

import pytest
from gradio_client.exceptions import AppError

from tests.conftest import readme_example

GOOD = dict(prompt="Deep learning models", max_new_tokens=24, strategy="greedy", temperature=1.0, top_k=50,
            top_p=0.95, num_beams=3, repetition_penalty=1.0, no_repeat_ngram_size=0, seed=0, precision="fp32",
            model="openai-community/gpt2")
CJK = r"[\u4e00-\u9fff，。！？]"


@pytest.fixture(scope="module", params=["in-process", "ray"])
def app_url(request):
    """Each test against both servers (the Ray one skips, saying why, where Ray is not installed)."""
    return request.getfixturevalue("app_url" if request.param == "in-process" else "ray_app_url")


def generate(client, **changes):
    return client.predict(**{**GOOD, **changes}, api_name="/generate")


def test_the_api_lists_generate_next_token_and_attention_with_their_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert [p["parameter_name"] for p in api["/generate"]["parameters"]] == list(GOOD)
    assert [p["parameter_name"] for p in api["/next_token"]["parameters"]] == [
        "prompt", "temperature", "top_k", "top_p", "model", "precision"]
    assert [p["parameter_name"] for p in api["/attention"]["parameters"]] == ["prompt", "text", "layer", "head",
                                                                               "model"]
    assert "/stop_generation" in api


def test_generate_streams_the_text_and_ends_with_the_record(client):
    # the character model writes whole characters (no byte held back), and its 400 greedy tokens never
    # reach [SEP]: they take several of the page's update intervals
    job = client.submit(**{**GOOD, "max_new_tokens": 400, "prompt": "深度学习",
                           "model": "uer/gpt2-chinese-cluecorpussmall"}, api_name="/generate")
    outputs = list(job)
    text, status, record = job.result()
    assert record["new_tokens"] == len(record["steps"]) == 400 and record["text"] == text
    assert {"ttft_s", "tokens_per_s", "model", "device", "precision", "source"} <= set(record)
    assert record["model"] == "uer/gpt2-chinese-cluecorpussmall" and record["source"] == "Hugging Face cache"
    partial = [o[0] for o in outputs[:-1] if o[0]]
    assert len(set(partial)) >= 3, "the text should arrive in several growing updates"
    assert all(text.startswith(p) for p in partial)
    assert all(o[2] is None or "steps" not in o[2] for o in outputs[:-1])     # no growing list on the way
    step = record["steps"][0]
    assert set(step) == {"token", "id", "prob", "rank", "top"} and len(step["top"]) == 5
    assert set(step["top"][0]) == {"token", "id", "prob"} and 0 < step["prob"] <= 1
    assert "Done" in status and "tokens/s" in status
    record = generate(client)[2]
    assert record["model"] == "openai-community/gpt2" and record["source"] == "Hugging Face cache"


def test_same_settings_same_text_and_seeded_sampling_reproduces(client):
    assert generate(client)[0] == generate(client)[0]
    a = generate(client, strategy="sample", seed=3, temperature=1.3)[2]
    b = generate(client, strategy="sample", seed=3, temperature=1.3)[2]
    c = generate(client, strategy="sample", seed=4, temperature=1.3)[2]
    assert a["text"] == b["text"] and [s["id"] for s in a["steps"]] != [s["id"] for s in c["steps"]]


def test_int8_beam_and_an_omitted_model(client):
    record = generate(client, precision="int8")[2]
    assert record["precision"] == "int8" and record["device"] == "cpu" and record["new_tokens"] == 24
    record = generate(client, strategy="beam", num_beams=3, max_new_tokens=10)[2]
    assert record["strategy"] == "beam" and 0 < record["new_tokens"] <= 10
    record = client.predict(prompt="Deep learning", max_new_tokens=5, api_name="/generate")[2]
    assert record["model"] == "openai-community/gpt2" and record["new_tokens"] == 5


def test_the_chinese_model_writes_characters_without_spaces(client):
    text, _, record = generate(client, model="uer/gpt2-chinese-cluecorpussmall", prompt="深度学习", max_new_tokens=40,
                               strategy="sample", seed=1)
    assert record["model"] == "uer/gpt2-chinese-cluecorpussmall"
    assert re.search(CJK, text) and not re.search(CJK + " " + CJK, text)
    assert all(len(s["token"]) <= 8 for s in record["steps"])   # characters, wordpieces or [UNK]


def test_next_token_lists_candidates_with_their_cuts(client):
    candidates = client.predict("Deep learning", 1.0, 5, 1.0, "openai-community/gpt2", "fp32", api_name="/next_token")
    assert len(candidates) == 20 and set(candidates[0]) == {"token", "id", "prob", "kept", "renormalized"}
    assert sum(c["prob"] for c in candidates) <= 1 + 1e-6
    assert [c["kept"] for c in candidates] == [True] * 5 + [False] * 15
    assert math.isclose(sum(c["renormalized"] for c in candidates), 1, rel_tol=1e-4)


def test_attention_rows_sum_to_one_and_are_causal(client):
    record = client.predict("Deep learning models", " learn features", 1, 0, "openai-community/gpt2",
                            api_name="/attention")
    n = len(record["tokens"])
    assert n == len(record["weights"]) > 3
    for i, row in enumerate(record["weights"]):
        assert math.isclose(sum(row), 1, abs_tol=1e-3) and not any(row[i + 1:])


def test_a_model_that_is_not_on_this_machine_says_what_to_do_and_the_server_keeps_serving(client):
    with pytest.raises(AppError, match=r"python -m core\.prefetch"):
        generate(client, model="distilbert/distilgpt2")
    with pytest.raises(AppError, match="cannot be loaded"):
        client.predict("Deep", 1.0, 5, 1.0, "distilbert/distilgpt2", "fp32", api_name="/next_token")
    assert generate(client, max_new_tokens=3)[2]["new_tokens"] == 3


@pytest.mark.parametrize("changes, message", [
    (dict(prompt=""), "Write a prompt first"),
    (dict(prompt="   "), "Write a prompt first"),
    (dict(prompt=None), "Write a prompt first"),
    (dict(prompt="x" * 200_000), "Prompt is too long"),
    (dict(max_new_tokens=10_000), "Max new tokens must be between 1 and 512"),
    (dict(max_new_tokens="lots"), "Max new tokens must be a number"),
    (dict(max_new_tokens=None), "Max new tokens is required"),
    (dict(max_new_tokens="NaN"), "Max new tokens must be a finite number"),
    (dict(top_k=5000), "Top-k must be between 0 and 1000"),
    (dict(num_beams=20), "Beams must be between 1 and 8"),
    (dict(temperature=0, strategy="sample"), "Temperature must be above 0"),
    (dict(temperature="hot"), "Temperature must be a number"),
    (dict(top_p=0), "Top-p must be above 0"),
    (dict(top_p=1.5), "Top-p must be above 0 and at most 1"),
    (dict(strategy="creative"), "Strategy must be one of"),
    (dict(precision="int4"), "Precision must be one of"),
    (dict(model="evil/model"), "Model must be one of"),
    (dict(model="/etc/passwd"), "Model must be one of"),
    (dict(seed=1e308), "Seed must be between"),
    (dict(max_new_tokens=200), "leaves no room for the prompt"),
])
def test_bad_input_gets_a_clear_message(client, changes, message):
    with pytest.raises(AppError, match=re.escape(message)):
        generate(client, **changes)


def test_bad_attention_and_next_token_input(client):
    with pytest.raises(AppError, match="there is no layer 7"):
        client.predict("Deep", "", 7, 0, "openai-community/gpt2", api_name="/attention")
    with pytest.raises(AppError, match="Head must be a number"):
        client.predict("Deep", "", 0, "one", "openai-community/gpt2", api_name="/attention")
    with pytest.raises(AppError, match="Top-p must be above 0"):
        client.predict("Deep", 1.0, 5, -2, "openai-community/gpt2", "fp32", api_name="/next_token")


def test_a_prompt_longer_than_the_context_is_cut_and_said(client):
    text, status, record = generate(client, prompt="Deep learning models learn features. " * 30, max_new_tokens=20)
    assert record["notes"][0]["note"] == "prompt_truncated" and record["prompt_tokens"] == 128 - 20
    assert "the model read the last 108" in status


def test_stop_with_nothing_running_says_so(client):
    assert "Nothing is generating" in client.predict(api_name="/stop_generation")


def test_readme_generate_example_runs_as_written(app_url, capsys):
    exec(compile(readme_example("api-example-generate", app_url), "README.md", "exec"), {})
    lines = capsys.readouterr().out.strip().splitlines()
    new_tokens, speed, _ = lines[-2].split(" ", 2)
    assert int(new_tokens) == 20 and float(speed) > 0
    assert re.fullmatch(r"\d+ of 20 candidates survive top-k and top-p", lines[-1])
