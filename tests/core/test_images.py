"""Reading uploads: every image mode becomes RGB uint8, and bad files get a clear message."""

import io
import threading
import time

import numpy as np
import pytest
from PIL import Image

from core import config, images
from core.errors import DLLabError, InvalidInput, ResourceLimit
from core.images import draw_box, read_image, sample_photos


@pytest.fixture(autouse=True)
def no_remembered_decodes():
    images._decoded.clear()
    yield
    wait_for_decodes_ahead()
    images._decoded.clear()
    assert not images._decoding


def wait_for_decodes_ahead(timeout=10):
    deadline = time.monotonic() + timeout
    while images._ahead_queued and time.monotonic() < deadline:
        time.sleep(0.01)
    assert images._ahead_queued == 0


@pytest.fixture
def held_decodes(monkeypatch):
    """Counts decodes; the first one starts, then waits until the test sets ``release``."""
    calls, started, release = [], threading.Event(), threading.Event()
    real = images._read_image

    def held(data, max_side):
        calls.append(max_side)
        if len(calls) == 1:
            started.set()
            assert release.wait(10)
        return real(data, max_side)

    monkeypatch.setattr(images, "_read_image", held)
    yield calls, started, release
    release.set()


@pytest.fixture
def decodes(monkeypatch):
    """Counts the real decodes behind read_image."""
    calls = []
    real = images._read_image

    def counting(data, max_side):
        calls.append(max_side)
        return real(data, max_side)

    monkeypatch.setattr(images, "_read_image", counting)
    return calls


def encode(image: Image.Image, fmt="PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def test_sample_photos_are_bundled_and_readable():
    photos = sample_photos()
    assert set(photos) == {"china", "flower"}
    loaded = read_image(photos["flower"])
    assert loaded.pixels.shape == (427, 640, 3) and loaded.pixels.dtype == np.uint8
    assert loaded.notes == ()


def test_grayscale_becomes_three_equal_channels():
    gray = Image.fromarray(np.tile(np.arange(64, dtype=np.uint8) * 4, (32, 1)), "L")
    loaded = read_image(encode(gray))
    assert loaded.pixels.shape == (32, 64, 3)
    assert np.array_equal(loaded.pixels[:, :, 0], np.asarray(gray))
    assert ("grayscale", {}) in loaded.notes


def test_rgba_is_flattened_onto_white_explicitly():
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 0] = 200                                # red...
    rgba[:10, :, 3] = 255                             # ...opaque on top, transparent below
    loaded = read_image(encode(Image.fromarray(rgba, "RGBA")))
    assert loaded.pixels[0, 0].tolist() == [200, 0, 0]
    assert loaded.pixels[15, 0].tolist() == [255, 255, 255]
    assert ("alpha", {}) in loaded.notes


