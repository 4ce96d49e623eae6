"""Recipes (checked, round-tripped), the seeded preview, and the exported script that repeats it."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from core import config
from core.errors import InvalidInput
from core.pipeline import (add_step, default_recipe, parse_box, parse_recipe, recipe_code, recipe_text,
                           run_preview)

ALL_OPS = [{"op": op, "p": 0.7} for op in config.AUGMENT_OPS]


@pytest.fixture(scope="module")
def photo_png(tmp_path_factory):
    """A real photo as a lossless RGB PNG small enough not to be downscaled."""
    from core.images import read_image, sample_photos

    pixels = read_image(sample_photos()["china"], max_side=400).pixels
    path = tmp_path_factory.mktemp("photo") / "china.png"
    Image.fromarray(pixels).save(path)
    return path


def test_missing_fields_get_defaults_and_numbers_become_ranges():
    (step,) = parse_recipe('[{"op": "rotate", "params": {"angle": 30}}]')
    assert step == {"op": "rotate", "p": 1.0, "params": {"angle": [30, 30], "border": "constant", "expand": False}}


def test_recipe_round_trips_through_its_text():
    steps = parse_recipe(ALL_OPS)
    assert parse_recipe(recipe_text(steps)) == steps
    assert parse_recipe(json.loads(recipe_text(steps))) == steps
    assert len(default_recipe()) == len(config.DEFAULT_RECIPE)


@pytest.mark.parametrize("recipe,key,words", [
    ("[{\"op\": \"rotate\",}]", "recipe_json", ["line 1"]),
    ("{\"op\": \"rotate\"}", "recipe_not_list", []),
    ("[]", "recipe_empty", []),
    ("", "recipe_empty", []),
    (None, "recipe_empty", []),
    ([{"op": "hflip"}] * (config.MAX_RECIPE_STEPS + 1), "recipe_too_many", [str(config.MAX_RECIPE_STEPS)]),
    ("[" + " " * config.MAX_RECIPE_CHARS + "]", "recipe_too_long", []),
    ("[" * 100_00 + "]" * 100_00, "recipe_json", []),
    ([{"op": "hflip"}, "rotate"], "recipe_step", ["Step 2"]),
    ([{"op": "twirl"}], "recipe_unknown_op", ["twirl", "rotate", "cutout"]),
    ([{"op": 3}], "recipe_unknown_op", []),
    ([{"op": ["rotate"]}], "recipe_unknown_op", []),
    ([{"op": "hflip", 7: 1}], "recipe_unknown_key", []),
    ([{"op": "rotate", "params": {"angle": [None, 3]}}], "recipe_range", ["angle"]),
    ([{"op": "hflip", "prob": 1}], "recipe_unknown_key", ["hflip", "prob"]),
    ([{"op": "hflip", "p": 1.5}], "recipe_p", ["hflip", "1.5"]),
    ([{"op": "hflip", "p": "often"}], "recipe_p", ["hflip"]),
    ([{"op": "hflip", "p": True}], "recipe_p", []),
    ([{"op": "rotate", "params": []}], "recipe_params", ["rotate"]),
    ([{"op": "rotate", "params": {"degrees": 5}}], "recipe_unknown_param", ["rotate", "degrees", "angle"]),
    ([{"op": "rotate", "params": {"angle": [0, 400]}}], "recipe_range", ["rotate", "'angle'", "180"]),
    ([{"op": "rotate", "params": {"angle": [20, -20]}}], "recipe_range", ["angle"]),
    ([{"op": "rotate", "params": {"angle": [1, 2, 3]}}], "recipe_range", ["angle"]),
    ([{"op": "rotate", "params": {"angle": "wide"}}], "recipe_range", ["angle"]),
    ([{"op": "gamma", "params": {"gamma": 1e308}}], "recipe_range", ["gamma"]),
    ([{"op": "rotate", "params": {"border": "mirror"}}], "recipe_choice", ["border", "reflect"]),
    ([{"op": "rotate", "params": {"expand": "yes"}}], "recipe_flag", ["expand"]),
    ([{"op": "cutout", "params": {"holes": [1.5, 2]}}], "recipe_integer", ["holes"]),
])
def test_bad_recipes_are_refused_naming_op_and_field(recipe, key, words):
    with pytest.raises(InvalidInput) as err:
        parse_recipe(recipe)
    assert err.value.key == key
    for word in words:
        assert word in err.value.message
    assert len(err.value.message) < 400


def test_nan_in_json_is_refused():
    with pytest.raises(InvalidInput) as err:
        parse_recipe('[{"op": "gamma", "params": {"gamma": NaN}}]')
    assert err.value.key == "recipe_range"


def test_add_step_appends_a_checked_step():
    steps = add_step("", "hflip", 0.5, {})
    steps = add_step(recipe_text(steps), "gaussian_blur", 1, {"sigma": [1, 2]})
    assert [s["op"] for s in steps] == ["hflip", "gaussian_blur"]
    with pytest.raises(InvalidInput):
        add_step(recipe_text(steps), "gaussian_blur", 1, {"sigma": [0, 99]})


@pytest.mark.parametrize("text,expected", [
    ("10, 20, 30, 40", [10, 20, 30, 40]),
    ("10 20 30 40", [10, 20, 30, 40]),
    ([1, 2, 3, 4], [1, 2, 3, 4]),
    ("", None),
    (None, None),
])
def test_box_text(text, expected):
    assert parse_box(text, (100, 100)) == expected


@pytest.mark.parametrize("text,key", [
    ("10, 20, 30", "box_format"), ("a, b, c, d", "box_format"), ("1,2,3,inf", "box_format"),
    ("x" * 5000, "box_format"), ({"x": 1}, "box_format"),
    ("90, 90, 20, 20", "box_outside"), ("10, 10, 0, 5", "box_outside"), ("-1, 0, 5, 5", "box_outside"),
])
def test_bad_boxes_are_refused(text, key):
    with pytest.raises(InvalidInput) as err:
        parse_box(text, (100, 100))
    assert err.value.key == key


def test_same_image_recipe_and_seed_give_the_same_grid(photo_png):
    a = run_preview(str(photo_png), ALL_OPS, 4, 11)
    b = run_preview(str(photo_png), ALL_OPS, 4, 11)
    c = run_preview(str(photo_png), ALL_OPS, 4, 12)
    assert all(np.array_equal(x, y) for x, y in zip(a.variants, b.variants))
    assert not all(np.array_equal(x, y) for x, y in zip(a.variants, c.variants))
    assert len({v.tobytes() for v in a.variants}) == 4


def test_variant_i_does_not_depend_on_how_many_are_drawn(photo_png):
    two = run_preview(str(photo_png), ALL_OPS, 2, 5)
    six = run_preview(str(photo_png), ALL_OPS, 6, 5)
    assert all(np.array_equal(x, y) for x, y in zip(two.variants, six.variants[:2]))


def test_jpegs_are_the_variants_in_order_with_their_boxes_drawn(photo_png):
    from core.images import draw_box

    def distance(a, b):
        return np.inf if a.shape != b.shape else np.abs(a.astype(int) - b.astype(int)).mean()

    for box in (None, "40, 40, 120, 90"):
        preview = run_preview(str(photo_png), ALL_OPS, 6, 3, box)
        shown = [draw_box(v, b) if box else v for v, b in zip(preview.variants, preview.boxes or [None] * 6)]
        decoded = [cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR_RGB) for j in preview.jpegs()]
        for i, jpeg in enumerate(decoded):      # each JPEG is closest to its own variant, box included
            assert np.argmin([distance(jpeg, s) for s in shown]) == i
            assert distance(jpeg, shown[i]) < 12
        if box:
            assert any(b is not None and not np.array_equal(s, v)
                       for s, v, b in zip(shown, preview.variants, preview.boxes))


def test_record_reports_timings_and_boxes(photo_png):
    result = run_preview(str(photo_png), [{"op": "hflip", "p": 1}, {"op": "gaussian_blur", "p": 0}], 3, 0,
                         "10, 20, 30, 40")
    record = result.record
    assert record["n_samples"] == 3 and record["ms_per_image"] > 0
    assert [(r["op"], r["applied"]) for r in record["per_op_ms"]] == [("hflip", 3), ("gaussian_blur", 0)]
    assert record["per_op_ms"][0]["ms"] >= 0 and record["per_op_ms"][1]["ms"] is None
    width = record["preview_size"][0]
    assert record["boxes"] == [[width - 40, 20, 30, 40]] * 3
    assert result.applied == [["hflip"]] * 3


def test_box_is_given_in_original_pixels_and_scaled_with_the_preview(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("RGB", (2560, 1000), "white").save(path)
    result = run_preview(str(path), [{"op": "vflip"}], 1, 0, "100, 100, 200, 100")
    assert result.record["preview_size"] == [1280, 500]
    assert result.box == [50, 50, 100, 50]
    assert result.boxes == [[50, 500 - 50 - 50, 100, 50]]
    assert "downscaled" in result.record["notes"]


@pytest.mark.parametrize("value", [0, 17, -1, "eight", None, 1e308])
def test_variant_count_is_bounded(photo_png, value):
    with pytest.raises(InvalidInput) as err:
        run_preview(str(photo_png), ALL_OPS, value, 0)
    assert err.value.field == "Variants"


def test_exported_script_reproduces_the_preview_exactly(photo_png, tmp_path):
    recipe = [{"op": op, "p": 0.8} for op in config.AUGMENT_OPS] + [
        {"op": "rotate", "p": 1, "params": {"angle": [-90, 90], "expand": True, "border": "reflect"}}]
    box = "40, 60, 100, 80"
    preview = run_preview(str(photo_png), recipe, 5, 1234, box)
    script = tmp_path / "augment.py"
    script.write_text(recipe_code(preview.recipe, 1234, 5, preview.box))
    done = subprocess.run([sys.executable, str(script), str(photo_png), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "import core" not in script.read_text() and "gradio" not in script.read_text()
    for i, variant in enumerate(preview.variants):
        written = cv2.cvtColor(cv2.imread(str(tmp_path / "out" / f"variant_{i}.png")), cv2.COLOR_BGR2RGB)
        assert np.array_equal(written, variant), f"variant {i} differs"
    printed_boxes = [line.split("box: ")[1] for line in done.stdout.splitlines()]
    assert printed_boxes == [str(b) for b in preview.boxes]


def test_exported_script_holds_only_the_ops_used():
    code = recipe_code([{"op": "hflip"}, {"op": "gamma"}])
    assert "def hflip(" in code and "def gamma(" in code and "def perspective(" not in code
    compile(code, "augment.py", "exec")
