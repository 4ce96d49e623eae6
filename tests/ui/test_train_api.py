"""The Train tab through its public API, as a gradio_client user (or a Space visitor) calls it: every
test runs against the app computing in its own process and against the app with a local Ray instance
(DLLAB_RAY_ADDRESS=local), where the runs compute on Ray's workers."""

import threading
import time

import pytest
from gradio_client.exceptions import AppError

from tests.conftest import readme_example

GOOD = dict(dataset="moons", hidden_sizes="64, 64", optimizer="adam", learning_rate=0.01, epochs=15,
            batch_size=32, dropout=0.1, weight_decay=0.0, seed=0)


@pytest.fixture(scope="module", params=["in-process", "ray"])
def app_url(request):
    """Each test against both servers (the Ray one skips, saying why, where Ray is not installed)."""
    return request.getfixturevalue("app_url" if request.param == "in-process" else "ray_app_url")


def train(client, **changes):
    return client.predict(**{**GOOD, **changes}, api_name="/train")


def test_the_api_lists_train_with_its_documented_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    params = [p["parameter_name"] for p in api["/train"]["parameters"]]
    assert params[:9] == ["dataset", "hidden_sizes", "optimizer", "learning_rate", "epochs", "batch_size",
                          "dropout", "weight_decay", "seed"]
    assert {"n_samples", "noise", "momentum", "model", "l1"} <= set(params)
    for name in ("/sweep", "/scratch", "/fuse", "/export", "/history_csv"):
        assert name in api
    assert "/stop_training" in api


def test_training_returns_metrics_and_plots(client):
    status, curves, boundary, confusion, layers, metrics = train(client)
    assert metrics["epochs_completed"] == 15 and metrics["stopped"] is False
    for key in ("accuracy", "precision", "recall", "f1", "auc"):
        assert 0.8 <= metrics[key] <= 1.0, key
    assert metrics["seconds"] > 0 and "Done" in status
    assert curves and boundary and confusion   # plot payloads for the page
    assert [row[1] for row in layers["data"]] == ["Linear", "ReLU", "SeededDropout"] * 2 + ["Linear"]


def test_same_seed_same_result_through_the_api(client):
    a = train(client, seed=5, epochs=5, dataset="circles")[-1]
    b = train(client, seed=5, epochs=5, dataset="circles")[-1]
    assert a == {**b, "seconds": a["seconds"]}


def test_digits_reports_macro_metrics_and_no_boundary(client):
    status, curves, boundary, confusion, layers, metrics = train(client, dataset="digits", epochs=5)
    assert metrics["average"] == "macro" and len(metrics["confusion_matrix"]) == 10
    assert boundary is None and metrics["accuracy"] > 0.85


@pytest.mark.parametrize("changes, message", [
    (dict(learning_rate="abc"), "Learning rate must be a number"),
    (dict(learning_rate=None), "Learning rate is required"),
    (dict(learning_rate=-0.1), "Learning rate must be between"),
    (dict(epochs=1e308), "Epochs must be between 1 and 300"),
    (dict(batch_size="ten"), "Batch size must be a number"),
    (dict(seed=[1, 2]), "Seed must be a number"),
    (dict(hidden_sizes="x" * 200_000), "Hidden layer sizes is too long"),
    (dict(hidden_sizes="64, -3"), "Hidden layer sizes must be whole numbers"),
    (dict(dataset="imagenet"), "Dataset must be one of"),
    (dict(optimizer=42), "Optimizer must be one of"),
    (dict(dropout=5), "Dropout must be between 0 and 0.9"),
    (dict(dataset="digits", batch_size=1, epochs=300), "Use a larger batch size or fewer epochs"),
    (dict(dataset="circles", optimizer="sgd", learning_rate=10), "Training diverged"),
])
def test_bad_input_gets_a_clear_message_and_the_server_keeps_serving(client, changes, message):
    with pytest.raises(AppError) as err:
        train(client, **changes)
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)
    assert train(client, epochs=2)[-1]["epochs_completed"] == 2


def test_stop_ends_the_run_early_and_keeps_the_partial_result(client):
    job = client.submit(**{**GOOD, "dataset": "digits", "hidden_sizes": "256, 256", "epochs": 300,
                           "batch_size": 16}, api_name="/train")
    deadline = time.monotonic() + 30
    while len(job.outputs()) < 2 and time.monotonic() < deadline:      # the start line, then an epoch's progress
        time.sleep(0.1)
    assert client.predict(api_name="/stop_training") == "Stopping…"
    metrics = job.result(timeout=60)[-1]
    assert metrics["stopped"] is True and 0 < metrics["epochs_completed"] < 300
    assert metrics["accuracy"] > 0.5


def test_one_users_stop_does_not_stop_another_users_run(client, app_url):
    from gradio_client import Client

    other = Client(app_url, verbose=False)
    job = other.submit(**{**GOOD, "epochs": 60}, api_name="/train")
    time.sleep(1.0)
    assert client.predict(api_name="/stop_training") == "Nothing is training."
    metrics = job.result(timeout=120)[-1]
    assert metrics["stopped"] is False and metrics["epochs_completed"] == 60


def test_several_users_can_train_at_the_same_time(app_url):
    from gradio_client import Client

    results, errors = [], []

    def user(seed):
        try:
            results.append(Client(app_url, verbose=False).predict(**{**GOOD, "seed": seed}, api_name="/train")[-1])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=user, args=(s,)) for s in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 3
    assert all(r["epochs_completed"] == 15 for r in results)


def test_readme_api_example_runs_as_written(app_url, capsys):
    exec(compile(readme_example("api-example", app_url), "README.md", "exec"), {})
    last_line = capsys.readouterr().out.strip().splitlines()[-1].split()   # Client prints "Loaded as API" first
    assert len(last_line) == 3 and all(0.5 < float(x) <= 1 for x in last_line)
