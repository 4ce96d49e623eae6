"""What every tab shares: the error boundary, per-session stop signals, theme and CSS."""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections import defaultdict

import gradio as gr

from core.errors import DLLabError

log = logging.getLogger("dllab")

# Gradio refuses bigger uploads before they reach a handler; core's own limits are lower.
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
UPLOAD_ROUTE = "/gradio_api/upload"


class DecodeUploadsAhead:
    """ASGI middleware: once Gradio has stored an upload, start decoding it if it is an image.

    A page or API client uploads a file first and sends the event that uses it in a second
    request; the decode runs in that gap, and the event finds the image ready (or waits for
    the decode under way instead of starting its own). Only paths from Gradio's own reply to
    a successful upload are read, at most four per upload.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith(UPLOAD_ROUTE):
            await self.app(scope, receive, send)
            return
        reply = {"status": 0, "body": bytearray()}

        async def keep_reply(message):
            if message["type"] == "http.response.start":
                reply["status"] = message["status"]
            elif message["type"] == "http.response.body" and len(reply["body"]) < 64 * 1024:
                reply["body"] += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, keep_reply)     # returns once the files are in place
        folder = getattr(scope.get("app"), "uploaded_file_dir", None)
        if reply["status"] == 200 and folder:
            try:
                _decode_ahead(bytes(reply["body"]), folder)
            except Exception:
                log.exception("could not start decoding an upload ahead")   # the event decodes it


def _decode_ahead(body: bytes, folder: str) -> None:
    import json
    from pathlib import Path

    from core.images import decode_ahead

    try:
        paths = json.loads(body)
    except ValueError:
        return
    if isinstance(paths, list):
        folder = Path(folder).resolve()
        for path in paths[:4]:
            if isinstance(path, str) and Path(path).resolve().is_relative_to(folder):
                decode_ahead(path)

# System fonts only: a workshop room may have no internet, so nothing is fetched from a font CDN.
THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="orange",
                       font=["system-ui", "Noto Sans CJK SC", "sans-serif"],
                       font_mono=["ui-monospace", "DejaVu Sans Mono", "monospace"])
CSS = """
.dl-status p { margin: 0; font-variant-numeric: tabular-nums; }
.dl-help { font-size: 0.9em; opacity: 0.8; }
.dl-code textarea, .dl-code .cm-content { font-size: 12px; }
#language { max-width: 260px; }
"""

def _to_gr_error(exc: Exception, lang: str) -> gr.Error:
    from tabs.i18n import error_text, tr

    if isinstance(exc, DLLabError):
        log.info("refused: %s", exc.message)
        return gr.Error(error_text(lang, exc), print_exception=False)
    log.exception("unexpected error in a handler")
    return gr.Error(tr(lang, "error.unexpected", kind=type(exc).__name__), print_exception=False)


def _lang_of(signature: inspect.Signature, args, kwargs) -> str:
    try:
        return signature.bind_partial(*args, **kwargs).arguments.get("lang") or "en"
    except TypeError:
        return "en"


def error_boundary(fn):
    """Turn core's DLLabError (and anything unforeseen) into a gr.Error the page shows.

    Messages are in the language of the handler's ``lang`` argument, when it has one.
    Works for plain functions and generators alike; gr.Error passes through, and
    the wrapped function keeps its signature so the API's parameter names stay.
    """
    signature = inspect.signature(fn)
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:  # noqa: BLE001 - this is the boundary
                raise _to_gr_error(exc, _lang_of(signature, args, kwargs)) from None
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - this is the boundary
            raise _to_gr_error(exc, _lang_of(signature, args, kwargs)) from None
    return wrapper


class StopSignals:
    """Stop flags keyed by browser session, so one student's Stop never stops another's run."""

    def __init__(self):
        self._lock = threading.Lock()
        self._events: dict[str, set[threading.Event]] = defaultdict(set)

    def start(self, session: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events[session].add(event)
        return event

    def finish(self, session: str, event: threading.Event) -> None:
        with self._lock:
            events = self._events.get(session)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._events[session]

    def stop(self, session: str) -> int:
        """Signal every run of this session; returns how many were running."""
        with self._lock:
            events = list(self._events.get(session, ()))
        for event in events:
            event.set()
        return len(events)


def session_key(request: gr.Request | None) -> str:
    return (request.session_hash if request is not None else None) or "no-session"


class CheckedNumber(gr.Number):
    """A gr.Number whose value is checked by core, not by Gradio.

    Gradio's own check fails on text and reports "Value 1e+308 is greater than
    maximum value 300" without naming the control; passing the raw value on lets
    core.validate answer every API value with a message that names it.
    """

    is_template = True  # render with the stock Number component

    def preprocess(self, payload):
        return payload


class CheckedSlider(gr.Slider):
    """A gr.Slider whose value is checked by core (see CheckedNumber)."""

    is_template = True

    def preprocess(self, payload):
        return payload


class CheckedRadio(gr.Radio):
    """A gr.Radio whose choice is checked by core (see CheckedNumber)."""

    is_template = True

    def preprocess(self, payload):
        return payload


class CheckedDropdown(gr.Dropdown):
    """A gr.Dropdown whose value is checked by core (its choices change at run time)."""

    is_template = True

    def preprocess(self, payload):
        return payload


class CheckedCheckboxGroup(gr.CheckboxGroup):
    """A gr.CheckboxGroup whose values are checked by core (see CheckedNumber)."""

    is_template = True

    def preprocess(self, payload):
        return payload


def _lenient_image_data():
    """Gradio's ImageData, except that a value which is not an uploaded file (text, a
    number, a dict without Gradio's file marker) becomes an empty image instead of a
    validation error that the page shows without explanation. Nothing unchecked gets
    through: the empty image has no path, and core answers it with a clear message."""
    from gradio.data_classes import ImageData
    from pydantic import ValidationError, model_validator

    class LenientImageData(ImageData):
        @model_validator(mode="wrap")
        @classmethod
        def _not_a_file_is_empty(cls, value, handler):
            try:
                return handler(value)
            except (ValidationError, ValueError, TypeError):
                return cls.model_construct(path=None, url=None, orig_name=None)

    return LenientImageData


class CheckedImage(gr.Image):
    """A gr.Image that hands core the uploaded file itself, undecoded.

    Gradio's own preprocessing opens every upload with Pillow first, so a renamed
    text file or a 12000×12000 PNG fails (or fills memory) before core can refuse
    it with a clear message. Passing the path on lets core.images check the size
    and pixel count before decoding.
    """

    is_template = True
    data_model = _lenient_image_data()

    def preprocess(self, payload):
        if payload is None:
            return None
        url = getattr(payload, "url", None) or ""
        if payload.path is None and not url:
            return b""                              # not a file at all: core says so
        if url.startswith("data:"):
            import base64
            import binascii

            try:   # core checks the decoded size like a file's
                return base64.b64decode(url.split(",", 1)[-1])
            except (binascii.Error, ValueError):
                return b""
        # Only files that Gradio itself stored (uploads, webcam, examples) are read: an API
        # caller may send {"path": "/any/file"}, and Gradio hands such a path on unchecked.
        from gradio.utils import get_upload_folder, is_in_or_equal

        if payload.path and is_in_or_equal(payload.path, get_upload_folder()):
            return payload.path
        return b""


def table(rows: list[dict], columns: list[tuple[str, str]]) -> dict:
    """A gr.Dataframe value from row dicts: ``columns`` is [(field, heading), ...]."""
    return {"headers": [h for _, h in columns],
            "data": [[("" if r.get(f) is None else r.get(f)) for f, _ in columns] for r in rows]}


def throttled(records, interval: float):
    """Yield (record, due) pairs: ``due`` is True at most once per ``interval`` seconds."""
    import time

    last = 0.0
    for record in records:
        now = time.monotonic()
        due = now - last >= interval
        if due:
            last = now
        yield record, due


def number_input(limit, **kwargs) -> CheckedNumber:
    """A number box whose bounds, default and label come from a core.config.NumberLimit."""
    kwargs.setdefault("label", limit.label)
    return CheckedNumber(limit.default, minimum=limit.minimum, maximum=limit.maximum,
                         precision=0 if limit.integer else None, **kwargs)


def slider_input(limit, step, **kwargs) -> CheckedSlider:
    """A slider whose range, default and label come from a core.config.NumberLimit."""
    kwargs.setdefault("label", limit.label)
    return CheckedSlider(limit.minimum, limit.maximum, value=limit.default, step=step, **kwargs)
