"""Augmentation recipes: checked from JSON, run into a seeded preview, and written out as code.

A recipe is a JSON list of steps ``{"op": "rotate", "p": 0.8, "params": {"angle": [-20, 20]}}``.
``parse_recipe`` accepts what people paste (a single number for a range, missing params,
missing ``p``) and returns the full form the ops expect, or raises a message that names the
step, the op and the field. ``run_preview`` draws N variants, variant ``i`` from seed
``[seed, i]``, so the grid is the same every time and does not depend on N.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import pprint
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from core import config, validate
from core.config import AUGMENT_OPS, RangeParam
from core.errors import InvalidInput

BOX_MAX_CHARS = 100

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _workers() -> ThreadPoolExecutor:
    """One small pool for the whole process: variants are independent, and OpenCV releases
    the GIL, so a preview's variants (and their JPEG encoding) run on all cores."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)),
                                       thread_name_prefix="augment")
        return _pool


def _json_error(exc: json.JSONDecodeError) -> InvalidInput:
    return InvalidInput("recipe", "recipe_json", detail=exc.msg, line=exc.lineno, column=exc.colno)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _range(value, spec: RangeParam, where: dict):
    def bad():
        lo, hi = f"{spec.minimum:g}", f"{spec.maximum:g}"
        return InvalidInput("recipe", "recipe_range", lo=lo, hi=hi, value=validate.show(value), **where)

    pair = [value, value] if _is_number(value) else value
    if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(_is_number(v) for v in pair):
        raise bad()
    lo, hi = (float(v) for v in pair)
    if not (math.isfinite(lo) and math.isfinite(hi) and spec.minimum <= lo <= hi <= spec.maximum):
        raise bad()
    if spec.integer:
        if lo != int(lo) or hi != int(hi):
            raise InvalidInput("recipe", "recipe_integer", value=validate.show(value), **where)
        return [int(lo), int(hi)]
    return [int(v) if isinstance(v, int) else float(v) for v in pair]


def _param(value, spec, where: dict):
    if isinstance(spec, RangeParam):
        return _range(value, spec, where)
    if isinstance(spec, bool):
        if not isinstance(value, bool):
            raise InvalidInput("recipe", "recipe_flag", value=validate.show(value), **where)
        return value
    _, options, _ = spec
    if not isinstance(value, str) or value.strip().lower() not in options:
        raise InvalidInput("recipe", "recipe_choice", options=", ".join(options), value=validate.show(value),
                           **where)
    return value.strip().lower()


def _default(spec):
    if isinstance(spec, RangeParam):
        return list(spec.default)
    return spec if isinstance(spec, bool) else spec[2]


def _step(raw, number: int) -> dict:
    if not isinstance(raw, dict) or "op" not in raw:
        raise InvalidInput("recipe", "recipe_step", step=number, value=validate.show(raw))
    op = raw["op"].strip().lower() if isinstance(raw["op"], str) else None
    if op not in AUGMENT_OPS:
        raise InvalidInput("recipe", "recipe_unknown_op", step=number, value=validate.show(raw["op"]),
                           ops=", ".join(AUGMENT_OPS))
    where = {"step": number, "op": op}
    for key in raw:
        if key not in ("op", "p", "params"):
            raise InvalidInput("recipe", "recipe_unknown_key", name=validate.show(key), **where)
    p = raw.get("p", 1.0)
    if not _is_number(p) or not (0.0 <= float(p) <= 1.0):
        raise InvalidInput("recipe", "recipe_p", value=validate.show(p), **where)
    params = raw.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidInput("recipe", "recipe_params", value=validate.show(params), **where)
    specs = AUGMENT_OPS[op]
    for name in params:
        if name not in specs:
            raise InvalidInput("recipe", "recipe_unknown_param", param=validate.show(name),
                               names=", ".join(specs) or "no parameters", **where)
    out = {name: (_param(params[name], spec, {**where, "param": name}) if name in params else _default(spec))
           for name, spec in specs.items()}
    return {"op": op, "p": float(p), "params": out}


