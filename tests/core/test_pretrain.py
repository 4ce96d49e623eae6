"""Pretraining and fine-tuning a tiny GPT (core.pretrain), its export (core.pretrain_io) and its curves."""

import zipfile

import pytest
import torch

from core import config
from core.corpus import loss_floor
from core.errors import DLLabError, InvalidInput, ResourceLimit
from core.pretrain import LMRegistry, PretrainConfig, PretrainRun, lr_at
from core.pretrain_io import export_zip, import_zip
from core.pretrain_plots import curves_figure

TINY = dict(digits=1, n_layer=2, n_head=4, n_embd=32, block_size=14, learning_rate=5e-3, warmup_steps=10,
            batch_size=64)
TEXT = "the cat sat on the mat. the dog sat on the log. " * 20


def pretrain(registry=None, **settings):
    registry = registry if registry is not None else LMRegistry()
    run = PretrainRun(PretrainConfig.from_user(**{**TINY, **settings}, registry=registry), registry)
    records = list(run.steps())
    run.register()
    return run, records, registry


def test_one_digit_addition_is_learned_in_seconds_and_the_model_joins_the_registry():
    run, records, registry = pretrain(steps=600)
    summary = run.summary()
    assert summary["steps_completed"] == 600 and not summary["stopped"]
    # 1-digit sums: 90 to learn from, 10 held out; the loss is near the floor no model can beat
    assert records[-1].val_loss < loss_floor(1, "+") + 0.1 and summary["exact_match"] >= 0.7
    assert summary["model_id"] == "tiny-1" and registry.ids() == ["tiny-1"]
    assert summary["samples"] and "✓" in summary["samples"][-1]["text"] and "→" in summary["samples"][-1]["text"]
    generated = registry.get("tiny-1").text_model()
    assert generated.lm.vocab_size == len(run.vocab) and generated.codec.decode(generated.codec.continue_with("3+4=")) == "3+4="


def test_the_same_seed_gives_the_same_curves_and_stop_keeps_the_model_so_far():
    first = [r.train_loss for r in pretrain(steps=30)[1]]
    again = [r.train_loss for r in pretrain(steps=30)[1]]
    assert first == again
    calls = []
    registry = LMRegistry()
    run = PretrainRun(PretrainConfig.from_user(**TINY, steps=100, registry=registry), registry,
                      should_stop=lambda: len(calls) >= 5)
    for record in run.steps():
        calls.append(record)
    run.register()
    assert run.stopped and len(run.history) == 5 and run.history[-1].val_loss is not None
    assert run.summary()["stopped"] and registry.ids() == ["tiny-1"]


def test_fine_tuning_starts_from_the_base_weights_beside_a_twin_from_scratch():
    base_run, _, registry = pretrain(steps=200)
    cfg = PretrainConfig.from_user(**{**TINY, "n_layer": 1}, ops=["-"], steps=20, init_from="tiny-1",
                                   registry=registry)
    assert cfg.n_layer == 2, "a fine-tune keeps its base model's shape"
    run = PretrainRun(cfg, registry)
    base = registry.get("tiny-1").model.state_dict()
    assert all(torch.equal(run.model.state_dict()[k], v) for k, v in base.items())
    assert not all(torch.equal(run.scratch.state_dict()[k], v) for k, v in base.items())
    records = list(run.steps())
    run.register()
    assert all(r.scratch_train_loss is not None for r in records)
    assert records[0].train_loss != records[0].scratch_train_loss, "two models, one batch: two losses"
    assert set(run.summary()["compare"]) == {"target", "value", "fine_tuned", "from_scratch"}
    assert registry.get("tiny-1").model.state_dict()["wte.weight"].equal(base["wte.weight"]), "the base is untouched"


def test_a_text_model_and_a_fine_tune_on_other_characters_says_which_are_missing():
    run, _, registry = pretrain(corpus="text", text=TEXT, steps=20, block_size=16)
    assert run.vocab.encode("cat") and run.summary()["exact_match"] is None
    other = "the cat sat on the mat! xyz " * 30
    tuned, _, _ = pretrain(registry, corpus="text", text=other, steps=5, init_from=run.summary()["model_id"])
    assert set(tuned.summary()["missing_chars"]) == {"!", "x", "y", "z"}
    with pytest.raises(InvalidInput, match="never seen"):
        PretrainRun(PretrainConfig.from_user(**TINY, corpus="text", text="中文的文字" * 100, steps=5, init_from="tiny-1",
                                             registry=registry), registry)


