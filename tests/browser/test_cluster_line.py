"""The line under the header that says where heavy runs compute, in a real Chromium: hidden without a
Ray cluster; with one configured that cannot be used, it says so, why, and that everything computes
on the server, in both languages."""

import pytest
from playwright.sync_api import expect

from tests.conftest import serve_app


@pytest.fixture(scope="module")
def unusable_cluster_url(tmp_path_factory, tiny_gpt2_dir, tiny_chinese_gpt2_dir, tiny_asr_dir, tiny_whisper_dir):
    """The app told of a Ray cluster at an address it cannot use (malformed: no port), so no Ray starts."""
    yield from serve_app(tmp_path_factory, (tiny_gpt2_dir, tiny_chinese_gpt2_dir, tiny_asr_dir, tiny_whisper_dir),
                         DLLAB_RAY_ADDRESS="ray://nowhere")


def test_without_a_cluster_the_line_is_hidden(page):
    expect(page.locator("#train-button")).to_be_visible()
    expect(page.locator("#cluster-status")).to_be_hidden()


def test_an_unusable_cluster_is_said_on_the_page_with_its_reason_in_both_languages(browser, unusable_cluster_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(unusable_cluster_url)
        line = page.locator("#cluster-status")
        # connecting while the warm-ups run, then the reason, without a reload (the line polls meanwhile)
        expect(line).to_contain_text("The Ray cluster at ray://nowhere is not available", timeout=90_000)
        expect(line).to_contain_text("must be 'local', 'auto' or 'ray://host:port'")
        expect(line).to_contain_text("Everything computes on this server instead.")
        page.locator("#language").get_by_text("中文").click()
        expect(line).to_contain_text("ray://nowhere 上的 Ray 集群不可用")
        expect(line).to_contain_text("所有计算改在本服务器上进行")
    finally:
        context.close()
