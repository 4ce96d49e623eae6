"""Reading user images safely, and the bundled sample photos.

An upload can be anything: a renamed text file, a 12000×12000 PNG, a 16-bit scan, a
palette GIF-like PNG with transparency. ``read_image`` checks the file size and the
pixel count from the header before decoding, then turns every mode into RGB uint8 and
says what it changed (``notes``) so the page can tell the user.
"""

from __future__ import annotations

import io
import os
import queue
import shutil
import tempfile
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import config
from core.errors import DLLabError, InvalidInput, ResourceLimit

SAMPLE_PHOTOS = ("china.jpg", "flower.jpg")  # shipped with scikit-learn, so no network is needed


@dataclass(frozen=True)
class LoadedImage:
    """An RGB uint8 image ready for augmentation, and how it was obtained."""

    pixels: np.ndarray
    original_size: tuple[int, int]      # (width, height) of the file
    notes: tuple[tuple[str, dict], ...] = field(default=())   # (key, params): what reading changed

    @property
    def size(self) -> tuple[int, int]:
        return self.pixels.shape[1], self.pixels.shape[0]

    @property
    def scale(self) -> float:
        """Preview pixels per original pixel (1.0 when not downscaled)."""
        return self.size[0] / self.original_size[0]


def _open_bytes(source) -> bytes:
    if source is None or (isinstance(source, str) and not source.strip()):
        raise InvalidInput("image", "image_missing")
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput("image", "image_missing")
        size = path.stat().st_size
        if size > config.IMAGE_MAX_BYTES:
            raise ResourceLimit("image_too_big", size=f"{size / 2**20:.1f}", max=config.IMAGE_MAX_BYTES // 2**20)
        data = path.read_bytes()
    else:
        raise InvalidInput("image", "image_unreadable")
    if len(data) > config.IMAGE_MAX_BYTES:
        raise ResourceLimit("image_too_big", size=f"{len(data) / 2**20:.1f}", max=config.IMAGE_MAX_BYTES // 2**20)
    return data


def _to_rgb(im, notes: list) -> np.ndarray:
    """Any Pillow mode -> RGB uint8, noting what was lost or changed."""
    mode = im.mode
    if mode == "P" or mode == "PA":
        notes.append(("palette", {}))
        im = im.convert("RGBA" if (mode == "PA" or "transparency" in im.info) else "RGB")
        mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        values = np.asarray(im)
        if mode == "I" and values.max(initial=0) <= 255:   # 8-bit data stored wide
            gray = values.clip(0, 255).astype(np.uint8)
        else:
            notes.append(("16bit", {}))
            gray = _by_bands(values, np.empty(values.shape, np.uint8), _from_16_bits)
        notes.append(("grayscale", {}))
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if mode in ("1", "L", "F"):
        notes.append(("grayscale", {}))
        gray = np.asarray(im.convert("L"))
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if mode in ("LA", "RGBA", "La", "RGBa"):
        rgba = np.asarray(im.convert("RGBA"))
        if rgba[:, :, 3].min(initial=255) < 255:
            notes.append(("alpha", {}))
        # Transparent parts become white, as on a page; the augmentations work on RGB.
        return _by_bands(rgba, np.empty((*rgba.shape[:2], 3), np.uint8), _onto_white)
    return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))


# Mode conversions work on bands of rows in integer arithmetic, so a 50-megapixel upload
# needs no full-size float copies (those took 2.4 GB for one RGBA image).
_BAND_ROWS = 256


def _by_bands(source: np.ndarray, out: np.ndarray, fn) -> np.ndarray:
    for top in range(0, source.shape[0], _BAND_ROWS):
        out[top:top + _BAND_ROWS] = fn(source[top:top + _BAND_ROWS])
    return out


def _from_16_bits(values: np.ndarray) -> np.ndarray:
    """0..65535 -> 0..255, rounded to nearest: (v + 128) // 257 equals round(v / 257)."""
    return (np.clip(values, 0, 65535).astype(np.uint32) + 128) // 257


