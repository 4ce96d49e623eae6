"""A student's view of the Train tab, in a real Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def set_slider(page, elem_id: str, value: int) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def test_training_shows_curves_boundary_and_metrics(page):
    page.locator("#train-button").click()
    expect(page.locator("#train-status")).to_contain_text("Done", timeout=60_000)
    curves = page.locator("#train-curves .js-plotly-plot")
    expect(curves).to_be_visible()
    expect(curves.locator(".scatterlayer .trace")).to_have_count(4)
    expect(page.locator("#train-boundary .js-plotly-plot")).to_be_visible()
    expect(page.locator("#train-confusion .js-plotly-plot")).to_be_visible()
    table = page.locator("#train-status table")
    expect(table).to_contain_text("ROC AUC")
    accuracy = float(table.locator("tbody td").first.inner_text())
    assert 0.8 < accuracy <= 1.0
    page.locator("#train-record").get_by_text("Record (what the API returns)").click()
    metrics = page.locator("#train-metrics")
    expect(metrics).to_contain_text("epochs_completed")


def test_stop_button_stops_a_long_run(page):
    page.locator("#train-dataset").get_by_text("digits (8×8 images)").click()
    set_slider(page, "train-epochs", 300)
    set_slider(page, "train-batch", 8)
    page.locator("#train-button").click()
    expect(page.locator("#train-status")).to_contain_text("Epoch", timeout=30_000)
    page.locator("#stop-button").click()
    expect(page.locator("#train-status")).to_contain_text("Stopped after", timeout=30_000)
    expect(page.locator("#train-status table")).to_contain_text("accuracy")


def test_bad_learning_rate_shows_a_message_not_a_traceback(page):
    lr = page.locator("#train-lr input")
    lr.fill("0")
    lr.press("Tab")
    page.locator("#train-button").click()
    toast = page.get_by_text("Learning rate must be between")
    expect(toast.first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Traceback")).to_have_count(0)
    lr.fill("0.01")
    lr.press("Tab")
    page.locator("#train-button").click()    # the next run works
    expect(page.locator("#train-status")).to_contain_text("Done", timeout=60_000)
