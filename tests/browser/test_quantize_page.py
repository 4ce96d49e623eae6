"""A student's view of the Quantize tab, in a real Chromium: their own run from the Train tab,
quantized, looked at layer by layer, its code and its file; and a method that does not apply."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ENGLISH = {"locale": "en-US", "train": "Train", "done": "Done", "tab": "Quantize", "newest": "Your newest trained run",
           "size_title": "Saved size", "weights": "Weights", "code": "Code", "download": "Download",
           "fp16": "fp16 weights", "no_grid": "has no int8 grid", "close_up": "Close-up",
           "layer": "2 · Linear · 4,096 weights"}
CHINESE = {"locale": "zh-CN", "train": "开始训练", "done": "完成", "tab": "量化", "newest": "你最新训练的模型",
           "size_title": "保存后的大小", "weights": "权重", "code": "代码", "download": "下载",
           "fp16": "fp16 权重", "no_grid": "没有 int8 格点", "close_up": "放大",
           "layer": "2 · Linear · 4,096 个权重"}


def train_a_small_run(page, language) -> str:
    """The Train tab's default run (an MLP on moons) for 5 epochs; returns its validation accuracy as shown."""
    epochs = page.locator("#train-epochs input[type=number]")
    epochs.fill("5")
    epochs.press("Enter")
    page.locator("#train-button").click()
    expect(page.locator("#train-status")).to_contain_text(language["done"], timeout=60_000)
    return page.locator("#train-status table tbody td").first.inner_text().strip()


def choose(page, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option).click()


def quantize(page, language) -> None:
    page.locator("#quantize-button").click()
    expect(page.locator("#quantize-status")).to_contain_text(language["done"], timeout=120_000)


@pytest.mark.parametrize("language", [ENGLISH, CHINESE], ids=["en", "zh"])
def test_a_trained_run_is_quantized_and_looked_at_layer_by_layer(open_page, language):
    page, errors = open_page(language)
    accuracy = train_a_small_run(page, language)
    page.get_by_role("tab", name=language["tab"], exact=True).first.click()
    # the list has followed the Train tab, and chosen the run just trained
    expect(page.locator("#quantize-model input")).to_have_value(language["newest"])
    quantize(page, language)

    chart = page.locator("#quantize-chart")
    expect(chart.locator(".js-plotly-plot")).to_be_visible()
    expect(chart).to_contain_text(language["size_title"])
    expect(chart.locator(".barlayer .point")).to_have_count(4 + 2 * 3)      # fp32 and 3 sizes; 3 × 2 speed-ups
    rows = page.locator("#quantize-table [role=row][data-index]")
    expect(rows).to_have_count(3)                                           # the three default methods
    for row in rows.all():
        assert re.search(rf"{re.escape(accuracy)} → 0\.\d{{3}}", row.inner_text()), \
            f"the run's accuracy {accuracy}, before → after: {row.inner_text()!r}"
    expect(page.locator("#quantize-status")).to_contain_text("4,482")      # the run's parameters

    histogram = page.locator("#quantize-histogram")
    expect(histogram).to_contain_text(language["close_up"])                 # int8: the grid's close-up
    choose(page, "quantize-focus", language["fp16"])
    expect(histogram).to_contain_text(language["no_grid"])                  # the same layer, now fp16's
    choose(page, "quantize-layer", language["layer"])
    expect(histogram).to_contain_text("2 · Linear")

    page.get_by_role("tab", name=language["code"], exact=True).click()
    code = page.locator("#quantize-code-box")
    expect(code).to_contain_text("quantized with fp16")
    code.locator(".cm-content").click()
    page.keyboard.press("Control+End")        # the editor draws only the lines in view; the method's are last
    expect(code).to_contain_text("model = model.to(torch.float16)")
    page.get_by_role("tab", name=language["download"], exact=True).click()
    page.locator("#quantize-save").click()
    saved = page.locator("#quantize-file td.filename")
    expect(saved).to_have_count(1, timeout=30_000)
    assert re.fullmatch(r"dllab-trained-run\d+-fp16\.pt", saved.get_attribute("aria-label"))
    link = page.locator("#quantize-file a[download]").first
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    shown_mb = float(page.locator("#quantize-table [data-testid=cell-1-1]").inner_text())    # fp16's MB
    assert len(response.body()) / 1e6 == pytest.approx(shown_mb, rel=0.05), "the file is the size the table shows"
    assert errors == []


def test_a_method_that_does_not_apply_to_a_built_in_model_says_why(open_page):
    page, errors = open_page(ENGLISH)
    page.get_by_role("tab", name="Quantize", exact=True).first.click()
    expect(page.locator("#quantize-model input")).to_have_value("Tutorial MLP 10-64-64-2")
    methods = page.locator("#quantize-methods")
    methods.get_by_text("int8 dynamic, naive (GPT-2's Conv1D left as is)").click()
    methods.get_by_text("fp16 weights").click()                             # off: two methods are enough here
    methods.get_by_text("int8 weight-only (torchao)").click()
    quantize(page, ENGLISH)
    status = page.locator("#quantize-status")
    expect(status).to_contain_text("int8 dynamic, naive (GPT-2's Conv1D left as is) does not apply")
    expect(status).to_contain_text("Conv1D layers, and this model has none")
    expect(page.locator("#quantize-table [role=row][data-index]")).to_have_count(2)
    expect(page.locator("#quantize-table")).to_contain_text("does not apply")
    expect(page.locator("#quantize-chart")).to_contain_text("does not apply")
    expect(page.get_by_text("Traceback")).to_have_count(0)
    assert errors == []