def test_transparency_is_blended_onto_white_exactly_for_every_value_and_alpha():
    value, alpha = np.meshgrid(np.arange(256), np.arange(256))
    rgba = np.stack([value, 255 - value, value // 2, alpha], axis=-1).astype(np.uint8)
    loaded = read_image(encode(Image.fromarray(rgba, "RGBA")), max_side=256)
    a = alpha[:, :, None] / 255
    expected = np.rint(rgba[:, :, :3] * a + 255 * (1 - a)).astype(np.uint8)
    assert np.array_equal(loaded.pixels, expected)


@pytest.mark.parametrize("kind, bytes_per_pixel", [("RGBA", 10), ("16-bit grey", 8)])
def test_big_transparent_or_16_bit_images_are_converted_without_full_size_float_copies(kind, bytes_per_pixel):
    """A 50-megapixel RGBA upload once took 2.4 GB to flatten; the bound here is per pixel."""
    import tracemalloc

    side = 2000
    if kind == "RGBA":
        pixels = np.zeros((side, side, 4), np.uint8)
        pixels[..., 0], pixels[..., 3] = 90, 128
    else:
        pixels = np.full((side, side), 40000, np.uint16)
    data = encode(Image.fromarray(pixels), compress_level=1)
    tracemalloc.start()
    try:
        loaded = read_image(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < bytes_per_pixel * side * side
    expected = [172, 127, 127] if kind == "RGBA" else [156, 156, 156]
    assert loaded.pixels[5, 5].tolist() == expected


def test_16_bit_png_is_scaled_not_clipped():
    values = np.linspace(0, 65535, 32 * 32).reshape(32, 32).astype(np.uint16)
    loaded = read_image(encode(Image.fromarray(values)))
    assert loaded.pixels.dtype == np.uint8
    assert loaded.pixels[0, 0, 0] == 0 and loaded.pixels[-1, -1, 0] == 255
    assert 120 < loaded.pixels[16, 0, 0] < 135        # mid-grey stays mid-grey
    assert ("16bit", {}) in loaded.notes


def test_palette_image_with_transparency():
    pal = Image.new("P", (16, 16), 0)
    pal.putpalette([0, 0, 255] + [255, 0, 0] * 255)
    pal.info["transparency"] = 0
    pal.putpixel((0, 0), 1)
    loaded = read_image(encode(pal, transparency=0))
    assert loaded.pixels[0, 0].tolist() == [255, 0, 0]
    assert loaded.pixels[5, 5].tolist() == [255, 255, 255]    # transparent index -> white
    assert ("palette", {}) in loaded.notes


def test_large_images_are_downscaled_with_a_note():
    big = Image.fromarray(np.random.default_rng(0).integers(0, 255, (1500, 3000, 3), dtype=np.uint8))
    loaded = read_image(encode(big, "JPEG"))
    assert loaded.size == (config.PREVIEW_MAX_SIDE, 640)
    assert loaded.original_size == (3000, 1500)
    assert loaded.notes[-1] == ("downscaled", {"width": 3000, "height": 1500, "new_width": 1280, "new_height": 640})


def test_exif_orientation_is_honoured():
    img = Image.fromarray(np.zeros((20, 40, 3), np.uint8))
    exif = Image.Exif()
    exif[274] = 6                                     # rotate 90° clockwise on display
    loaded = read_image(encode(img, "JPEG", exif=exif))
    assert loaded.size == (20, 40) and loaded.original_size == (20, 40)


@pytest.mark.parametrize("data,key", [
    (None, "image_missing"),
    ("", "image_missing"),
    ("/no/such/file.png", "image_missing"),
    (b"this is plain text, not a picture", "image_unreadable"),
    (b"", "image_unreadable"),
    (12345, "image_unreadable"),
])
def test_missing_or_non_image_input_is_refused_clearly(data, key):
    with pytest.raises(InvalidInput) as err:
        read_image(data)
    assert err.value.key == key


def test_one_pixel_image_is_refused():
    with pytest.raises(InvalidInput) as err:
        read_image(encode(Image.new("RGB", (1, 1))))
    assert err.value.key == "image_too_small" and "1×1" in err.value.message


def test_huge_image_is_refused_before_decoding():
    huge = encode(Image.new("1", (12000, 12000)))     # a small file that would decode to 432 MB of RGB
    assert len(huge) < 1_000_000
    with pytest.raises(ResourceLimit) as err:
        read_image(huge)
    assert err.value.key == "image_too_many_pixels" and "12000×12000" in err.value.message


def test_damaged_file_is_refused():
    jpeg = encode(Image.fromarray(np.full((200, 200, 3), 90, np.uint8)), "JPEG")
    with pytest.raises(DLLabError) as err:
        read_image(jpeg[: len(jpeg) // 3])
    assert err.value.key in ("image_corrupt", "image_unreadable")


def test_unsupported_format_is_named():
    with pytest.raises(InvalidInput) as err:
        read_image(encode(Image.new("RGB", (20, 20)), "GIF"))
    assert err.value.key == "image_format" and "GIF" in err.value.message


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "IMAGE_MAX_BYTES", 1000)
    path = tmp_path / "noise.png"
    path.write_bytes(encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8))))
    with pytest.raises(ResourceLimit) as err:
        read_image(str(path))
    assert err.value.key == "image_too_big"


def test_draw_box_outlines_without_touching_the_input():
    image = np.zeros((50, 80, 3), np.uint8)
    out = draw_box(image, [10, 10, 30, 20])
    assert image.max() == 0
    assert out[10, 20].tolist() == [255, 0, 200] and out[25, 25].tolist() == [0, 0, 0]


def test_the_same_photo_is_decoded_once_whether_sent_as_a_file_or_as_bytes(tmp_path, decodes):
    data = encode(Image.fromarray(np.random.default_rng(1).integers(0, 255, (60, 90, 3), np.uint8)))
    path = tmp_path / "a.png"
    path.write_bytes(data)
    first, again, as_bytes = read_image(str(path)), read_image(str(path)), read_image(data)
    assert len(decodes) == 1
    assert again is first and as_bytes is first


def test_remembered_pixels_are_read_only_so_no_request_can_change_another_s(tmp_path):
    loaded = read_image(encode(Image.new("RGB", (40, 30), "red")))
    with pytest.raises(ValueError):
        loaded.pixels[0, 0] = 0
    assert read_image(encode(Image.new("RGB", (40, 30), "red"))).pixels[0, 0].tolist() == [255, 0, 0]


def test_changed_bytes_or_another_size_limit_decode_again(decodes):
    pixels = np.zeros((50, 80, 3), np.uint8)
    read_image(encode(Image.fromarray(pixels)))
    pixels[0, 0] = 1
    changed = read_image(encode(Image.fromarray(pixels)))
    smaller = read_image(encode(Image.fromarray(pixels)), max_side=40)
    assert len(decodes) == 3
    assert changed.pixels[0, 0].tolist() == [1, 1, 1] and smaller.size == (40, 25)


def test_only_the_newest_decodes_are_kept(decodes):
    photos = [encode(Image.new("RGB", (20, 20), (i, 0, 0))) for i in range(config.IMAGE_CACHE_ENTRIES + 3)]
    for data in photos:
        read_image(data)
    assert len(images._decoded) == config.IMAGE_CACHE_ENTRIES
    read_image(photos[-1])                      # still there
    read_image(photos[0])                       # pushed out: decoded again
    assert len(decodes) == len(photos) + 1


def test_refused_files_are_not_remembered(decodes):
    bad = encode(Image.new("RGB", (1, 1)))
    for _ in range(2):
        with pytest.raises(InvalidInput):
            read_image(bad)
    assert len(decodes) == 2 and not images._decoded


def in_thread(fn, *args):
    out = {}

    def run():
        try:
            out["value"] = fn(*args)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def read_twice_while_the_first_decodes(data, held_decodes):
    """Reads ``data`` in two threads, the second while the first is held inside its decode."""
    _, started, release = held_decodes
    first, first_out = in_thread(read_image, data)
    assert started.wait(10)
    second, second_out = in_thread(read_image, data)
    second.join(0.3)
    assert second.is_alive()                    # waiting, not decoding the same bytes again
    release.set()
    first.join(10), second.join(10)
    return first_out, second_out


def test_a_read_waits_for_the_same_bytes_being_decoded_in_another_thread(held_decodes):
    first, second = read_twice_while_the_first_decodes(encode(Image.new("RGB", (40, 30), "blue")), held_decodes)
    assert len(held_decodes[0]) == 1
    assert second["value"] is first["value"]


def test_a_failed_decode_elsewhere_gives_the_waiting_read_the_same_error(held_decodes):
    broken = encode(Image.new("RGB", (40, 30), "blue"))[:-30]
    first, second = read_twice_while_the_first_decodes(broken, held_decodes)
    assert len(held_decodes[0]) == 1
    errors = first["error"], second["error"]
    assert errors[0] is not errors[1]
    for error in errors:
        assert isinstance(error, InvalidInput) and error.key == "image_corrupt" and "damaged" in error.message


def test_a_read_waits_for_a_decode_elsewhere_only_so_long(held_decodes, monkeypatch):
    monkeypatch.setattr(config, "IMAGE_DECODE_WAIT_S", 0.2)
    calls, started, release = held_decodes
    data = encode(Image.new("RGB", (40, 30), "blue"))
    first, first_out = in_thread(read_image, data)
    assert started.wait(10)
    second, second_out = in_thread(read_image, data)
    second.join(10)
    assert not second.is_alive() and second_out["value"].size == (40, 30)
    assert first.is_alive() and len(calls) == 2
    release.set()
    first.join(10)
    assert first_out["value"].size == (40, 30)


def test_an_upload_decoded_ahead_is_ready_for_the_request_that_uses_it(tmp_path, decodes):
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (300, 400, 3), np.uint8)).save(path)
    assert images.decode_ahead(str(path))
    wait_for_decodes_ahead()
    assert len(decodes) == 1 and len(images._decoded) == 1
    loaded = read_image(str(path))
    assert len(decodes) == 1 and loaded.size == (400, 300)