def parse_recipe(value, allow_empty: bool = False) -> list[dict]:
    """A recipe (JSON text or a list) as a list of complete steps; raises InvalidInput naming what is wrong."""
    if value is None:
        value = ""
    if isinstance(value, str):
        if len(value) > config.MAX_RECIPE_CHARS:
            raise InvalidInput("recipe", "recipe_too_long", count=len(value), max=config.MAX_RECIPE_CHARS)
        if not value.strip():
            value = []
        else:
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise _json_error(exc) from None
            except RecursionError:
                raise InvalidInput("recipe", "recipe_json", detail="nested too deeply", line=1, column=1) from None
    if not isinstance(value, list):
        raise InvalidInput("recipe", "recipe_not_list", value=validate.show(value))
    if not value and not allow_empty:
        raise InvalidInput("recipe", "recipe_empty")
    if len(value) > config.MAX_RECIPE_STEPS:
        raise InvalidInput("recipe", "recipe_too_many", max=config.MAX_RECIPE_STEPS, count=len(value))
    return [_step(raw, i) for i, raw in enumerate(value, start=1)]


def recipe_text(recipe: list[dict]) -> str:
    """JSON text with one step per line, as shown in the page and downloaded."""
    if not recipe:
        return "[]"
    return "[\n" + ",\n".join("  " + json.dumps(step, ensure_ascii=False) for step in recipe) + "\n]"


def default_recipe() -> list[dict]:
    return parse_recipe(list(config.DEFAULT_RECIPE))


def add_step(recipe, op, p, params: dict) -> list[dict]:
    """The recipe with one more step at the end (checked like a pasted one)."""
    steps = parse_recipe(recipe, allow_empty=True)
    return steps + parse_recipe([*steps, {"op": op, "p": p, "params": params}])[-1:]


def range_params(op: str) -> list[tuple[str, RangeParam]]:
    """The numeric (range) parameters of ``op``, in order."""
    return [(n, s) for n, s in AUGMENT_OPS.get(op, {}).items() if isinstance(s, RangeParam)]


def parse_box(value, size: tuple[int, int]):
    """``"x, y, w, h"`` (pixels of an image of ``size`` (width, height)) as floats, or None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None

    def bad():
        return InvalidInput("box", "box_format", value=validate.show(value))

    if isinstance(value, str):
        if len(value) > BOX_MAX_CHARS:
            raise bad()
        parts = [p for p in value.replace(",", " ").replace(";", " ").split() if p]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise bad() from None
    elif isinstance(value, (list, tuple)) and all(_is_number(v) for v in value):
        numbers = [float(v) for v in value]
    else:
        raise bad()
    if len(numbers) != 4 or not all(math.isfinite(v) for v in numbers):
        raise bad()
    x, y, w, h = numbers
    width, height = size
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
        raise InvalidInput("box", "box_outside", box=f"{x:g}, {y:g}, {w:g}, {h:g}", width=width, height=height)
    return [x, y, w, h]


@dataclass(frozen=True)
class Preview:
    """N augmented variants of one image, and the record of how they were made."""

    original: np.ndarray
    variants: list
    boxes: list | None                  # one [x, y, w, h] or None per variant, when a box was given
    box: list | None                    # the box on the (preview-sized) original
    applied: list                       # per variant: the op names that fired, in order
    recipe: list
    record: dict
    notes: tuple

    def jpegs(self) -> list[bytes]:
        """The variants as JPEG files, each with its box drawn when a box was given."""
        from core.images import draw_box, encode_jpeg

        if self.box is None:
            return list(_workers().map(encode_jpeg, self.variants))
        return list(_workers().map(lambda pair: encode_jpeg(draw_box(*pair)), zip(self.variants, self.boxes)))


def run_preview(image, recipe, n_samples=config.AUGMENT_SAMPLES.default, seed=config.SEED.default,
                box=None) -> Preview:
    """Validate everything, then draw ``n_samples`` variants of ``image`` (a path or bytes)."""
    from core.augment import augment_image
    from core.images import read_image

    n = validate.number(n_samples, config.AUGMENT_SAMPLES)
    seed = validate.number(seed, config.SEED)
    steps = parse_recipe(recipe)
    loaded = read_image(image)
    box_original = parse_box(box, loaded.original_size)
    box_preview = None
    if box_original is not None:
        sx, sy = loaded.size[0] / loaded.original_size[0], loaded.size[1] / loaded.original_size[1]
        x, y, w, h = box_original
        box_preview = [x * sx, y * sy, w * sx, h * sy]

    def variant(i):
        timings = [[0.0, 0] for _ in steps]
        image, moved = augment_image(loaded.pixels, steps, np.random.default_rng([seed, i]), box_preview, timings)
        return image, moved, timings

    totals = [[0.0, 0] for _ in steps]
    variants, boxes, applied = [], [], []
    start = time.perf_counter()
    for image, moved, timings in _workers().map(variant, range(n)):
        variants.append(image)
        boxes.append(moved)
        applied.append([s["op"] for s, (_, count) in zip(steps, timings) if count])
        for total, (seconds, count) in zip(totals, timings):
            total[0] += seconds
            total[1] += count
    elapsed = time.perf_counter() - start

    record = {
        "seed": seed,
        "n_samples": n,
        "ms_per_image": round(1000 * elapsed / n, 2),
        "per_op_ms": [{"step": i + 1, "op": s["op"], "applied": count,
                       "ms": round(1000 * seconds / count, 2) if count else None}
                      for i, (s, (seconds, count)) in enumerate(zip(steps, totals))],
        "original_size": list(loaded.original_size),
        "preview_size": list(loaded.size),
        "variant_sizes": [[v.shape[1], v.shape[0]] for v in variants],
        "notes": [key for key, _ in loaded.notes],
    }
    if box_preview is not None:
        record["box"] = [round(v, 2) for v in box_preview]
        record["boxes"] = boxes
    return Preview(loaded.pixels, variants, boxes if box_preview is not None else None,
                   record.get("box"), applied, steps, record, loaded.notes)


_SCRIPT_HEAD = '''"""An image augmentation recipe from DL Lab, in plain OpenCV + NumPy.

    python augment.py photo.jpg [output_folder]

