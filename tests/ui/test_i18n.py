"""The translation table is complete: every key in both languages, with the same placeholders."""

import re
import string

import pytest

from core.messages import MESSAGES
from tabs.i18n import Texts, error_text, from_request, tr
from tabs.strings import EN, ZH
from tests.conftest import ROOT


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys():
    assert sorted(set(EN) - set(ZH)) == [] and sorted(set(ZH) - set(EN)) == []


@pytest.mark.parametrize("key", sorted(EN))
def test_placeholders_match_and_chinese_is_really_translated(key):
    assert placeholders(EN[key]) == placeholders(ZH[key]), key
    if not key.startswith(("optimizer.", "model.lstm", "model.transformer", "app.language")):
        assert re.search(r"[\u4e00-\u9fff]", ZH[key]), f"{key} has no Chinese text"


def source(*globs):
    return "\n".join(p.read_text() for g in globs for p in sorted(ROOT.glob(g)))


def test_every_key_the_ui_uses_exists():
    code = source("tabs/**/*.py", "app.py")
    used = set(re.findall(r"""(?:\btr\((?:lang|en|"en"|choice), |\bt\(|(?:label|info|value|placeholder)(?:_key)?=)"""
                          r""""([a-z_]+\.[a-z_0-9.]+)\"""", code))
    used |= {k for k, _ in re.findall(r'\(f?"((?:dataset|model|optimizer|loss)\.[a-z_]+)", ([a-z_]+)\)', code)}
    assert used, "the key scan found nothing"
    missing = sorted(k for k in used if k not in EN)
    assert not missing, missing


def raised_error_keys() -> set[str]:
    """Every error key raised in core/ and tabs/: DLLabError("key", ...), InvalidInput(field, "key", ...)."""
    code = source("core/*.py", "tabs/**/*.py")
    keys = set(re.findall(r'(?:DLLabError|ResourceLimit|TrainingDiverged|ModelUnavailable|ClusterError)\(\s*"([a-z_0-9]+)"', code))
    keys |= set(re.findall(r'InvalidInput\(\s*[^,()]+,\s*"([a-z_0-9]+)"', code))
    keys |= set(re.findall(r'_fail\(label, "([a-z_0-9]+)"', code))
    return keys


def test_every_error_core_raises_has_english_and_chinese():
    keys = raised_error_keys()
    assert len(keys) > 60, "the key scan found too little: has the raise style changed?"
    assert sorted(keys - set(MESSAGES)) == [], "raised but not in core/messages.py"
    assert sorted(k for k in keys if f"error.{k}" not in ZH) == [], "no Chinese in tabs/strings"
    assert sorted(set(MESSAGES) - keys) == [], "in core/messages.py but never raised"


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_chinese_error_has_the_placeholders_of_the_english_one(key):
    assert placeholders(ZH[f"error.{key}"]) == placeholders(MESSAGES[key]), key
    assert EN[f"error.{key}"] == MESSAGES[key]          # English comes from core alone


def test_every_dataset_model_optimizer_and_loss_has_words():
    from core import config
    for group, names in [("dataset", config.DATASETS + ("csv",)), ("model", config.ARCHITECTURES),
                         ("optimizer", config.OPTIMIZERS), ("loss", config.LOSSES), ("about", config.DATASETS)]:
        for name in names:
            assert f"{group}.{name}" in EN, f"{group}.{name}"


def test_core_errors_render_in_chinese_with_translated_control_names():
    from core import config, validate
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        validate.number(50, config.LEARNING_RATE)
    assert error_text("zh", err.value) == "学习率必须在 1e-06 到 10 之间，收到的是 50。"
    assert error_text("en", err.value) == err.value.message