@pytest.mark.parametrize("settings, error, words", [
    (dict(n_layer=99), InvalidInput, "Layers must be between"),
    (dict(n_head=3, n_embd=32), InvalidInput, "multiple of"),
    (dict(steps="many"), InvalidInput, "Steps must be a number"),
    (dict(learning_rate=float("nan")), InvalidInput, "finite"),
    (dict(steps=20_000, batch_size=256, block_size=256), ResourceLimit, "tokens"),
    (dict(corpus="text", text="   "), InvalidInput, "empty"),
    (dict(corpus="text", text="short"), InvalidInput, "characters"),
    (dict(corpus="poems"), InvalidInput, "Corpus must be one of"),
    (dict(init_from="tiny-9"), InvalidInput, "no model 'tiny-9'"),
    (dict(ops=["*"]), InvalidInput, "Operations must be one of"),
])
def test_bad_settings_get_a_message_that_names_them(settings, error, words):
    with pytest.raises(error, match=words):
        PretrainRun(PretrainConfig.from_user(**{**TINY, **settings}, registry=LMRegistry()), LMRegistry())


def test_a_config_built_in_code_starts_where_the_page_starts():
    assert PretrainConfig() == PretrainConfig.from_user()      # a context of one 2-digit sum, many sums a batch
    assert PretrainConfig().block_size == config.arithmetic_context(2)


def test_the_learning_rate_warms_up_then_decays_to_a_tenth():
    cfg = PretrainConfig(learning_rate=1e-3, warmup_steps=10, steps=110)
    assert lr_at(0, cfg) == pytest.approx(1e-4) and lr_at(9, cfg) == pytest.approx(1e-3)
    assert lr_at(60, cfg) == pytest.approx(0.55e-3) and lr_at(110, cfg) == pytest.approx(1e-4)


def test_the_registry_keeps_the_newest_and_an_export_comes_back_the_same(tmp_path):
    registry = LMRegistry()
    run, _, _ = pretrain(registry, steps=10)
    for _ in range(config.PRETRAIN_MODELS_KEPT):
        run.register()
    assert len(registry.ids()) == config.PRETRAIN_MODELS_KEPT and "tiny-1" not in registry.ids()
    entry = registry.all()[-1]
    path = export_zip(entry)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["config.json", "model.safetensors", "vocab.json"]
    back = import_zip(path, registry)
    ids = torch.tensor([entry.vocab.encode("\n3+4=")])
    assert torch.equal(back.model(ids)[0], entry.model(ids)[0]) and back.corpus == "arithmetic"


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(b"not a zip"), "not a zip"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("model.pkl", b"x"), "exactly"),
])
def test_an_upload_that_is_not_an_export_is_refused(tmp_path, make, words):
    path = tmp_path / "upload.zip"
    make(path)
    with pytest.raises(DLLabError, match=words):
        import_zip(path, LMRegistry())


def test_an_export_whose_config_exceeds_the_bounds_is_refused(tmp_path):
    run, _, registry = pretrain(steps=5)
    source = export_zip(registry.all()[-1])
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "config.json":
                data = data.replace(b'"n_layer": 2', b'"n_layer": 64')
            dst.writestr(name, data)
    with pytest.raises(InvalidInput, match="Layers must be between"):
        import_zip(bad, registry)


def test_the_curves_show_both_runs_and_the_exact_match():
    run, records, registry = pretrain(steps=50)
    figure = curves_figure(records, 50, floor=0.5)
    names = [trace.name for trace in figure.data]
    assert names[:2] == ["train", "validation"] and "exact match" in names
    tuned = PretrainRun(PretrainConfig.from_user(**TINY, steps=5, init_from="tiny-1", registry=registry), registry)
    both = curves_figure(list(tuned.steps()), 5)
    assert any(trace.name == "from scratch: validation" for trace in both.data)


def test_a_text_model_writes_past_its_context_as_the_window_slides():
    from core.generate import GenerateConfig, Generation

    run, _, registry = pretrain(corpus="text", text=TEXT, steps=30, block_size=16)
    model = registry.all()[-1].text_model()
    cfg = GenerateConfig.from_user(prompt="the cat", max_new_tokens=64, strategy="greedy", model=model.name,
                                   registry=registry)
    generation = Generation(cfg, model)
    assert len(list(generation.tokens())) == 64
    assert {"note": "window_slides", "context": 16} in generation.notes
