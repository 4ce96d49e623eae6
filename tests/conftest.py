"""Shared test set-up: no network, a private Hugging Face cache, tiny models, a running app."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# Before anything imports huggingface_hub: never reach the Hub, never read the user's cache.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="dllab-hf-")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory) -> Path:
    from tests.tiny_models import make_tiny_gpt2

    return make_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_chinese_gpt2_dir(tmp_path_factory) -> Path:
    from tests.tiny_models import make_tiny_chinese_gpt2

    return make_tiny_chinese_gpt2(tmp_path_factory.mktemp("tiny-chinese-gpt2"))


@pytest.fixture(scope="session")
def tiny_whisper_dir(tmp_path_factory) -> Path:
    from tests.tiny_models import make_tiny_whisper

    return make_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper"))


@pytest.fixture(scope="session")
def tiny_asr_dir(tmp_path_factory) -> Path:
    from tests.tiny_models import make_tiny_wav2vec2

    return make_tiny_wav2vec2(tmp_path_factory.mktemp("tiny-wav2vec2"))


@pytest.fixture
def fresh_model_cache():
    """core.models' cache emptied before and after the test: each test loads its own models."""
    from core import models

    models.clear_cache()
    yield
    models.clear_cache()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the app did not serve {url} within {timeout} s")


def app_hf_home(root: Path, english: Path, chinese: Path, asr: Path | None = None,
                whisper: Path | None = None) -> Path:
    """A Hugging Face cache of the app's own in which the tiny models stand in for GPT-2, the Chinese
    GPT-2, wav2vec2 and Whisper, under their real ids; DistilGPT2 is missing, as on a machine without it."""
    from tests.tiny_models import install_in_hf_cache

    hub = root / "hub"
    install_in_hf_cache(english, hub, "openai-community/gpt2")
    install_in_hf_cache(chinese, hub, "uer/gpt2-chinese-cluecorpussmall")
    if asr is not None:
        install_in_hf_cache(asr, hub, "facebook/wav2vec2-base-960h")
    if whisper is not None:
        install_in_hf_cache(whisper, hub, "openai/whisper-tiny")
    return root


def require_ray() -> None:
    """Skip the calling test, saying why, where Ray is not installed (fail it when DLLAB_REQUIRE_RAY=1,
    as in CI, which installs requirements-ray.txt)."""
    if importlib.util.find_spec("ray") is None:
        reason = "Ray is not installed (pip install -r requirements-ray.txt)"
        if os.environ.get("DLLAB_REQUIRE_RAY") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def until(condition, seconds: float = 60) -> None:
    """Wait for ``condition()`` to hold, failing the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"the condition did not hold within {seconds:.0f} s"
        time.sleep(0.005)


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray instance (DLLAB_RAY_ADDRESS=local) for the tests of one module; Ray's absence skips them,
    saying why (fails them in CI)."""
    from core import cluster

    require_ray()
    before = os.environ.get(cluster.ENV)
    os.environ[cluster.ENV] = "local"
    try:
        cluster.warm_up()
        assert cluster.status().state == "ready", cluster.status()
        yield
    finally:
        cluster.shutdown()
        if before is None:
            os.environ.pop(cluster.ENV, None)
        else:
            os.environ[cluster.ENV] = before


def serve_app(tmp_path_factory, models: tuple[Path, ...], **settings):
    """`python app.py` started as a user starts it, on a free port given by GRADIO_SERVER_PORT, with
    ``settings`` added to its environment; yields its URL and stops it afterwards."""
    port = free_port()
    hf_home = app_hf_home(tmp_path_factory.mktemp("app-hf"), *models)
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1",
               PYTHONUNBUFFERED="1", HF_HOME=str(hf_home))
    for setting in ("DLLAB_TEXT_MODEL", "DLLAB_ASR_MODEL", "DLLAB_WHISPER_MODEL", "DLLAB_RAY_ADDRESS"):
        env.pop(setting, None)
    env.update(settings)
    log = tmp_path_factory.mktemp("app") / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
        yield url
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n--- app log ---\n{log.read_text()}") from None
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, tiny_gpt2_dir, tiny_chinese_gpt2_dir, tiny_asr_dir, tiny_whisper_dir):
    """The app, computing in its own process."""
    yield from serve_app(tmp_path_factory, (tiny_gpt2_dir, tiny_chinese_gpt2_dir, tiny_asr_dir, tiny_whisper_dir))


@pytest.fixture(scope="session")
def ray_app_url(tmp_path_factory, tiny_gpt2_dir, tiny_chinese_gpt2_dir, tiny_asr_dir, tiny_whisper_dir):
    """The app with DLLAB_RAY_ADDRESS=local: heavy runs on a Ray instance it starts (once it is connected).
    Skips with the reason where Ray is not installed (fails instead when DLLAB_REQUIRE_RAY=1, as in CI)."""
    from gradio_client import Client

    require_ray()
    server = serve_app(tmp_path_factory, (tiny_gpt2_dir, tiny_chinese_gpt2_dir, tiny_asr_dir, tiny_whisper_dir),
                       DLLAB_RAY_ADDRESS="local")
    try:
        url = next(server)
        client, deadline = Client(url, verbose=False), time.monotonic() + 90
        while (state := client.predict(api_name="/server_load")["cluster"]) == "connecting" \
                and time.monotonic() < deadline:
            time.sleep(0.5)
        assert state == "ready", f"the app's Ray instance is {state}"
        yield url
    finally:
        server.close()


def readme_example(marker: str, app_url: str) -> str:
    """The README's ``gradio_client`` example after ``<!-- marker -->``, pointed at ``app_url``."""
    import re

    block = re.search(rf"<!-- {marker} -->\s*```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, f"README has no gradio_client example marked {marker}"
    code = block.group(1)
    assert 'Client("http://127.0.0.1:7860/")' in code
    return code.replace("http://127.0.0.1:7860/", app_url)
