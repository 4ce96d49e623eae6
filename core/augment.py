"""Image augmentation ops in plain OpenCV + NumPy, and the runner that chains them.

Every op is a pure function ``op(image, rng, **params) -> (image, matrix)``: ``image`` is
an RGB uint8 array (never modified in place), ``rng`` a ``numpy.random.Generator`` that
supplies all randomness, and each numeric parameter a range ``[low, high]`` to draw from.
Geometric ops also return the 3×3 matrix that maps input pixel centres to output pixel
centres, so that a bounding box can follow the image; the others return ``None``.

This file is also the source of "Show code": ``core.pipeline.recipe_code`` copies these
functions verbatim into a stand-alone script, so they use only ``cv2``, ``np``, ``math``,
``time`` and each other. Parameter bounds and defaults live in ``core.config.AUGMENT_OPS``.
"""

from __future__ import annotations

import math
import time

import cv2
import numpy as np
from core.config import MAX_CANVAS_SIDE  # rotations with expand=True never grow the canvas past this

BORDERS = {"constant": cv2.BORDER_CONSTANT, "reflect": cv2.BORDER_REFLECT_101,
           "replicate": cv2.BORDER_REPLICATE, "wrap": cv2.BORDER_WRAP}


# --- helpers ------------------------------------------------------------------------
def about_center(width, height, angle=0.0, scale=1.0, shear=0.0):
    """3×3 matrix: rotate counter-clockwise by ``angle`` degrees (as cv2.getRotationMatrix2D),
    scale and shear (degrees, along x) about the image centre, in pixel-centre coordinates."""
    r = math.radians(angle)
    # Rounded so that multiples of 90° are exact (cos 90° is 6e-17 in floating point).
    c, s = round(math.cos(r), 12), round(math.sin(r), 12)
    linear = scale * np.array([[c, s], [-s, c]]) @ np.array([[1.0, math.tan(math.radians(shear))], [0.0, 1.0]])
    center = np.array([(width - 1) / 2, (height - 1) / 2])
    matrix = np.eye(3)
    matrix[:2, :2] = linear
    matrix[:2, 2] = center - linear @ center
    return matrix


def warp_affine(image, matrix, size, border):
    return cv2.warpAffine(image, matrix[:2], size, flags=cv2.INTER_LINEAR, borderMode=BORDERS[border])


def lut_apply(image, table):
    """Apply a 256-entry lookup table (one for all channels, or 256×3 for one per channel)."""
    table = np.clip(np.rint(table), 0, 255).astype(np.uint8)
    return cv2.LUT(image, table.reshape(256, 1, -1) if table.ndim == 2 else table)


# --- geometric ops --------------------------------------------------------------------
def rotate(image, rng, angle, border, expand):
    h, w = image.shape[:2]
    a = rng.uniform(*angle)
    matrix = about_center(w, h, a)
    size = (w, h)
    if expand:
        c, s = abs(matrix[0, 0]), abs(matrix[0, 1])
        nw, nh = math.ceil(w * c + h * s - 1e-6), math.ceil(w * s + h * c - 1e-6)
        matrix[0, 2] += (nw - 1) / 2 - (w - 1) / 2
        matrix[1, 2] += (nh - 1) / 2 - (h - 1) / 2
        k = min(1.0, MAX_CANVAS_SIDE / max(nw, nh))
        if k < 1.0:
            shrink = np.array([[k, 0, 0.5 * k - 0.5], [0, k, 0.5 * k - 0.5], [0, 0, 1]])
            matrix = shrink @ matrix
            nw, nh = max(1, int(nw * k)), max(1, int(nh * k))
        size = (nw, nh)
    return warp_affine(image, matrix, size, border), matrix


def scale(image, rng, factor, border):
    h, w = image.shape[:2]
    matrix = about_center(w, h, scale=rng.uniform(*factor))
    return warp_affine(image, matrix, (w, h), border), matrix


def translate(image, rng, x, y, border):
    h, w = image.shape[:2]
    matrix = np.eye(3)
    matrix[0, 2] = rng.uniform(*x) * w
    matrix[1, 2] = rng.uniform(*y) * h
    return warp_affine(image, matrix, (w, h), border), matrix


def affine(image, rng, angle, scale, shear, border):
    h, w = image.shape[:2]
    matrix = about_center(w, h, rng.uniform(*angle), rng.uniform(*scale), rng.uniform(*shear))
    return warp_affine(image, matrix, (w, h), border), matrix


def perspective(image, rng, distortion, border):
    h, w = image.shape[:2]
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    d = rng.uniform(*distortion)
    moved = corners + (rng.uniform(-d, d, size=(4, 2)) * [w, h]).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(corners, moved)
    out = cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=BORDERS[border])
    return out, matrix


def hflip(image, rng):
    w = image.shape[1]
    return cv2.flip(image, 1), np.array([[-1.0, 0, w - 1], [0, 1, 0], [0, 0, 1]])


def vflip(image, rng):
    h = image.shape[0]
    return cv2.flip(image, 0), np.array([[1.0, 0, 0], [0, -1, h - 1], [0, 0, 1]])


def random_resized_crop(image, rng, area, ratio):
    """Crop a random part (its share of the area and aspect ratio drawn from the ranges)
    and resize it back to the full size, as torchvision's RandomResizedCrop."""
    h, w = image.shape[:2]
    cw, ch, x0, y0 = w, h, 0, 0
    for _ in range(10):
        target = rng.uniform(*area) * w * h
        aspect = math.exp(rng.uniform(math.log(ratio[0]), math.log(ratio[1])))
        tw, th = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
        if 0 < tw <= w and 0 < th <= h:
            cw, ch = tw, th
            x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            break
    out = cv2.resize(image[y0:y0 + ch, x0:x0 + cw], (w, h), interpolation=cv2.INTER_LINEAR)
    sx, sy = w / cw, h / ch
    # cv2.resize aligns pixel centres: out_x = (x - x0 + 0.5) * sx - 0.5
    matrix = np.array([[sx, 0, (0.5 - x0) * sx - 0.5], [0, sy, (0.5 - y0) * sy - 0.5], [0, 0, 1]])
    return out, matrix


