"""Sweep, history and the bilingual page, in a real Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_subtab(page, name):
    page.get_by_role("tab", name=name).click()


def test_sweep_overlays_three_curves_and_ranks_them(page):
    open_subtab(page, "Learning-rate sweep")
    page.locator("#sweep-button").click()
    expect(page.locator("#sweep-status")).to_contain_text("Done", timeout=90_000)
    expect(page.locator("#sweep-plot .scatterlayer .trace")).to_have_count(3)
    table = page.locator("#sweep-table")
    expect(table).to_contain_text("★")
    expect(table.locator("[role=row]")).to_have_count(4)      # the header and one row per run
    open_subtab(page, "History & fusion")
    page.locator("#history-runs").get_by_text("#1", exact=False).click()
    page.locator("#history-runs").get_by_text("#2", exact=False).click()
    expect(page.locator("#history-plot .scatterlayer .trace")).to_have_count(2)
    page.locator("#fuse-button").click()
    expect(page.locator("#fuse-table")).to_contain_text("ensemble")
    page.locator("#tensorboard-button").click()
    expect(page.locator("#tensorboard-command")).to_contain_text("Runs #1, #2 as a TensorBoard log")
    expect(page.locator("#tensorboard-command code")).to_have_text("tensorboard --logdir dllab-tensorboard")


def test_show_code_appears_after_a_run(page):
    page.locator("#train-button").click()
    expect(page.locator("#train-status")).to_contain_text("Done", timeout=60_000)
    accuracy = page.locator("#train-status table tbody td").first.inner_text()
    page.get_by_text("Show code: this run in plain PyTorch").click()
    # the editor renders only the lines in view: the file's head names the run and its accuracy
    expect(page.locator("#train-code")).to_contain_text("DL Lab run: mlp · adam lr=0.01", timeout=15_000)
    expect(page.locator("#train-code")).to_contain_text(f"Reported validation accuracy: {float(accuracy):.3f}")


def test_chinese_browser_gets_a_chinese_page_with_chinese_errors(browser, app_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(app_url)
        expect(page.locator("#train-button")).to_have_text("开始训练", timeout=30_000)
        expect(page.locator("#train-status")).to_contain_text("在左侧选择数据集和设置")    # the first status line too
        expect(page.get_by_text("学习率", exact=True).first).to_be_visible()
        expect(page.get_by_text("两个交错的半圆").first).to_be_visible()   # the dataset's description too
        lr = page.locator("#train-lr input")
        lr.fill("50")
        lr.press("Tab")
        page.locator("#train-button").click()
        expect(page.get_by_text("学习率必须在 1e-06 到 10 之间").first).to_be_visible(timeout=15_000)
        page.locator("#language").get_by_text("English").click()
        expect(page.locator("#train-button")).to_have_text("Train")
        page.screenshot(path=str(__import__("tempfile").gettempdir() + "/dllab-zh.png"))
    finally:
        context.close()


def test_switching_to_chinese_translates_labels_and_results(page):
    page.locator("#language").get_by_text("中文").click()
    expect(page.locator("#train-button")).to_have_text("开始训练")
    page.locator("#train-button").click()
    expect(page.locator("#train-status")).to_contain_text("完成", timeout=60_000)
    expect(page.locator("#train-status table")).to_contain_text("准确率")
    page.locator("#language").get_by_text("English").click()
    expect(page.locator("#train-button")).to_have_text("Train")
    expect(page.locator("#train-status table")).to_contain_text("准确率")      # the results stay on the page