def test_language_comes_from_the_browser():
    class Req:
        def __init__(self, header):
            self.headers = {"accept-language": header}
    assert from_request(Req("zh-CN,zh;q=0.9,en;q=0.8")) == "zh"
    assert from_request(Req("en-US,en;q=0.9,zh;q=0.5")) == "en"
    assert from_request(Req("fr-FR")) == "en" and from_request(None) == "en"


def test_make_writes_each_key_once_builds_in_english_and_relabels():
    import gradio as gr

    tx = Texts()
    with gr.Blocks():
        button = tx.make(gr.Button, value_key="btn.train", variant="primary")
        radio = tx.make(gr.Radio, choice_keys=[("optimizer.sgd", "sgd"), ("optimizer.adam", "adam")], value="adam",
                        label_key="field.optimizer", info_key="help.optimizer")
    assert (button.value, button.variant) == ("Train", "primary")
    assert radio.label == "Optimizer" and radio.value == "adam" and radio.info == EN["help.optimizer"]
    assert radio.choices == [("SGD", "sgd"), ("Adam", "adam")]
    to_button, to_radio = tx.updates("zh")
    assert to_button["value"] == "开始训练"
    assert to_radio["label"] == "优化器" and to_radio["info"] == ZH["help.optimizer"]
    assert tx.keys() == {"btn.train", "optimizer.sgd", "optimizer.adam", "field.optimizer", "help.optimizer"}


def test_a_status_line_is_translated_until_a_handler_replaces_it():
    import gradio as gr

    tx = Texts()
    with gr.Blocks():
        status = tx.make(gr.Markdown, value_key="train.ready", until_replaced=True)
        tx.make(gr.Button, value_key="btn.train")
    assert tx.watched == [status] and status.value == EN["train.ready"]
    to_status, _ = tx.updates("zh", [EN["train.ready"]])
    assert to_status["value"] == ZH["train.ready"]
    to_status, _ = tx.updates("en", [ZH["train.ready"]])
    assert to_status["value"] == EN["train.ready"]
    to_status, to_button = tx.updates("zh", ["**Done**: 40 epochs in 1.2 s. On the validation set:"])
    assert "value" not in to_status and to_button["value"] == "开始训练"


def test_texts_relabel_components_and_choices():
    import gradio as gr

    tx = Texts()
    with gr.Blocks():
        tx.add(gr.Radio([("x", "sgd")], label="x"), label="field.optimizer", choices=[("optimizer.sgd", "sgd")])
    (update,) = tx.updates("zh")
    assert update["label"] == "优化器" and update["choices"] == [("SGD", "sgd")]
    assert tr("zh", "train.done", done=3, epochs=5, seconds="1.0").startswith("**完成**：3 轮")


def test_every_augment_op_parameter_border_and_note_has_words():
    from core import config
    from tabs.augment import NOTES

    for op, params in config.AUGMENT_OPS.items():
        assert f"op.{op}" in EN and f"about_op.{op}" in EN, op
        for name, spec in params.items():
            if isinstance(spec, config.RangeParam):
                assert f"param.{name}" in EN, f"{op}: {name}"
    for mode in config.BORDER_MODES:
        assert f"border.{mode}" in EN
    for note in NOTES:
        assert f"augment.note.{note}" in EN


def test_a_key_defined_by_two_string_modules_is_refused(monkeypatch):
    import tabs.strings

    monkeypatch.setattr(tabs.strings, "MODULES", ("app", "train", "app"))
    with pytest.raises(ImportError, match=r"tabs/strings/app.py defines EN keys another module has: \['acc.record'"):
        tabs.strings._merged("EN")


def test_a_missing_model_is_explained_in_chinese_with_its_kind_translated():
    from core import models
    from core.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable) as err:
        models.load("text", "distilbert/distilgpt2")
    text = error_text("zh", err.value)
    assert text.startswith("文本生成模型 'distilbert/distilgpt2' 无法加载") and "python -m core.prefetch" in text
    assert "DLLAB_TEXT_MODEL" in text and err.value.message.startswith("The text-generation model")
