import subprocess
import sys

import pytest
import torch

from core import prefetch
from core.device import get_device
from core.errors import DLLabError
from tests.conftest import ROOT


def test_device_choice(monkeypatch):
    monkeypatch.setenv("DLLAB_DEVICE", "cpu")
    assert get_device().type == "cpu"
    monkeypatch.setenv("DLLAB_DEVICE", "tpu")
    with pytest.raises(DLLabError, match="must be 'auto', 'cpu' or 'cuda"):
        get_device()
    monkeypatch.setenv("DLLAB_DEVICE", "auto")
    assert get_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown on a machine without CUDA")
def test_asking_for_cuda_without_one_says_so(monkeypatch):
    monkeypatch.setenv("DLLAB_DEVICE", "cuda")
    with pytest.raises(DLLabError, match="no CUDA device"):
        get_device()


def test_prefetch_plans_defaults_and_skips_local_directories(monkeypatch, tiny_gpt2_dir):
    monkeypatch.delenv("DLLAB_ASR_MODEL", raising=False)
    monkeypatch.setenv("DLLAB_TEXT_MODEL", str(tiny_gpt2_dir))
    assert prefetch.plan(["text", "asr"]) == [
        ("text", str(tiny_gpt2_dir), "local"),
        ("text", "openai-community/gpt2", "download"),
        ("text", "distilbert/distilgpt2", "download"),
        ("text", "uer/gpt2-chinese-cluecorpussmall", "download"),
        ("asr", "facebook/wav2vec2-base-960h", "download"),
    ]


def test_prefetch_fetches_every_text_model_the_page_offers(monkeypatch):
    from core import config

    monkeypatch.delenv("DLLAB_TEXT_MODEL", raising=False)
    assert [name for _, name, _ in prefetch.plan(["text"])] == list(config.TEXT_MODELS)


def test_prefetch_command_explains_offline_mode():
    result = subprocess.run([sys.executable, "-m", "core.prefetch"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 3
    assert "HF_HUB_OFFLINE is set" in result.stderr and "Traceback" not in result.stderr


def test_prefetch_refuses_an_unknown_kind():
    result = subprocess.run([sys.executable, "-m", "core.prefetch", "vision"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "unknown kind 'vision'" in result.stderr


def test_prefetch_command_with_only_local_models_needs_no_network(tiny_asr_dir):
    env = {"DLLAB_ASR_MODEL": str(tiny_asr_dir)}
    import os
    result = subprocess.run([sys.executable, "-m", "core.prefetch", "asr"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={**os.environ, **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("is a local directory") == 1
