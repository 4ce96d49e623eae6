"""The Quantize tab's models: built once, judged for real, rebuilt from a blank, and a Train run rebuilt
with the same predictions as the run's own model."""

import pickle
import threading
import time

import numpy as np
import pytest
import torch

from core import models, quantize, quantize_models as qm, quantize_pretrained, quantize_small
from core.errors import InvalidInput

TINY_GPT2 = dict(vocab_size=300, n_positions=96, n_embd=32, n_layer=2, n_head=2)
TINY_WAV2VEC2 = dict(vocab_size=32, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                     conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=16,
                     num_conv_pos_embedding_groups=2)


@pytest.fixture
def pretrained(monkeypatch):
    """GPT-2 and wav2vec2 built afresh: tiny stand-ins, unless a test points the loader at a tiny model."""
    monkeypatch.setattr(quantize_pretrained, "GPT2_STAND_IN", TINY_GPT2)
    monkeypatch.setattr(quantize_pretrained, "WAV2VEC2_STAND_IN", TINY_WAV2VEC2)
    for setting in ("DLLAB_TEXT_MODEL", "DLLAB_ASR_MODEL"):
        monkeypatch.delenv(setting, raising=False)
    for key in ("gpt2", "wav2vec2"):
        qm._cache.pop(key, None)
    models.clear_cache()
    yield monkeypatch
    for key in ("gpt2", "wav2vec2"):
        qm._cache.pop(key, None)
    models.clear_cache()


@pytest.mark.parametrize("key, at_least", [("mlp", 0.8), ("mlp_mnist", 0.9), ("lstm", 0.6)])
def test_the_small_classifiers_are_trained_for_real(key, at_least):
    subject = qm.builtin(key)
    judged = subject.evaluate(subject.model)
    assert judged.accuracy >= at_least                   # chance is 0.5 (mlp) or 0.1 (the digits)
    assert subject.real_weights and subject.kind == "classifier" and not subject.model.training
    assert len(judged.predictions) == len(subject.evaluate.args[1])      # the whole validation split
    assert qm.builtin(key) is subject                     # built once per process


def test_the_word_lm_has_the_tutorials_shape():
    subject = qm.builtin("lstm_lm")
    assert quantize.saved_bytes(subject.model) == pytest.approx(113.9e6, rel=0.001)   # the tutorial's figure
    judged = subject.evaluate(subject.model)
    assert judged.accuracy is None and not subject.real_weights
    assert judged.predictions.shape == (quantize_small.WORD_LM_TOKENS,)
    assert subject.model(*subject.example).shape == (quantize_small.WORD_LM_EXAMPLE, 1, 33_278)


def test_an_int8_copy_is_judged_on_the_same_data_and_the_original_is_untouched():
    subject = qm.builtin("mlp_mnist")
    before_bytes = quantize.saved_bytes(subject.model)
    before = subject.evaluate(subject.model)
    int8 = quantize.int8_dynamic(subject.model)
    after = subject.evaluate(int8)
    assert abs(after.accuracy - before.accuracy) <= 0.02
    diff = qm.compare(before, after)
    assert diff["changed"] == np.count_nonzero(before.predictions != after.predictions)
    assert diff["compared"] == len(before.predictions) and diff["agreement"] > 0.95
    assert 0 < diff["max_logit_diff"] < 5
    assert quantize.saved_bytes(subject.model) == before_bytes
    assert np.array_equal(subject.evaluate(subject.model).predictions, before.predictions)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_half_precision_copy_is_judged_too(dtype):
    import copy

    subject = qm.builtin("mlp")
    before, after = subject.evaluate(subject.model), subject.evaluate(copy.deepcopy(subject.model).to(dtype))
    assert after.logits.dtype == np.float32
    assert abs(after.accuracy - before.accuracy) <= 0.02


def test_compare_counts_what_changed():
    def judged(predictions, logits):
        return qm.Evaluation(None, np.array(predictions), np.array(logits, dtype=np.float32), None, None)

    diff = qm.compare(judged([1, 2, 3, 4], [0.0, 1.0, 2.0]), judged([1, 0, 3, 0], [0.0, 1.5, 1.0]))
    assert diff == {"changed": 2, "agreement": 0.5, "max_logit_diff": 1.0, "compared": 4}
    assert qm.compare(judged([1], [1.0]), judged([1], [np.nan]))["max_logit_diff"] is None
    with pytest.raises(ValueError):
        qm.compare(judged([1, 2], [1.0]), judged([1], [1.0]))


