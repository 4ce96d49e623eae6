"""The augmentation ops: shape, dtype, determinism, probability, and boxes that follow the geometry."""

import cv2
import numpy as np
import pytest

from core import augment, config
from core.pipeline import parse_recipe


@pytest.fixture(scope="module")
def photo():
    from core.images import read_image, sample_photos

    return read_image(sample_photos()["china"], max_side=320).pixels


def full_step(op, p=1.0, **params):
    return parse_recipe([{"op": op, "p": p, "params": params}])[0]


def run(image, steps, seed=0, box=None):
    return augment.augment_image(image, steps, np.random.default_rng(seed), box)


@pytest.mark.parametrize("op", list(config.AUGMENT_OPS))
def test_each_op_keeps_shape_and_dtype_and_leaves_input_alone(photo, op):
    before = photo.copy()
    out, _ = run(photo, [full_step(op)])
    assert out.dtype == np.uint8 and out.shape == photo.shape
    assert np.array_equal(photo, before), f"{op} modified its input"


@pytest.mark.parametrize("op", list(config.AUGMENT_OPS))
def test_each_op_is_a_function_of_the_seed(photo, op):
    a, _ = run(photo, [full_step(op)], seed=7)
    b, _ = run(photo, [full_step(op)], seed=7)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("op", [op for op in config.AUGMENT_OPS if op not in ("hflip", "vflip", "grayscale")])
def test_different_seeds_give_different_results(photo, op):
    results = {run(photo, [full_step(op)], seed=s)[0].tobytes() for s in range(4)}
    assert len(results) > 1, f"{op} ignores its random draws"


@pytest.mark.parametrize("op", list(config.AUGMENT_OPS))
def test_p_zero_is_identity_and_p_one_always_applies(photo, op):
    for seed in range(5):
        untouched, _ = run(photo, [full_step(op, p=0.0)], seed=seed)
        assert np.array_equal(untouched, photo)
    changed = [not np.array_equal(run(photo, [full_step(op, p=1.0)], seed=s)[0], photo) for s in range(5)]
    assert all(changed), f"{op} with p=1 left the image unchanged for some seeds: {changed}"


def test_p_half_applies_about_half_the_time(photo):
    step = full_step("hflip", p=0.5)
    flipped = sum(not np.array_equal(run(photo, [step], seed=s)[0], photo) for s in range(200))
    assert 70 < flipped < 130


def test_rotation_by_exactly_90_with_expand_equals_cv2_rotate(photo):
    out, matrix = augment.rotate(photo, np.random.default_rng(0), angle=[90, 90], border="constant", expand=True)
    assert np.array_equal(out, cv2.rotate(photo, cv2.ROTATE_90_COUNTERCLOCKWISE))
    out, _ = augment.rotate(photo, np.random.default_rng(0), angle=[-90, -90], border="constant", expand=True)
    assert np.array_equal(out, cv2.rotate(photo, cv2.ROTATE_90_CLOCKWISE))


def _mask_box(mask):
    ys, xs = np.nonzero(mask)
    return [xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()]


@pytest.mark.parametrize("op,params,reference", [
    ("rotate", {"angle": [90, 90], "expand": True}, lambda m: cv2.rotate(m, cv2.ROTATE_90_COUNTERCLOCKWISE)),
    ("rotate", {"angle": [180, 180]}, lambda m: cv2.rotate(m, cv2.ROTATE_180)),
    ("hflip", {}, lambda m: cv2.flip(m, 1)),
    ("vflip", {}, lambda m: cv2.flip(m, 0)),
])
def test_box_moves_exactly_with_quarter_turns_and_flips(op, params, reference):
    image = np.zeros((60, 100, 3), np.uint8)
    box = [13, 7, 30, 20]
    image[7:27, 13:43] = 255                         # the box's pixels, painted
    out, moved = run(image, [full_step(op, **params)], box=box)
    expected = _mask_box(reference(image)[:, :, 0])
    assert moved == expected                         # exactly, not approximately
    assert _mask_box(out[:, :, 0]) == expected


def test_box_follows_a_general_rotation_and_is_clipped_to_the_image():
    image = np.zeros((200, 200, 3), np.uint8)
    out, moved = augment.rotate(image, np.random.default_rng(0), angle=[45, 45], border="constant", expand=False)
    box = augment.transform_box([80, 80, 40, 40], moved, out.shape)
    side = 40 * np.sqrt(2)                           # a rotated square's bounding box
    assert box == pytest.approx([100 - side / 2, 100 - side / 2, side, side], abs=0.01)
    # a box in the corner of a 45° turn partly leaves the canvas: clipped, never outside
    corner = augment.transform_box([0, 0, 60, 60], moved, out.shape)
    assert corner[0] >= 0 and corner[1] >= 0 and corner[0] + corner[2] <= 200 and corner[1] + corner[3] <= 200


def test_box_that_leaves_the_image_is_dropped():
    matrix = np.array([[1.0, 0, 500], [0, 1, 0], [0, 0, 1]])   # shifted far to the right
    assert augment.transform_box([10, 10, 20, 20], matrix, (100, 100, 3)) is None


def test_crop_moves_the_box_with_the_crop(photo):
    step = full_step("random_resized_crop", area=[0.3, 0.3], ratio=[1, 1])
    marked = np.zeros_like(photo)
    marked[100:140, 150:200] = 255
    checked = 0
    for seed in range(20):
        out, moved = run(marked, [step], seed=seed, box=[150, 100, 50, 40])
        if (out[:, :, 0] > 127).any():
            assert moved == pytest.approx(_mask_box(out[:, :, 0] > 127), abs=1.5)
            checked += 1
        else:
            assert moved is None or min(moved[2], moved[3]) < 2
    assert checked >= 5


def test_expand_never_grows_the_canvas_past_the_limit():
    image = np.zeros((1000, 1000, 3), np.uint8)
    steps = [full_step("rotate", angle=[45, 45], expand=True)] * 8
    out, _ = run(image, steps)
    assert max(out.shape[:2]) <= config.MAX_CANVAS_SIDE


def test_colour_ops_do_what_their_names_say(photo):
    gray, _ = run(photo, [full_step("grayscale")])
    assert np.array_equal(gray[:, :, 0], gray[:, :, 1]) and np.array_equal(gray[:, :, 1], gray[:, :, 2])
    brighter, _ = run(photo, [full_step("brightness_contrast", brightness=[0.3, 0.3], contrast=[1, 1])])
    assert brighter.mean() > photo.mean() + 40
    darker, _ = run(photo, [full_step("gamma", gamma=[2.0, 2.0])])
    assert darker.mean() < photo.mean() - 20
    blurred, _ = run(photo, [full_step("gaussian_blur", sigma=[3, 3])])
    assert np.abs(np.diff(blurred.astype(int), axis=1)).mean() < np.abs(np.diff(photo.astype(int), axis=1)).mean()
    noisy, _ = run(photo, [full_step("gaussian_noise", std=[20, 20])])
    assert 12 < (noisy.astype(float) - photo).std() < 25
    holes, _ = run(np.full_like(photo, 200), [full_step("cutout", holes=[2, 2], size=[0.2, 0.2], fill=[0, 0])])
    assert (holes == 0).any() and (holes == 200).any()
