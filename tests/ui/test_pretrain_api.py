"""The Pretrain tab through its public API, as a gradio_client user calls it: a tiny GPT pretrained,
fine-tuned, exported, and used by /generate in the same client session."""

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.conftest import readme_example

TINY = dict(corpus="arithmetic", digits=1, ops=["+"], n_layer=2, n_head=4, n_embd=32, block_size=14, dropout=0.0,
            learning_rate=5e-3, warmup_steps=10, batch_size=64, steps=60, seed=0)


def pretrain(client, **changes):
    return client.predict(**{**TINY, **changes}, api_name="/pretrain")


def test_the_api_lists_pretrain_with_its_documented_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert [p["parameter_name"] for p in api["/pretrain"]["parameters"]] == [
        "corpus", "text", "text_file", "digits", "ops", "n_layer", "n_head", "n_embd", "block_size", "dropout",
        "learning_rate", "warmup_steps", "batch_size", "steps", "seed", "init_from"]
    assert "/stop_pretraining" in api


def test_a_pretrained_model_reports_its_run_and_generates_in_the_same_session(app_url):
    client = Client(app_url, verbose=False)
    status, curves, samples, record = pretrain(client)
    assert {"model_id", "parameters", "steps_completed", "stopped", "train_loss", "val_loss", "tokens_per_s",
            "samples", "exact_match"} <= set(record)
    assert record["model_id"] == "tiny-1" and record["steps_completed"] == 60 and not record["stopped"]
    assert 0 <= record["exact_match"] <= 1 and record["val_loss"] > 0 and record["samples"]
    text, _, generated = client.predict(prompt="3+4=", max_new_tokens=2, strategy="greedy", model="tiny-1",
                                        api_name="/generate")
    assert generated["model"] == "tiny-1" and generated["new_tokens"] >= 1
    # Generate's default length (64) is longer than the model's context (14): the window slides
    longer = client.predict(prompt="3+4=", max_new_tokens=64, strategy="sample", seed=1, model="tiny-1",
                            api_name="/generate")[-1]
    assert 1 <= longer["new_tokens"] <= 64 and {"note": "window_slides", "context": 14} in longer["notes"]
    with pytest.raises(AppError, match="tiny-1"):          # another session has no such model
        Client(app_url, verbose=False).predict(prompt="3+4=", model="tiny-1", api_name="/generate")


def test_a_fine_tune_runs_beside_a_twin_from_scratch(app_url):
    client = Client(app_url, verbose=False)
    pretrain(client)
    record = pretrain(client, ops=["-"], steps=50, init_from="tiny-1")[-1]
    assert record["model_id"] == "tiny-2" and record["init_from"] == "tiny-1"
    assert set(record["compare"]) == {"target", "value", "fine_tuned", "from_scratch"}


def test_a_text_model(client):
    text = "the cat sat on the mat. the dog sat on the log. " * 20
    record = pretrain(client, corpus="text", text=text, block_size=16, steps=20)[-1]
    assert record["corpus"] == "text" and record["exact_match"] is None and record["vocab_size"] == len(set(text)) + 1


@pytest.mark.parametrize("changes, words", [
    (dict(n_layer=99), "Layers must be between"),
    (dict(n_head=3, n_embd=32), "multiple of"),
    (dict(steps="lots"), "Steps must be a number"),
    (dict(learning_rate=1e308), "Learning rate must be between"),
    (dict(corpus="text", text="   "), "empty"),
    (dict(corpus="text", text="x" * 200_000 * 6), "too long"),
    (dict(corpus="poems"), "Corpus must be one of"),
    (dict(init_from="tiny-7"), "no model 'tiny-7'"),
    (dict(steps=20_000, batch_size=256, block_size=256), "tokens"),
])
def test_bad_requests_get_a_clear_message_and_the_server_keeps_serving(client, changes, words):
    with pytest.raises(AppError, match=words):
        pretrain(client, **changes)
    assert pretrain(client, steps=2)[-1]["steps_completed"] == 2


def test_a_binary_file_is_not_text(client, tmp_path):
    from gradio_client import handle_file

    fake = tmp_path / "notes.txt"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 100)
    with pytest.raises(AppError, match="not UTF-8 text"):
        pretrain(client, corpus="text", text="", text_file=handle_file(str(fake)))


def test_stop_with_nothing_running_says_so(client):
    assert "Nothing is being pretrained" in client.predict(api_name="/stop_pretraining")


def test_readme_pretrain_example_runs_as_written(app_url):
    namespace = {}
    code = readme_example("api-example-pretrain", app_url).replace("steps=1500", "steps=40")
    exec(code, namespace)  # noqa: S102 - the README's own example
    assert namespace["record"]["model_id"] == "tiny-1" and namespace["text"]


def test_on_a_ray_cluster_a_run_and_its_fine_tune_give_the_in_process_results(app_url, ray_app_url):
    """With DLLAB_RAY_ADDRESS=local the steps compute on Ray's workers: the same curves and samples
    (timings aside, the records are equal), and the model joins the session's models for Generate
    and for a fine-tune, as in-process."""
    here, there = Client(app_url, verbose=False), Client(ray_app_url, verbose=False)
    records = []
    for client in (here, there):
        *_, record = pretrain(client, steps=110)
        *_, tuned = pretrain(client, steps=20, ops=["-"], init_from="tiny-1")
        records.append((record, tuned))
    drop = ("tokens_per_s", "seconds")
    for a, b in zip(*records):
        assert {k: v for k, v in a.items() if k not in drop} == {k: v for k, v in b.items() if k not in drop}
    assert records[1][0]["model_id"] == "tiny-1" and records[1][1]["init_from"] == "tiny-1"
    assert records[1][1]["model_id"] == "tiny-2" and records[1][0]["samples"]
    text, _, generated = there.predict(prompt="3+4=", max_new_tokens=2, strategy="greedy", model="tiny-2",
                                       api_name="/generate")
    assert generated["model"] == "tiny-2" and generated["new_tokens"] >= 1