@pytest.mark.parametrize("key", ["mlp", "lstm", "lstm_lm", "gpt2", "wav2vec2"])
def test_a_pickled_blank_with_the_state_dict_gives_the_same_outputs(pretrained, key):
    subject = qm.builtin(key)
    blank = pickle.loads(pickle.dumps(subject.blank))     # as core.latency sends it to its worker
    rebuilt = blank()
    rebuilt.load_state_dict(subject.model.state_dict())
    assert torch.equal(qm.run(rebuilt, subject.example), qm.run(subject.model, subject.example))


def test_random_weights_stand_in_when_the_pretrained_ones_are_missing(pretrained):
    steps = []
    gpt2 = qm.builtin("gpt2", steps.append)
    assert steps == ["loading", "building"]
    assert not gpt2.real_weights and "random weights" in gpt2.label
    judged = gpt2.evaluate(gpt2.model)
    assert judged.perplexity is None and judged.accuracy is None
    assert judged.predictions.shape == (TINY_GPT2["n_positions"] - 1,)     # the paragraph fills the context
    assert gpt2.example[0].shape == (1, quantize_pretrained.EXAMPLE_TOKENS)

    speech = qm.builtin("wav2vec2")
    assert not speech.real_weights and speech.kind == "wav2vec2"
    judged = speech.evaluate(speech.model)
    assert judged.text is None and len(judged.predictions) > 100            # frames of the 3 s clip
    assert speech.example[0].shape == (1, 32_000)


def test_the_pretrained_models_come_through_the_loader(pretrained, tiny_gpt2_dir, tiny_asr_dir):
    pretrained.setenv("DLLAB_TEXT_MODEL", str(tiny_gpt2_dir))
    pretrained.setenv("DLLAB_ASR_MODEL", str(tiny_asr_dir))
    gpt2 = qm.builtin("gpt2")
    assert gpt2.real_weights and gpt2.model is models.load("text").model      # shared, not copied
    judged = gpt2.evaluate(gpt2.model)
    assert 1 < judged.perplexity < 1e6
    int8 = gpt2.evaluate(quantize.int8_dynamic(gpt2.model))
    assert int8.perplexity > 1 and qm.compare(judged, int8)["compared"] == len(judged.predictions)

    speech = qm.builtin("wav2vec2")
    assert speech.real_weights and speech.model is models.load("asr").model
    assert isinstance(speech.evaluate(speech.model).text, str)


def test_concurrent_callers_share_one_build(monkeypatch):
    builds = []

    def slow_build(progress):
        builds.append(1)
        time.sleep(0.2)
        return "the subject"

    monkeypatch.setattr(quantize_small, "word_lm", slow_build)
    qm._cache.pop("lstm_lm", None)
    got = []
    threads = [threading.Thread(target=lambda: got.append(qm.builtin("lstm_lm"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qm._cache.pop("lstm_lm", None)
    assert builds == [1] and got == ["the subject"] * 4


@pytest.mark.parametrize("key", ["trained", "resnet", None])
def test_an_unknown_model_is_refused(key):
    with pytest.raises(InvalidInput, match="Model must be one of"):
        qm.builtin(key)


# --- a run of the Train history ---------------------------------------------------------------------

def _trained(**settings):
    from core.runs import RunHistory
    from core.train import TrainConfig, TrainingRun

    history = RunHistory()
    run = TrainingRun(TrainConfig.from_user(**settings))
    list(run.epochs())
    return history, history.add(run), run


@pytest.mark.parametrize("settings", [dict(dataset="moons", epochs=5, dropout=0.2),
                                      dict(dataset="digits", model="cnn", epochs=2)])
def test_a_train_run_is_rebuilt_with_its_own_predictions_and_accuracy(settings):
    _, record, run = _trained(**settings)
    subject = qm.from_run(record)
    assert subject.key == f"trained:{record.id}" and subject.kind == "classifier" and subject.real_weights
    judged = subject.evaluate(subject.model)
    assert round(judged.accuracy, 4) == record.result.metrics["accuracy"]
    assert np.array_equal(judged.predictions, record.result.val_proba.argmax(1))
    int8 = subject.evaluate(quantize.int8_dynamic(subject.model))
    assert abs(int8.accuracy - judged.accuracy) <= 0.02


def test_a_run_without_weights_is_refused_clearly():
    from dataclasses import replace

    _, record, _ = _trained(dataset="circles", epochs=1)
    with pytest.raises(InvalidInput, match=f"Run #{record.id} no longer holds its weights"):
        qm.from_run(replace(record, weights=None))
    with pytest.raises(InvalidInput, match="no trained model in this session"):
        qm.from_run(None)
