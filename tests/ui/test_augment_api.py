"""The Augment tab's public API (/augment) through gradio_client, as a script or a Space caller uses it."""

import io
import json

import httpx
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from core import config
from core.images import sample_photos

HFLIP = '[{"op": "hflip", "p": 1}]'


@pytest.fixture(scope="module")
def photo():
    return sample_photos()["china"]


def write(tmp_path, name, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def png(image: Image.Image, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", **kwargs)
    return buf.getvalue()


def call(client, image, recipe=HFLIP, n=4, seed=0, box=""):
    return client.predict(image, recipe, n, seed, box, api_name="/augment")


def test_augment_returns_n_jpeg_variants_the_recipe_and_a_record(client, photo):
    gallery, recipe, record = call(client, handle_file(photo), '[{"op": "rotate", "params": {"angle": 10}}]', 5, 3)
    assert len(gallery) == 5
    for item in gallery:
        with Image.open(item["image"]) as im:
            assert im.format == "JPEG" and im.size == (640, 427)
        assert item["caption"].startswith("#")
    applied = json.loads(recipe)
    assert applied == [{"op": "rotate", "p": 1.0, "params": {"angle": [10, 10], "border": "constant",
                                                            "expand": False}}]
    assert record["n_samples"] == 5 and record["seed"] == 3 and record["ms_per_image"] > 0
    assert record["per_op_ms"][0]["op"] == "rotate" and record["per_op_ms"][0]["applied"] == 5
    assert "boxes" not in record


def test_same_seed_same_grid_and_a_new_seed_changes_it(client, photo):
    recipe = json.dumps(list(config.DEFAULT_RECIPE))

    def grid(seed):
        gallery, _, _ = call(client, handle_file(photo), recipe, 4, seed)
        return [np.asarray(Image.open(item["image"])) for item in gallery]

    first, again, other = grid(21), grid(21), grid(22)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_boxes_follow_a_quarter_turn_and_a_flip(client, photo):
    recipe = json.dumps([{"op": "rotate", "params": {"angle": 90, "expand": True}}, {"op": "hflip"}])
    gallery, _, record = call(client, handle_file(photo), recipe, 2, 0, "100, 50, 200, 100")
    # 640×427 turned a quarter: 427×640; (x, y) -> (y, 640 - x - w); then mirrored: x -> 427 - x - w
    assert record["boxes"] == [[427 - 50 - 100, 640 - 100 - 200, 100, 200]] * 2
    assert record["variant_sizes"] == [[427, 640]] * 2
    with Image.open(gallery[0]["image"]) as im:
        assert im.size == (427, 640)


def test_image_modes_are_handled_and_reported(client, tmp_path):
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[..., 1] = 255
    rgba[:20, :, 3] = 255
    _, _, record = call(client, handle_file(write(tmp_path, "alpha.png", png(Image.fromarray(rgba, "RGBA")))))
    assert "alpha" in record["notes"]
    deep = Image.fromarray(np.linspace(0, 65535, 40 * 60).reshape(40, 60).astype(np.uint16))
    _, _, record = call(client, handle_file(write(tmp_path, "deep.png", png(deep))))
    assert "16bit" in record["notes"] and "grayscale" in record["notes"]


def test_large_photos_are_previewed_downscaled(client, tmp_path):
    big = Image.fromarray(np.random.default_rng(0).integers(0, 255, (1080, 1920, 3), np.uint8))
    path = write(tmp_path, "big.png", png(big))
    _, _, record = call(client, handle_file(path), HFLIP, 1, 0, "960, 540, 400, 200")
    assert record["original_size"] == [1920, 1080] and record["preview_size"] == [1280, 720]
    assert "downscaled" in record["notes"]
    assert record["box"] == pytest.approx([640, 360, 266.67, 133.33], abs=0.01)


BAD_IMAGES = {
    "a text file named .png": b"certainly not a picture",
    "a truncated PNG": png(Image.new("RGB", (300, 300), "red"))[:90],
    "a 1x1 image": png(Image.new("RGB", (1, 1))),
    "a 12000x12000 image": png(Image.new("1", (12000, 12000))),
}


@pytest.mark.parametrize("name", list(BAD_IMAGES))
def test_bad_images_get_a_clear_message(client, tmp_path, name):
    path = write(tmp_path, "upload.png", BAD_IMAGES[name])
    with pytest.raises(AppError) as err:
        call(client, handle_file(path))
    message = str(err.value)
    assert any(word in message for word in ("not an image", "damaged", "at least 8", "megapixels")), message
    assert "Traceback" not in message


@pytest.mark.parametrize("image", [None, "just text", 12, [1, 2], {"path": "/etc/hostname"}])
def test_values_that_are_not_uploads_are_refused(client, image):
    with pytest.raises(AppError) as err:
        call(client, image)
    assert "Upload an image" in str(err.value) or "not an image file" in str(err.value)


def test_a_path_on_the_server_is_never_opened(app_url, tmp_path):
    """An API caller may send a path; only files Gradio stored are read."""
    secret = write(tmp_path, "secret.png", png(Image.new("RGB", (50, 50), "blue")))
    base = f"{app_url}gradio_api/call/augment"
    event = httpx.post(base, json={"data": [{"path": secret}, HFLIP, 1, 0, ""]}).json()["event_id"]
    reply = httpx.get(f"{base}/{event}", timeout=60).text
    assert "event: error" in reply and "not an image file" in reply


@pytest.mark.parametrize("recipe,expected", [
    (None, "empty"), ("", "empty"), ("[]", "empty"), ("abc", "not valid JSON"), (1e308, "JSON list"),
    ("x" * 200_000, "too long"), ('[{"op": "spin"}]', "unknown op"),
    ('[{"op": "rotate", "params": {"angle": [0, 999]}}]', "'angle' must be"),
    ('[{"op": "gaussian_blur", "p": 2}]', "probability"),
])
def test_bad_recipes_get_a_message_naming_the_problem(client, photo, recipe, expected):
    with pytest.raises(AppError) as err:
        call(client, handle_file(photo), recipe)
    assert expected in str(err.value)


@pytest.mark.parametrize("n,seed,box,expected", [
    (None, 0, "", "Variants is required"), ("abc", 0, "", "Variants must be a number"),
    (1e308, 0, "", "Variants must be between"), (17, 0, "", "Variants must be between"),
    (4, "x", "", "Seed must be a number"), (4, -1, "", "Seed must be between"),
    (4, 0, "1, 2", "Box must be four numbers"), (4, 0, "9" * 200_000, "Box must be four numbers"),
    (4, 0, "600, 400, 100, 100", "inside the image (640×427)"), (4, 0, 12, "Box must be four numbers"),
])
def test_bad_numbers_and_boxes_name_the_control(client, photo, n, seed, box, expected):
    with pytest.raises(AppError) as err:
        call(client, handle_file(photo), HFLIP, n, seed, box)
    assert expected in str(err.value)


def test_the_server_keeps_serving_after_bad_input(client, photo, tmp_path):
    for bad in ("text.png", "tiny.png"):
        with pytest.raises(AppError):
            call(client, handle_file(write(tmp_path, bad, b"nope")))
    gallery, _, _ = call(client, handle_file(photo), HFLIP, 2, 0)
    assert len(gallery) == 2
