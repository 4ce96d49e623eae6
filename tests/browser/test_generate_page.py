"""A student's view of the Generate tab, in a real Chromium (tiny GPT-2s stand in for the real ones)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_generate(page, name="Generate"):
    page.get_by_role("tab", name=name, exact=True).first.click()
    expect(page.locator("#generate-chart .js-plotly-plot")).to_be_visible(timeout=30_000)


def test_the_tab_opens_with_the_next_token_chart_then_streams_text(page):
    open_generate(page)
    expect(page.locator("[role=tablist]").first.get_by_role("tab")).to_have_text(["Train", "Augment", "Generate",
                                                                                  "Transcribe", "Quantize", "Pretrain"])
    bars = page.locator("#generate-chart .barlayer .point")
    expect(bars).to_have_count(40)                       # 20 candidates × (probability, renormalised)
    prompt = page.locator("#generate-prompt textarea")
    prompt.fill("Deep learning models")
    page.locator("#generate-button").click()
    expect(page.locator("#generate-status")).to_contain_text("Done", timeout=60_000)
    assert page.locator("#generate-output textarea").input_value() != ""
    expect(page.locator("#generate-status")).to_contain_text("tokens/s")
    expect(page.locator("#generate-chart")).to_contain_text("Token 1")     # the first generated token's distribution
    expect(page.locator("#generate-chart")).to_contain_text("chosen")
    page.get_by_role("tab", name="Tokens", exact=True).click()
    expect(page.locator("#generate-token-counts")).to_contain_text("new tokens")
    expect(page.locator("#generate-token-counts")).to_contain_text("<e6 b7 b1>")      # shown, not parsed as HTML
    first_view = page.locator("#generate-tokens-view").inner_text()
    prompt.fill("The quick brown fox")                 # a second run: every view follows it
    expect(page.locator("#generate-token-counts")).to_contain_text("0 new tokens", timeout=30_000)
    page.locator("#generate-button").click()
    expect(page.locator("#generate-token-counts")).to_contain_text("64 new tokens", timeout=60_000)
    expect(page.locator("#generate-tokens-view")).to_contain_text("quick")
    assert page.locator("#generate-tokens-view").inner_text() != first_view
    expect(page.locator("#generate-chart")).to_contain_text("Token 1")
    page.get_by_role("tab", name="Attention", exact=True).click()
    expect(page.locator("#generate-heatmap .js-plotly-plot")).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Code", exact=True).click()
    expect(page.locator("#generate-code")).to_contain_text("AutoModelForCausalLM", timeout=15_000)


def test_changing_top_k_marks_the_cut_candidates(page):
    open_generate(page)
    top_k = page.locator("#generate-top-k input")
    top_k.fill("3")
    top_k.press("Enter")
    expect(page.locator("#generate-next-status")).to_contain_text("3 of the 20", timeout=30_000)
    expect(page.locator("#generate-chart")).to_contain_text("cut")


def test_an_empty_prompt_and_a_missing_model_show_messages_not_tracebacks(page):
    open_generate(page)
    page.locator("#generate-prompt textarea").fill("   ")
    page.locator("#generate-button").click()
    expect(page.get_by_text("Write a prompt first").first).to_be_visible(timeout=15_000)
    page.locator("#generate-prompt textarea").fill("Deep learning")
    page.locator("#generate-model input").fill("distilbert/distilgpt2")
    page.get_by_role("option", name="distilbert/distilgpt2").click()
    page.locator("#generate-button").click()
    expect(page.locator("#generate-status")).to_contain_text("python -m core.prefetch", timeout=30_000)
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_chinese_page_generates_chinese_with_the_chinese_model(browser, app_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(app_url)
        page.locator("#train-button").wait_for()
        expect(page.locator("#train-button")).to_have_text("开始训练")
        open_generate(page, "文本生成")
        page.locator("#generate-model input").fill("uer/gpt2-chinese-cluecorpussmall")
        page.get_by_role("option", name="uer/gpt2-chinese-cluecorpussmall").click()
        page.locator("#generate-prompt textarea").fill("深度学习")
        page.locator("#generate-strategy").get_by_text("采样", exact=True).click()
        page.locator("#generate-button").click()
        expect(page.locator("#generate-status")).to_contain_text("完成", timeout=60_000)
        assert CJK.search(page.locator("#generate-output textarea").input_value())
        page.get_by_role("tab", name="词元", exact=True).click()
        expect(page.locator("#generate-token-counts")).to_contain_text("每个汉字一个词元")
        expect(page.locator("#generate-tokens-view")).to_contain_text("[CLS]")
    finally:
        context.close()


def test_side_by_side_writes_under_each_chosen_strategy(page):
    open_generate(page)
    page.get_by_role("tab", name="Side by side", exact=True).click()
    page.locator("#compare-strategies").get_by_text("beam search", exact=True).click()
    expect(page.locator("#compare-2")).to_be_visible()
    page.locator("#compare-button").click()
    status = page.locator("#compare-status")
    for strategy in ("greedy", "sample", "beam search"):
        expect(status).to_contain_text(strategy, timeout=60_000)
    for i in range(3):
        assert page.locator(f"#compare-{i} textarea").input_value() != ""