# --- colour and pixel ops -----------------------------------------------------------------
def brightness_contrast(image, rng, brightness, contrast):
    b, c = rng.uniform(*brightness), rng.uniform(*contrast)
    return lut_apply(image, (np.arange(256) - 128.0) * c + 128.0 + 255.0 * b), None


def hue_saturation(image, rng, hue, saturation, value):
    shift, s, v = rng.uniform(*hue), rng.uniform(*saturation), rng.uniform(*value)
    levels = np.arange(256.0)
    # OpenCV stores 8-bit hue as degrees / 2 (0..179).
    table = np.stack([(levels + round(shift / 2)) % 180, levels * s, levels * v], axis=1)
    hsv = lut_apply(cv2.cvtColor(image, cv2.COLOR_RGB2HSV), table)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB), None


def gamma(image, rng, gamma):
    g = rng.uniform(*gamma)  # above 1 darkens the mid-tones, below 1 brightens them
    return lut_apply(image, 255.0 * (np.arange(256) / 255.0) ** g), None


def gaussian_blur(image, rng, sigma):
    return cv2.GaussianBlur(image, (0, 0), sigmaX=rng.uniform(*sigma)), None


def gaussian_noise(image, rng, std):
    sigma = rng.uniform(*std)
    noise = np.empty(image.shape, dtype=np.float32)
    # OpenCV's generator is six times faster than NumPy's here; seeding it from rng
    # (its state is per thread) keeps the result a function of the seed.
    cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
    cv2.randn(noise.reshape(image.shape[0], -1), 0.0, sigma)
    return cv2.add(image, noise, dtype=cv2.CV_8U), None  # rounds and saturates to 0..255


def sharpen(image, rng, amount):
    a = rng.uniform(*amount)
    kernel = np.array([[0, -a, 0], [-a, 1 + 4 * a, -a], [0, -a, 0]], dtype=np.float32)
    return cv2.filter2D(image, -1, kernel), None


def clahe(image, rng, clip_limit, tile_grid):
    """Contrast-limited adaptive histogram equalisation of the lightness channel."""
    tiles = int(rng.integers(tile_grid[0], tile_grid[1] + 1))
    equalizer = cv2.createCLAHE(clipLimit=rng.uniform(*clip_limit), tileGridSize=(tiles, tiles))
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    lab[:, :, 0] = equalizer.apply(np.ascontiguousarray(lab[:, :, 0]))
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), None


def grayscale(image, rng):
    return cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB), None


def cutout(image, rng, holes, size, fill):
    """Random erasing: paint square holes (side a share of the shorter image side)."""
    h, w = image.shape[:2]
    out = image.copy()
    for _ in range(int(rng.integers(holes[0], holes[1] + 1))):
        side = rng.uniform(*size) * min(h, w)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        value = int(rng.integers(fill[0], fill[1] + 1))
        x0, x1 = max(0, round(cx - side / 2)), min(w, round(cx + side / 2))
        y0, y1 = max(0, round(cy - side / 2)), min(h, round(cy + side / 2))
        out[y0:y1, x0:x1] = value
    return out, None


OPS = {f.__name__: f for f in (rotate, scale, translate, affine, perspective, hflip, vflip, random_resized_crop,
                               brightness_contrast, hue_saturation, gamma, gaussian_blur, gaussian_noise, sharpen,
                               clahe, grayscale, cutout)}


# --- boxes and the runner -----------------------------------------------------------------
def transform_box(box, matrix, shape):
    """Move box [x, y, w, h] (pixel edges) through ``matrix``: the bounding box of its four
    moved corners, clipped to an image of ``shape``; None when nothing of it is left."""
    x, y, w, h = box
    corners = np.array([[x, y, 1], [x + w, y, 1], [x + w, y + h, 1], [x, y + h, 1]], dtype=np.float64)
    corners[:, :2] -= 0.5                  # edges -> pixel-centre coordinates, as the matrix expects
    moved = corners @ np.asarray(matrix, dtype=np.float64).T
    if np.any(moved[:, 2] <= 1e-9):
        return None
    points = moved[:, :2] / moved[:, 2:] + 0.5
    height, width = shape[:2]
    x0, x1 = np.clip([points[:, 0].min(), points[:, 0].max()], 0, width)
    y0, y1 = np.clip([points[:, 1].min(), points[:, 1].max()], 0, height)
    if x1 - x0 < 0.5 or y1 - y0 < 0.5:
        return None
    return [round(float(v), 2) for v in (x0, y0, x1 - x0, y1 - y0)]


def augment_image(image, recipe, rng, box=None, timings=None):
    """Apply each recipe step with its probability ``p``; returns (image, box).

    ``recipe`` is a list of {"op", "p", "params"} with every parameter given. The box, if
    any, follows every geometric op. ``timings``, if given, has one [seconds, times applied]
    pair per step and gathers what each step cost.
    """
    for i, step in enumerate(recipe):
        if rng.random() >= step["p"]:
            continue
        start = time.perf_counter()
        image, matrix = OPS[step["op"]](image, rng, **step["params"])
        if timings is not None:
            timings[i][0] += time.perf_counter() - start
            timings[i][1] += 1
        if box is not None and matrix is not None:
            box = transform_box(box, matrix, image.shape)
    return image, box