def test_files_that_are_not_images_are_not_decoded_ahead_and_bad_images_are_reported_later(tmp_path, decodes):
    table = tmp_path / "data.csv"
    table.write_text("x,y,label\n1,2,a\n")
    broken = tmp_path / "photo.png"
    broken.write_bytes(encode(Image.new("RGB", (40, 30)))[:-30])
    assert images.decode_ahead(str(table)) and images.decode_ahead(str(broken))
    assert images.decode_ahead(str(tmp_path / "gone.jpg"))
    wait_for_decodes_ahead()
    assert len(decodes) == 1 and not images._decoded          # only the PNG was tried
    with pytest.raises(InvalidInput, match="damaged"):
        read_image(str(broken))


def test_images_with_many_pixels_are_left_to_their_request(tmp_path, decodes, monkeypatch):
    monkeypatch.setattr(config, "DECODE_AHEAD_MAX_PIXELS", 30 * 30)
    small, big = tmp_path / "small.png", tmp_path / "big.png"
    small.write_bytes(encode(Image.new("RGB", (30, 30), "red")))
    big.write_bytes(encode(Image.new("RGB", (31, 30), "red")))
    assert images.decode_ahead(str(small)) and images.decode_ahead(str(big))
    wait_for_decodes_ahead()
    assert len(decodes) == 1 and [v.size for v in images._decoded.values()] == [(30, 30)]


def test_decoding_ahead_is_bounded(tmp_path, held_decodes):
    calls, started, release = held_decodes
    paths = []
    for i in range(config.DECODE_AHEAD_QUEUE + 2):
        paths.append(tmp_path / f"{i}.png")
        paths[-1].write_bytes(encode(Image.new("RGB", (20, 20), (i, 0, 0))))
    queued = [images.decode_ahead(str(path)) for path in paths]
    assert queued == [True] * config.DECODE_AHEAD_QUEUE + [False, False]
    assert started.wait(10)
    assert images._ahead_queued == config.DECODE_AHEAD_QUEUE   # one under way, the others queued
    release.set()
    wait_for_decodes_ahead()
    assert len(calls) == config.DECODE_AHEAD_QUEUE
    assert images.decode_ahead(str(paths[-1]))                # room again
