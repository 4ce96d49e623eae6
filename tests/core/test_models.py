"""core.models: the one pretrained-model loader, exercised with tiny models built on the fly."""

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import torch

from core import models
from core.errors import ModelUnavailable
from tests.tiny_models import install_in_hf_cache


pytestmark = pytest.mark.usefixtures("fresh_model_cache")


def test_loads_a_local_directory_ready_to_generate(tiny_gpt2_dir):
    m = models.load("text", str(tiny_gpt2_dir))
    assert m.source == "local directory" and not m.model.training
    assert m.device == next(m.model.parameters()).device
    ids = m.processor("Deep learning", return_tensors="pt").to(m.device)
    out = m.model.generate(**ids, max_new_tokens=5, do_sample=False, pad_token_id=m.processor.eos_token_id)
    assert out.shape[1] == ids["input_ids"].shape[1] + 5
    assert m.processor.decode(ids["input_ids"][0]) == "Deep learning"


def test_loads_a_speech_model_with_its_processor(tiny_asr_dir):
    m = models.load("asr", str(tiny_asr_dir))
    audio = torch.randn(16000).numpy()
    features = m.processor(audio, sampling_rate=16000, return_tensors="pt").to(m.device)
    with torch.no_grad():
        logits = m.model(**features).logits
    assert logits.shape[-1] == len(m.processor.tokenizer)
    assert isinstance(m.processor.batch_decode(logits.argmax(-1))[0], str)


def test_the_same_model_is_loaded_once_even_when_asked_from_many_threads(tiny_gpt2_dir, monkeypatch):
    calls = []
    real = models._load_uncached

    def counting(*args):
        calls.append(1)
        time.sleep(0.2)   # a slow load: every thread arrives while it runs
        return real(*args)

    monkeypatch.setattr(models, "_load_uncached", counting)
    barrier = threading.Barrier(6)
    got = []

    def worker():
        barrier.wait()
        got.append(models.load("text", str(tiny_gpt2_dir)))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 6 and all(g is got[0] for g in got)


def test_default_comes_from_the_environment(tiny_gpt2_dir, monkeypatch):
    monkeypatch.setenv("DLLAB_TEXT_MODEL", str(tiny_gpt2_dir))
    assert models.load("text").name == str(tiny_gpt2_dir)
    monkeypatch.delenv("DLLAB_TEXT_MODEL")
    assert models.default_name("text") == "openai-community/gpt2"
    assert models.default_name("asr") == "facebook/wav2vec2-base-960h"


def test_loads_a_hub_id_from_the_local_cache_without_network(tiny_gpt2_dir):
    from huggingface_hub import constants

    install_in_hf_cache(tiny_gpt2_dir, Path(constants.HF_HUB_CACHE), "dllab-test/tiny-gpt2")
    m = models.load("text", "dllab-test/tiny-gpt2")
    assert m.source == "Hugging Face cache" and m.model.config.n_layer == 2


def test_missing_model_offline_fails_at_once_and_says_what_to_do():
    start = time.monotonic()
    with pytest.raises(ModelUnavailable) as err:
        models.load("text", "openai-community/gpt2")
    assert time.monotonic() - start < 5
    msg = err.value.message
    assert "python -m core.prefetch" in msg and "DLLAB_TEXT_MODEL" in msg and "other tabs keep working" in msg


def test_unreachable_hub_fails_fast_without_offline_mode(monkeypatch):
    from huggingface_hub import constants

    with socket.socket() as s:          # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{closed}")
    monkeypatch.setattr(models, "_probe", None)
    start = time.monotonic()
    with pytest.raises(ModelUnavailable, match="cannot be reached") as err:
        models.load("asr", "facebook/wav2vec2-base-960h")
    assert time.monotonic() - start < 5
    assert "DLLAB_ASR_MODEL" in err.value.message
    monkeypatch.setattr(models, "_probe", None)