def _onto_white(rgba: np.ndarray) -> np.ndarray:
    """round(rgb * a/255 + 255 * (1 - a/255)); the numerator is at most 255², so uint16 holds it."""
    wide = rgba.astype(np.uint16)
    alpha = wide[:, :, 3:]
    return (wide[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255


def _decode_jpeg(data: bytes, mode: str, long_side: int, max_side: int, notes: list):
    """Complete RGB or grey JPEGs through OpenCV: three times faster than Pillow here, and
    big ones are decoded at 1/2, 1/4 or 1/8 size when that still covers ``max_side``.
    None for anything else (CMYK, a truncated file), which Pillow then handles or refuses."""
    import cv2

    if mode not in ("RGB", "L") or not data.rstrip(b"\x00")[-2:] == b"\xff\xd9":
        return None
    factor = max([f for f in (1, 2, 4, 8) if long_side / f >= max_side] or [1])
    reduced = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
               8: cv2.IMREAD_REDUCED_COLOR_8}[factor]    # these apply the EXIF orientation too
    flags = (reduced & ~cv2.IMREAD_COLOR) | cv2.IMREAD_COLOR_RGB    # the same size, in RGB order
    rgb = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if rgb is None:
        return None
    if mode == "L":
        notes.append(("grayscale", {}))
    return rgb


_decoded: OrderedDict = OrderedDict()
_decoding: dict = {}                # key -> _Decode, for decodes under way in some thread
_decoded_lock = threading.Lock()


class _Decode:
    """A decode under way: others wait for ``done``, then take the result from the cache or
    the same error (decoding is a function of the bytes and the size limit)."""

    def __init__(self):
        self.done = threading.Event()
        self.error: DLLabError | None = None


def read_image(source, max_side: int = config.PREVIEW_MAX_SIDE) -> LoadedImage:
    """Decode ``source`` (a path or bytes) to RGB uint8, downscaled so its long side is at most ``max_side``.

    The last few decoded images are kept (read-only), keyed by their bytes, so a re-roll, a
    new recipe or a new box on the same photo does not decode it again. When the same bytes
    are being decoded in another thread (``decode_ahead``), this waits for that decode, up
    to ``config.IMAGE_DECODE_WAIT_S``, and then decodes them itself.
    """
    import hashlib

    data = _open_bytes(source)
    key = hashlib.blake2b(data, digest_size=16).digest(), int(max_side)
    with _decoded_lock:
        if key in _decoded:
            _decoded.move_to_end(key)
            return _decoded[key]
        under_way = _decoding.get(key)
        mine = None
        if under_way is None:
            mine = _decoding[key] = _Decode()
    if under_way is not None and under_way.done.wait(config.IMAGE_DECODE_WAIT_S):
        if under_way.error is not None:
            raise _copy_error(under_way.error)
        with _decoded_lock:
            if key in _decoded:
                return _decoded[key]
    try:                                            # not waited for, or pushed out of the cache already
        loaded = _read_image(data, max_side)
    except DLLabError as exc:                       # anything else: each waiter tries for itself
        if mine is not None:
            mine.error = exc
        raise
    else:
        loaded.pixels.flags.writeable = False      # shared between requests: nobody may draw on it
        with _decoded_lock:
            _decoded[key] = loaded
            _decoded.move_to_end(key)
            while len(_decoded) > config.IMAGE_CACHE_ENTRIES:
                _decoded.popitem(last=False)
        return loaded
    finally:
        if mine is not None:
            with _decoded_lock:
                del _decoding[key]
            mine.done.set()


def _copy_error(exc: DLLabError) -> DLLabError:
    """The same message for another thread, as its own exception object."""
    twin = type(exc).__new__(type(exc))
    twin.__dict__.update(exc.__dict__)
    twin.args = exc.args
    return twin


_ahead_lock = threading.Lock()
_ahead_jobs: queue.SimpleQueue = queue.SimpleQueue()
_ahead_queued = 0                   # files queued or being decoded ahead
_ahead_worker: threading.Thread | None = None


def decode_ahead(path, max_side: int = config.PREVIEW_MAX_SIDE) -> bool:
    """Start decoding the image file at ``path`` in the background, so that the request that
    uses it a moment later finds it decoded (``read_image`` waits for a decode under way).

    Meant for files the server has just received. One background thread does the work;
    while ``config.DECODE_AHEAD_QUEUE`` files are queued or under way, more are refused.
    Files that are not in one of ``config.IMAGE_FORMATS``, or have more than
    ``config.DECODE_AHEAD_MAX_PIXELS``, are skipped, and errors are left for the real read to report. Returns whether it was queued.
    """
    global _ahead_queued, _ahead_worker
    with _ahead_lock:
        if _ahead_queued >= config.DECODE_AHEAD_QUEUE:
            return False
        if _ahead_worker is None or not _ahead_worker.is_alive():
            # A daemon thread: queued decodes never hold up the server's exit.
            _ahead_worker = threading.Thread(target=_decode_ahead_loop, name="decode-ahead", daemon=True)
            _ahead_worker.start()
        _ahead_queued += 1
        _ahead_jobs.put((Path(path), int(max_side)))
    return True


def _decode_ahead_loop() -> None:
    global _ahead_queued
    while True:
        path, max_side = _ahead_jobs.get()
        try:
            if _worth_decoding_ahead(path):
                read_image(path, max_side)
        except Exception:   # noqa: BLE001 - the request that reads this file reports what is wrong
            pass
        finally:
            with _ahead_lock:
                _ahead_queued -= 1


def _worth_decoding_ahead(path: Path) -> bool:
    """From the header only; anything Pillow cannot identify raises, and is skipped."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(path) as im:
            return im.format in config.IMAGE_FORMATS and im.width * im.height <= config.DECODE_AHEAD_MAX_PIXELS


def _read_image(data: bytes, max_side: int) -> LoadedImage:
    from PIL import Image, ImageOps, UnidentifiedImageError

    notes: list = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # Pillow's decompression-bomb warning: we check below
        try:
            im = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise ResourceLimit("image_far_too_many_pixels", max=config.IMAGE_MAX_PIXELS // 10**6) from None
        except (UnidentifiedImageError, OSError, ValueError):
            raise InvalidInput("image", "image_unreadable") from None
        if im.format not in config.IMAGE_FORMATS:
            raise InvalidInput("image", "image_format", format=str(im.format))
        width, height = im.size
        if width * height > config.IMAGE_MAX_PIXELS:
            raise ResourceLimit("image_too_many_pixels", width=width, height=height,
                                mp=f"{width * height / 1e6:.0f}", max=config.IMAGE_MAX_PIXELS // 10**6)
        if min(width, height) < config.IMAGE_MIN_SIDE:
            raise InvalidInput("image", "image_too_small", width=width, height=height, min=config.IMAGE_MIN_SIDE)
        try:
            turned = im.getexif().get(274, 1) in (5, 6, 7, 8)     # EXIF orientation: a quarter turn
            pixels = _decode_jpeg(data, im.mode, max(width, height), max_side, notes) if im.format == "JPEG" \
                else None
            if pixels is None:
                im = ImageOps.exif_transpose(im)           # phone photos: honour the orientation tag
                pixels = _to_rgb(im, notes)
        except (OSError, ValueError, SyntaxError):
            raise InvalidInput("image", "image_corrupt") from None
    original = (height, width) if turned else (width, height)
    pixels = fit_to_preview(pixels, max_side)
    if max(original) > max_side:
        notes.append(("downscaled", {"width": original[0], "height": original[1],
                                     "new_width": pixels.shape[1], "new_height": pixels.shape[0]}))
    return LoadedImage(pixels, original, tuple(notes))


def fit_to_preview(image, max_side):
    """Downscale (area interpolation) so that the long side is at most ``max_side``."""
    import cv2

    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image
    k = max_side / max(h, w)
    return cv2.resize(image, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """RGB uint8 -> JPEG bytes (OpenCV's encoder; previews are JPEG, which is far cheaper than WebP)."""
    import cv2

    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:   # pragma: no cover - OpenCV encodes any uint8 RGB array
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def draw_box(image: np.ndarray, box, color=(255, 0, 200)) -> np.ndarray:
    """A copy of ``image`` with ``box`` [x, y, w, h] outlined (for display only)."""
    import cv2

    out = image.copy()
    if box is None:
        return out
    x, y, w, h = box
    thickness = max(2, round(max(image.shape[:2]) / 250))
    x1, y1 = min(image.shape[1] - 1, round(x + w) - 1), min(image.shape[0] - 1, round(y + h) - 1)
    cv2.rectangle(out, (round(x), round(y)), (x1, y1), color, thickness)
    return out


def sample_photos() -> dict[str, str]:
    """The bundled sample photos, copied to a temporary folder (web apps may serve files from there)."""
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return {}
    source = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "images"
    target = Path(tempfile.gettempdir()) / "dllab-samples"
    target.mkdir(exist_ok=True)
    out = {}
    for name in SAMPLE_PHOTOS:
        if (source / name).is_file():
            if not (target / name).is_file():
                shutil.copyfile(source / name, target / name)
            out[Path(name).stem] = str(target / name)
    return out
