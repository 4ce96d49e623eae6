"""The Augment tab in a real Chromium: upload a photo, see the variants, draw a box, build a recipe."""

import re

from playwright.sync_api import expect

from core.images import sample_photos


def open_tab(page):
    """Open the tab and wait for the sample photo it opens with to be previewed."""
    page.get_by_role("tab", name="Augment").click()
    expect(page.locator("#augment-gallery img")).to_have_count(8, timeout=30_000)


def upload(page, path):
    """Upload a photo (not the flower the tab opens with) and wait for its own variants."""
    gallery = page.locator("#augment-gallery img")
    before = gallery.first.get_attribute("src") if gallery.count() else None
    page.locator("#augment-image input[type=file]").set_input_files(path)
    if before is not None:
        expect(gallery.first).not_to_have_attribute("src", before, timeout=30_000)
    expect(gallery).to_have_count(8, timeout=30_000)


def test_the_tab_opens_with_a_sample_photo_and_its_variants(page):
    page.get_by_role("tab", name="Augment").click()
    expect(page.locator("#augment-image img")).to_be_visible(timeout=30_000)
    expect(page.locator("#augment-original img")).to_be_visible(timeout=30_000)
    expect(page.locator("#augment-gallery img")).to_have_count(8, timeout=30_000)
    expect(page.locator("#augment-status")).to_contain_text("8 variants")
    expect(page.locator("#augment-timing")).to_contain_text("flip left-right")


def test_upload_shows_n_variants_then_fewer_on_request(page, tmp_path):
    open_tab(page)
    upload(page, sample_photos()["china"])
    expect(page.locator("#augment-status")).to_contain_text("8 variants")
    expect(page.locator("#augment-timing")).to_contain_text("flip left-right")

    page.locator("#augment-n input[type=number]").fill("3")
    page.locator("#augment-n input[type=number]").press("Enter")
    page.locator("#augment-button").click()
    expect(page.locator("#augment-gallery img")).to_have_count(3, timeout=30_000)
    expect(page.locator("#augment-status")).to_contain_text("3 variants")


def test_two_clicks_on_the_original_draw_a_box_that_every_variant_carries(page):
    open_tab(page)
    upload(page, sample_photos()["china"])
    # the upload's preview done: until then the original's picture can still be replaced under the click
    expect(page.locator("#augment-status")).to_contain_text("8 variants", timeout=30_000)
    original = page.locator("#augment-original img")
    # ... and its picture loaded: the page places a click by the picture's own size, and a click on one still
    # loading (naturalWidth 0) selects nothing, so no first corner, no toast
    page.wait_for_function("""() => { const img = document.querySelector('#augment-original img');
        return img && img.complete && img.naturalWidth > 0 && Math.abs(img.naturalWidth / img.naturalHeight - 640 / 427) < 0.01; }""",
                           timeout=30_000)
    bbox = original.bounding_box()
    # the picture is fitted inside the element (object-fit: contain): find where it is drawn
    k = min(bbox["width"] / 640, bbox["height"] / 427)
    left, top = (bbox["width"] - 640 * k) / 2, (bbox["height"] - 427 * k) / 2

    def at(fx, fy):
        return {"x": left + 640 * k * fx, "y": top + 427 * k * fy}

    original.click(position=at(0.2, 0.2))
    expect(page.locator(".toast-body").first).to_contain_text("opposite corner", timeout=20_000)
    original.click(position=at(0.6, 0.7))
    box = page.locator("#augment-box textarea, #augment-box input").first
    expect(box).to_have_value(re.compile(r"^\d+, \d+, \d+, \d+$"), timeout=20_000)
    x, y, w, h = (int(v) for v in box.input_value().split(", "))
    # the clicks were at 20% and 60% of the width of a 640×427 photo
    assert abs(x - 128) <= 8 and abs(w - 256) <= 10 and abs(y - 85) <= 8 and abs(h - 213) <= 10
    page.locator("#augment-record-panel").get_by_text("Record").click()
    expect(page.locator("#augment-record")).to_contain_text("boxes", timeout=20_000)


def test_add_step_extends_the_recipe_and_the_code_repeats_it(page):
    open_tab(page)
    upload(page, sample_photos()["china"])
    recipe = page.locator("#augment-recipe .cm-content")
    before = recipe.inner_text().count('"op"')
    page.locator("#augment-add").click()
    # the default operation (rotate, ±15°) is appended and the preview reruns with it
    expect(recipe).to_have_text(re.compile(r'(.*"op"){%d}.*"angle": \[-15, 15\]' % (before + 1), re.S),
                                timeout=30_000)
    expect(page.locator("#augment-timing")).to_contain_text(re.compile(rf"{before + 1}\s+rotate"), timeout=30_000)
    page.locator("#augment-code-panel").get_by_text("Show code").click()
    # (the code box draws only the lines in view: the recipe sits near the top)
    expect(page.locator("#augment-code")).to_contain_text(
        "{'op': 'rotate', 'p': 0.5, 'params': {'angle': [-15, 15]", timeout=20_000)


def test_the_tab_speaks_chinese(page):
    page.locator("#language").get_by_text("中文").click()
    page.get_by_role("tab", name="数据增强").click()
    expect(page.locator("#augment-button")).to_have_text("预览")
    expect(page.get_by_text("配方（JSON）").first).to_be_visible()


def write_recipe(page, text):
    """Replace the recipe in the code box as a student pasting it would."""
    page.locator("#augment-recipe .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)
    page.locator("#augment-seed input").click()             # leave the box, so its value is sent


def test_bad_uploads_and_a_broken_recipe_get_a_clear_message_and_the_page_keeps_working(page, tmp_path):
    from PIL import Image

    open_tab(page)
    photo = page.locator("#augment-image input[type=file]")
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("these are lecture notes, not a picture\n" * 20)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1), "red").save(tiny)
    for path, message in ((not_an_image, "not an image file DL Lab can read"), (tiny, "each side must be at least")):
        photo.set_input_files(str(path))
        expect(page.locator(".toast-body", has_text=message).first).to_be_visible(timeout=20_000)
        page.locator("#augment-image button[aria-label='Remove Image']").click()

    upload(page, sample_photos()["china"])
    broken = '[{"op": "rotate", "params": {"angle": [0, 10]}'
    write_recipe(page, broken)
    page.locator("#augment-button").click()
    expect(page.locator(".toast-body", has_text="not valid JSON").first).to_be_visible(timeout=20_000)
    expect(page.locator(".toast-body", has_text="not valid JSON")).to_have_count(0, timeout=30_000)
    page.locator("#augment-add").click()
    expect(page.locator(".toast-body", has_text="not valid JSON").first).to_be_visible(timeout=20_000)
    # the broken recipe stays in view, uncovered, for the student to mend
    expect(page.locator("#augment-recipe .cm-content")).to_have_text(broken)
    expect(page.locator("#augment-recipe").get_by_text("Error", exact=True)).to_have_count(0)
    write_recipe(page, '[{"op": "hflip", "p": 1}]')
    page.locator("#augment-button").click()
    expect(page.locator("#augment-timing")).to_contain_text("flip left-right", timeout=30_000)
    expect(page.locator("#augment-timing")).not_to_contain_text("rotate")
    expect(page.locator("#augment-gallery img")).to_have_count(8, timeout=30_000)
