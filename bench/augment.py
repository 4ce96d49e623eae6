"""Augmentation speed: OpenCV (core) against Pillow, and the app's API against a bare echo app.

    python bench/augment.py [--reps 15] [--api-reps 9]

1. The same ops with the same fixed parameters on a 1920×1080 photo: core.augment
   (OpenCV + NumPy, uint8 arrays) against the equivalent Pillow calls (Image.rotate,
   transform, transpose, point, filter, effect_noise, ImageDraw). CLAHE has no Pillow
   equivalent and is left out of both. Median time per op over --reps runs, alternating.
2. `python app.py` and bench/echo_image_app.py side by side, each called through
   gradio_client with a 1920×1080 JPEG: /augment (default recipe, 4 variants,
   downloaded as JPEG) against /echo (the upload returned as is). Both are called
   for WARM_UP_S seconds first, then alternately, in two cases: a new photo each
   call (decoded from scratch) and the same photo again (the app reuses its decode,
   as when a student re-rolls). Median round trip per case.

Prints both ratios; the API ratio (goal ≤ 2, the higher of the two cases) is the last line.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.startup import free_port  # noqa: E402

W, H = 1920, 1080
WARM_UP_S = 12
# One fixed value per parameter, so both libraries do exactly the same work.
OPS = {
    "rotate": {"angle": 12, "border": "constant"},
    "scale": {"factor": 1.15, "border": "constant"},
    "translate": {"x": 0.08, "y": -0.05, "border": "constant"},
    "affine": {"angle": -8, "scale": 0.95, "shear": 10, "border": "constant"},
    "perspective": {"distortion": 0.1, "border": "constant"},
    "hflip": {}, "vflip": {},
    "random_resized_crop": {"area": 0.5, "ratio": 1.0},
    "brightness_contrast": {"brightness": 0.1, "contrast": 1.2},
    "hue_saturation": {"hue": 20, "saturation": 1.2, "value": 1.0},
    "gamma": {"gamma": 1.4},
    "gaussian_blur": {"sigma": 2.0},
    "gaussian_noise": {"std": 10},
    "sharpen": {"amount": 1.0},
    "grayscale": {},
    "cutout": {"holes": 3, "size": 0.15, "fill": 0},
}


def photo_rgb() -> np.ndarray:
    import cv2

    from core.images import read_image, sample_photos

    return cv2.resize(read_image(sample_photos()["china"]).pixels, (W, H), interpolation=cv2.INTER_CUBIC)


# --- Pillow: the same ops ---------------------------------------------------------------
def _inverse_coeffs(matrix):
    inv = np.linalg.inv(matrix)
    return tuple(inv[:2].ravel())


def pillow_ops(rng):
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    from core.augment import about_center

    bilinear = Image.Resampling.BILINEAR

    def lut(table):
        return [int(v) for v in np.clip(np.rint(table), 0, 255)]

    def perspective(img, distortion):
        corners = np.array([[0, 0], [W - 1, 0], [W - 1, H - 1], [0, H - 1]], float)
        moved = corners + rng.uniform(-distortion, distortion, (4, 2)) * [W, H]
        rows = []
        for (x, y), (u, v) in zip(moved, corners):     # output -> input, as Pillow wants
            rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        coeffs = np.linalg.solve(np.array(rows), corners.ravel())
        return img.transform((W, H), Image.Transform.PERSPECTIVE, tuple(coeffs), bilinear)

    def crop(img, area, ratio):
        cw, ch = round(math.sqrt(area * W * H * ratio)), round(math.sqrt(area * W * H / ratio))
        x0, y0 = int(rng.integers(0, W - cw + 1)), int(rng.integers(0, H - ch + 1))
        return img.resize((W, H), bilinear, box=(x0, y0, x0 + cw, y0 + ch))

    def hue_sat(img, hue, saturation, value):
        h, s, v = img.convert("HSV").split()
        levels = np.arange(256.0)
        h = h.point(lut((levels + hue / 360 * 256) % 256))
        return Image.merge("HSV", (h, s.point(lut(levels * saturation)), v.point(lut(levels * value)))).convert("RGB")

    def noise(img, std):
        n = Image.effect_noise((W, H), std)
        return ImageChops.add(img, Image.merge("RGB", (n, n, n)), offset=-128)

    def cutout(img, holes, size, fill):
        out = img.copy()
        draw = ImageDraw.Draw(out)
        for _ in range(holes):
            side = size * min(W, H)
            cx, cy = rng.uniform(0, W), rng.uniform(0, H)
            draw.rectangle([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], fill=(fill,) * 3)
        return out

    def affine_of(matrix):
        return lambda img: img.transform((W, H), Image.Transform.AFFINE, _inverse_coeffs(matrix), bilinear)

    levels = np.arange(256.0)
    p = OPS
    return {
        "rotate": lambda img: img.rotate(p["rotate"]["angle"], bilinear, fillcolor=(0, 0, 0)),
        "scale": affine_of(about_center(W, H, scale=p["scale"]["factor"])),
        "translate": affine_of(np.array([[1, 0, p["translate"]["x"] * W], [0, 1, p["translate"]["y"] * H],
                                         [0, 0, 1.0]])),
        "affine": affine_of(about_center(W, H, p["affine"]["angle"], p["affine"]["scale"], p["affine"]["shear"])),
        "perspective": lambda img: perspective(img, p["perspective"]["distortion"]),
        "hflip": lambda img: img.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "vflip": lambda img: img.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
        "random_resized_crop": lambda img: crop(img, **p["random_resized_crop"]),
        "brightness_contrast": lambda img: img.point(lut((levels - 128) * p["brightness_contrast"]["contrast"]
                                                         + 128 + 255 * p["brightness_contrast"]["brightness"]) * 3),
        "hue_saturation": lambda img: hue_sat(img, **p["hue_saturation"]),
        "gamma": lambda img: img.point(lut(255 * (levels / 255) ** p["gamma"]["gamma"]) * 3),
        "gaussian_blur": lambda img: img.filter(ImageFilter.GaussianBlur(p["gaussian_blur"]["sigma"])),
        "gaussian_noise": lambda img: noise(img, p["gaussian_noise"]["std"]),
        "sharpen": lambda img: img.filter(ImageFilter.Kernel((3, 3), [0, -1, 0, -1, 5, -1, 0, -1, 0], 1)),
        "grayscale": lambda img: img.convert("L").convert("RGB"),
        "cutout": lambda img: cutout(img, **p["cutout"]),
    }


def core_steps():
    from core.pipeline import parse_recipe

    return {op: parse_recipe([{"op": op, "params": params}])[0] for op, params in OPS.items()}


def time_ops(reps: int) -> tuple[dict, dict]:
    from PIL import Image

    from core.augment import OPS as CORE

    rgb = photo_rgb()
    pil = Image.fromarray(rgb)
    rng = np.random.default_rng(0)
    steps, pillow = core_steps(), pillow_ops(rng)
    cv_ms, pil_ms = {op: [] for op in OPS}, {op: [] for op in OPS}
    for rep in range(reps + 1):                         # the first round warms both up
        for op in OPS:
            start = time.perf_counter()
            CORE[op](rgb, rng, **steps[op]["params"])
            a = time.perf_counter()
            pillow[op](pil)
            b = time.perf_counter()
            if rep:
                cv_ms[op].append(1000 * (a - start))
                pil_ms[op].append(1000 * (b - a))
    return ({op: statistics.median(v) for op, v in cv_ms.items()},
            {op: statistics.median(v) for op, v in pil_ms.items()})


# --- the API round trip ----------------------------------------------------------------------
def start(script: str):
    from tests.conftest import wait_for_http

    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    proc = subprocess.Popen([sys.executable, script], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_for_http(url, proc)
    return proc, url


def time_api(reps: int) -> dict[str, tuple[list, list]]:
    """Round trips for two cases: the same photo every call (as when a student re-rolls) and a
    new photo every call (one changed pixel, so nothing decoded earlier can be reused)."""
    import cv2
    from gradio_client import Client, handle_file

    from core.pipeline import default_recipe, recipe_text

    folder = Path(tempfile.mkdtemp(prefix="dllab-bench-"))
    rgb = photo_rgb()

    def jpeg(name: str, tweak: int | None = None) -> str:
        pixels = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if tweak is not None:
            pixels[0, :4] = tweak % 256
        cv2.imwrite(str(folder / name), pixels, [cv2.IMWRITE_JPEG_QUALITY, 90])
        return str(folder / name)

    same = jpeg("photo_1920x1080.jpg")
    fresh = iter([jpeg(f"photo_{i}.jpg", i) for i in range(reps)])
    recipe = recipe_text(default_recipe())
    app, app_url = start("app.py")
    echo, echo_url = start("bench/echo_image_app.py")
    try:
        ours, peer = Client(app_url, verbose=False), Client(echo_url, verbose=False)

        def augment(path):
            start_t = time.perf_counter()
            gallery, _, _ = ours.predict(handle_file(path), recipe, 4, 0, "", api_name="/augment")
            assert len(gallery) == 4
            return time.perf_counter() - start_t

        def echoed(path):
            start_t = time.perf_counter()
            assert peer.predict(handle_file(path), api_name="/echo")
            return time.perf_counter() - start_t

        # app.py warms torch, scikit-learn and plotly up in a background thread after it starts
        # serving; measuring during that would time the warm-up, not the round trip.
        deadline = time.monotonic() + WARM_UP_S
        while time.monotonic() < deadline:
            augment(same), echoed(same)
        times = {"same": ([], []), "fresh": ([], [])}
        for _ in range(reps):
            path = next(fresh)
            for case, photo in (("same", same), ("fresh", path)):
                times[case][0].append(augment(photo))
                times[case][1].append(echoed(photo))
        return times
    finally:
        for proc in (app, echo):
            proc.terminate()
            proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--api-reps", type=int, default=9)
    args = parser.parse_args()

    cv_ms, pil_ms = time_ops(args.reps)
    print(f"{W}×{H} photo, median of {args.reps} runs per op (ms)")
    print(f"{'op':<22}{'OpenCV':>9}{'Pillow':>9}{'Pillow/OpenCV':>15}")
    for op in OPS:
        print(f"{op:<22}{cv_ms[op]:>9.2f}{pil_ms[op]:>9.2f}{pil_ms[op] / cv_ms[op]:>15.1f}")
    total_cv, total_pil = sum(cv_ms.values()), sum(pil_ms.values())
    print(f"{'all 16 ops':<22}{total_cv:>9.2f}{total_pil:>9.2f}")
    print(f"ratio (pipeline, Pillow ms / OpenCV ms): {total_pil / total_cv:.2f} (goal ≥ 3)")

    times = time_api(args.api_reps)
    print(f"API round trip, {W}×{H} JPEG, 4 variants, median of {args.api_reps} (gradio_client waits for "
          "replies in 50 ms polls, so round trips come in steps)")
    ratios = {}
    for case, label in (("fresh", "a new photo each call"), ("same", "the same photo again (decoded once)")):
        ours, peer = (statistics.median(t) for t in times[case])
        ratios[case] = ours / peer
        print(f"  {label:<38} /augment {1000 * ours:.0f} ms, echo {1000 * peer:.0f} ms, ratio {ours / peer:.2f}")
    print(f"ratio: {max(ratios.values()):.2f} (goal ≤ 2, /augment ÷ echo, the higher of the two cases)")

if __name__ == "__main__":
    main()