def test_directories_that_hold_no_usable_model(tmp_path, tiny_asr_dir):
    with pytest.raises(ModelUnavailable, match="holds no model"):
        models.load("text", str(tmp_path))
    with pytest.raises(ModelUnavailable, match="There is no directory"):
        models.load("text", str(tmp_path / "missing"))
    with pytest.raises(ModelUnavailable, match="does not hold a text-generation model") as err:
        models.load("text", str(tiny_asr_dir))
    assert len(err.value.message) < 500


def test_a_failed_load_is_not_cached(tmp_path, tiny_gpt2_dir):
    target = tmp_path / "model"
    target.mkdir()
    with pytest.raises(ModelUnavailable):
        models.load("text", str(target))
    for f in tiny_gpt2_dir.iterdir():          # the user fixes the directory and tries again
        shutil.copy(f, target / f.name)
    assert models.load("text", str(target)).source == "local directory"


def test_unknown_kind_is_refused():
    with pytest.raises(Exception, match="Unknown model kind"):
        models.load("vision", "x")


def test_device_follows_dllab_device(tiny_gpt2_dir, monkeypatch):
    wanted = os.environ.get("DLLAB_DEVICE", "cpu")
    m = models.load("text", str(tiny_gpt2_dir))
    expected = "cuda" if wanted.startswith("cuda") else "cpu"
    assert next(m.model.parameters()).device.type == expected


def test_loads_and_model_building_at_the_same_time_stay_correct(tiny_gpt2_dir, tiny_chinese_gpt2_dir):
    """transformers swaps torch.nn.init's functions for no-ops while it loads a model, for the whole
    process: two loads at once, or a model built for training meanwhile, must not notice."""
    import torch.nn.init as init

    from core.train import TrainConfig, TrainingRun

    originals = {name: getattr(init, name) for name in ("kaiming_uniform_", "uniform_", "normal_", "ones_")}
    config = TrainConfig(dataset="digits", model="transformer", hidden_sizes=(32,), epochs=1)
    reference = TrainingRun(config).model.state_dict()
    errors = []

    def load(path):
        try:
            for _ in range(3):
                models._load_uncached("text", models.KINDS["text"], str(path), torch.device("cpu"))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    loaders = [threading.Thread(target=load, args=(p,)) for p in (tiny_gpt2_dir, tiny_chinese_gpt2_dir)]
    for t in loaders:
        t.start()
    built = []
    while any(t.is_alive() for t in loaders):
        built.append(TrainingRun(config).model.state_dict())
    for t in loaders:
        t.join()
    assert not errors
    assert built and all(all(torch.equal(b[k], reference[k]) for k in reference) for b in built)
    assert {name: getattr(init, name) for name in originals} == originals


def test_a_load_that_may_not_download_says_so_and_fetches_nothing(monkeypatch):
    from core import prefetch

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=0: True)
    monkeypatch.setattr(prefetch, "fetch", lambda name: pytest.fail("downloaded"))
    with pytest.raises(ModelUnavailable) as err:
        models.load("text", "distilbert/distilgpt2", download=False)
    assert err.value.key == "model_not_downloaded" and "press Generate" in err.value.message


def test_a_transformers_class_whose_import_failed_in_a_race_is_tried_again(monkeypatch):
    """An import that another thread's import made fail (transformers then says the class is missing)
    succeeds once the other has ended; a class that is not there still says so."""
    import sys
    import types

    tries = []

    class Racing(types.ModuleType):
        def __getattr__(self, name):
            tries.append(name)
            if name == "AutoModelForCTC" and len(tries) == 1:
                raise AttributeError("module transformers has no attribute AutoModelForCTC")
            if name == "AutoModelForCTC":
                return "the class"
            raise AttributeError(f"module transformers has no attribute {name}")

    monkeypatch.setitem(sys.modules, "transformers", Racing("transformers"))
    monkeypatch.setattr(models, "IMPORT_PAUSE_S", 0.0)
    assert models._transformers_class("AutoModelForCTC") == "the class" and len(tries) == 2
    tries.clear()
    with pytest.raises(AttributeError):
        models._transformers_class("NoSuchModel")
    assert len(tries) == models.IMPORT_TRIES
