"""A student's view of the Pretrain tab, in a real Chromium: a tiny GPT pretrained on 1-digit sums in a
few steps, its curve and sample drawn, then used in the Generate tab; its export and TensorBoard log."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
STEPS = 30                  # one evaluation and one sample, at the last step
ENGLISH = {"locale": "en-US", "train": "Train", "tab": "Pretrain", "generate": "Generate", "button": "Pretrain",
           "accordion": "Model and training", "done": "Done", "in_list": "Generate tab's model list",
           "trained": "trained here: tiny-1", "generated": "Done", "exported": "upload the zip back",
           "parameters": "parameters"}
CHINESE = {"locale": "zh-CN", "train": "开始训练", "tab": "预训练", "generate": "文本生成",
           "button": "开始预训练", "accordion": "模型与训练", "done": "完成", "in_list": "「生成」标签页的模型列表",
           "trained": "本会话训练：tiny-1", "generated": "完成", "exported": "把这个 zip 上传回来",
           "parameters": "个参数"}


def set_number(page, elem_id: str, value) -> None:
    """Types a number and checks that it holds. Gradio mounts an accordion's content lazily once it opens,
    and a box typed into in the same instant can come back with its first value: then it is typed again."""
    box = page.locator(f"#{elem_id} input[type=number]")
    for _ in range(3):
        box.fill(str(value))
        box.press("Enter")
        page.wait_for_timeout(200)
        if box.input_value() == str(value):
            return
    expect(box).to_have_value(str(value))


def pretrain_tiny(page, language) -> str:
    """1-digit sums for a few steps, set through the page's controls; returns the status when done."""
    page.get_by_role("tab", name=language["tab"], exact=True).first.click()
    expect(page.locator("#pretrain-button")).to_have_text(language["button"])
    page.get_by_text(language["accordion"], exact=True).click()
    expect(page.locator("#pretrain-steps input[type=number]")).to_be_visible()
    set_number(page, "pretrain-digits", 1)
    # the context follows the digits: one line of 1-digit sums ('3+4=70' and its newline; at least 8)
    expect(page.locator("#pretrain-context input[type=number]")).to_have_value("8")
    set_number(page, "pretrain-steps", STEPS)
    set_number(page, "pretrain-batch", 16)
    expect(page.locator("#pretrain-size")).to_contain_text(language["parameters"])   # the count, before training
    expect(page.locator("#pretrain-steps input[type=number]")).to_have_value(str(STEPS))
    page.locator("#pretrain-button").click()
    status = page.locator("#pretrain-status")
    expect(status).to_contain_text(language["done"], timeout=60_000)
    expect(status).to_contain_text("tiny-1")
    expect(status).to_contain_text(language["in_list"])
    expect(status).to_contain_text(str(STEPS))
    return status.inner_text()


def download(page, link) -> bytes:
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    return response.body()


@pytest.mark.parametrize("language", [ENGLISH, CHINESE], ids=["en", "zh"])
def test_a_tiny_gpt_is_pretrained_then_writes_in_the_generate_tab(open_page, language):
    page, errors = open_page(language)
    pretrain_tiny(page, language)
    curves = page.locator("#pretrain-curves .js-plotly-plot")
    expect(curves).to_be_visible()
    train_line = curves.locator(".scatterlayer .trace").first.locator("path.js-line")
    expect(train_line).to_have_count(1)
    assert len(train_line.get_attribute("d").split("L")) >= STEPS // 2, "the training loss is drawn step by step"
    samples = page.locator("#pretrain-samples textarea")
    expect(samples).to_have_value(re.compile(rf"^\[{STEPS}\]\n\d[+]\d="))   # the held-out problems, answered
    page.locator("#pretrain-init input").click()                           # and it can be fine-tuned at once
    expect(page.get_by_role("option", name=re.compile("^" + re.escape(language["trained"])))).to_have_count(1)
    page.keyboard.press("Escape")

    # the export: safetensors, config and vocabulary, no pickle
    page.locator("#pretrain-export").click()
    expect(page.locator("#pretrain-download-note")).to_contain_text(language["exported"])
    link = page.locator("#pretrain-download a[download]").first
    expect(link).to_have_attribute("download", re.compile(r"\.zip$"))
    names = zipfile.ZipFile(io.BytesIO(download(page, link))).namelist()
    assert any(n.endswith(".safetensors") for n in names) and any(n.endswith(".json") for n in names), names
    assert not any(n.endswith((".pt", ".pkl", ".bin")) for n in names), names

    # the TensorBoard log: a zip of event files, and the command that shows them
    page.locator("#pretrain-tensorboard").click()
    note = page.locator("#pretrain-download-note")
    expect(note).to_contain_text("tensorboard --logdir")
    expect(note).to_contain_text("tiny-1")
    link = page.locator("#pretrain-download a[download]").first
    expect(link).to_have_attribute("download", re.compile(r"\.zip$"))
    names = zipfile.ZipFile(io.BytesIO(download(page, link))).namelist()
    logdir = re.search(r"tensorboard --logdir ([\w.-]+)", note.inner_text()).group(1)
    assert any("tfevents" in n for n in names), names
    assert all(n.startswith(logdir + "/") for n in names), f"the command shows the unzipped folder: {logdir} {names}"

    # the Generate tab: the model just trained is in its list and writes with no error
    page.get_by_role("tab", name=language["generate"], exact=True).first.click()
    model = page.locator("#generate-model input")
    model.click()
    option = page.get_by_role("option", name=re.compile("^" + re.escape(language["trained"])))
    expect(option).to_have_count(1)
    option.click()
    expect(model).to_have_value(re.compile("^" + re.escape(language["trained"])))
    page.locator("#generate-prompt textarea").fill("3+4=")
    page.locator("#generate-button").click()
    status = page.locator("#generate-status")
    expect(status).to_contain_text(language["generated"], timeout=60_000)
    expect(status).to_contain_text("tiny-1")
    assert page.locator("#generate-output textarea").input_value().strip() != ""
    expect(page.get_by_text("Traceback")).to_have_count(0)
    expect(page.locator(".toast-body")).to_have_count(0)                  # no error or warning popped up
    assert errors == []