writes {n} variants as PNG files. Variant i draws its random numbers from
numpy.random.default_rng([SEED, i]), so the same photo, recipe and seed give the same
pictures as DL Lab's preview (photos with transparency are flattened onto white there).
"""

import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np

SEED = {seed}
N_SAMPLES = {n}
PREVIEW_MAX_SIDE = {max_side}   # DL Lab previews images downscaled to this long side
MAX_CANVAS_SIDE = {max_canvas}
BOX = {box}   # [x, y, w, h] on the downscaled image, or None
RECIPE = {recipe}
'''

_SCRIPT_MAIN = '''

def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "photo.jpg"
    out_dir = Path(sys.argv[2] if len(sys.argv) > 2 else "augmented")
    bgr = cv2.imread(source, cv2.IMREAD_COLOR)
    if bgr is None:
        sys.exit(f"cannot read an image from {source}")
    image = fit_to_preview(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), PREVIEW_MAX_SIDE)
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(N_SAMPLES):
        variant, box = augment_image(image, RECIPE, np.random.default_rng([SEED, i]), BOX)
        name = out_dir / f"variant_{i}.png"
        cv2.imwrite(str(name), cv2.cvtColor(variant, cv2.COLOR_RGB2BGR))
        print(name, f"{variant.shape[1]}x{variant.shape[0]}", "box:", box)


if __name__ == "__main__":
    main()
'''


def recipe_code(recipe, seed: int = 0, n_samples: int = config.AUGMENT_SAMPLES.default, box=None) -> str:
    """A stand-alone Python script (OpenCV + NumPy only) that repeats the preview exactly."""
    from core import augment, images

    steps = parse_recipe(recipe)
    used = list(dict.fromkeys(s["op"] for s in steps))
    helpers = [augment.about_center, augment.warp_affine, augment.lut_apply, images.fit_to_preview]
    parts = [_SCRIPT_HEAD.format(seed=int(seed), n=int(n_samples), max_side=config.PREVIEW_MAX_SIDE,
                                 max_canvas=config.MAX_CANVAS_SIDE,
                                 box=None if box is None else [round(float(v), 2) for v in box],
                                 recipe=pprint.pformat(steps, width=110, sort_dicts=False))]
    # core.augment's own BORDERS table, so the script and the app cannot disagree on border modes
    parts.append(re.search(r"^BORDERS = \{.*?\}\n", inspect.getsource(augment), re.S | re.M).group(0))
    parts += [inspect.getsource(f) for f in helpers]
    parts += [inspect.getsource(augment.OPS[op]) for op in used]
    parts.append("OPS = {" + ", ".join(f'"{op}": {op}' for op in used) + "}\n")
    parts += [inspect.getsource(augment.transform_box), inspect.getsource(augment.augment_image)]
    return "\n\n".join(p.rstrip() + "\n" for p in parts) + _SCRIPT_MAIN


def warm_up() -> None:
    """Import OpenCV and Pillow, start the worker pool and preview a tiny picture, so that the
    first student's preview does not pay for them: about 50 ms here, and the first preview of a
    photo drops from about 140 ms (imports included) to 20 ms (app.py runs this after launch)."""
    from core.images import encode_jpeg

    tiny = encode_jpeg(np.full((32, 32, 3), 128, np.uint8))
    run_preview(tiny, list(config.DEFAULT_RECIPE), 2, 0).jpegs()
