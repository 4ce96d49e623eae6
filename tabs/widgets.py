"""Gradio components that hand core the raw value, so core's checks answer every input.

Gradio checks some values itself (a number's range, a radio's choices, an image's
format) and answers with messages that do not name the control, or opens an upload
before core can refuse it. These components pass the value on untouched and leave
the checking to core, which names the control in the user's language.
"""

from __future__ import annotations

import gradio as gr
from gradio.data_classes import FileData, ImageData


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


def stored_upload(path) -> str | None:
    """``path`` when it is a file Gradio itself stored (an upload, a webcam shot, an example),
    else None.

    An API caller may send {"path": "/any/file"}, and Gradio hands such a path on
    unchecked; a component that reads files from paths reads only these.
    """
    from gradio.utils import get_upload_folder, is_in_or_equal

    if path and is_in_or_equal(path, get_upload_folder()):
        return str(path)
    return None


def _lenient(data_class):
    """Gradio's ``data_class`` (ImageData, FileData), except that a value which is not an uploaded
    file (text, a number, a dict without Gradio's file marker) becomes an empty one instead of a
    validation error that the page shows without explanation. Nothing unchecked gets through:
    the empty value has no path, and core answers it with a clear message."""
    from pydantic import ValidationError, model_validator

    class Lenient(data_class):
        @model_validator(mode="wrap")
        @classmethod
        def _not_a_file_is_empty(cls, value, handler):
            try:
                return handler(value)
            except (ValidationError, ValueError, TypeError):
                return cls.model_construct(path=None, url=None, orig_name=None)

    Lenient.__name__ = f"Lenient{data_class.__name__}"
    return Lenient


class CheckedImage(gr.Image):
    """A gr.Image that hands core the uploaded file itself, undecoded.

    Gradio's own preprocessing opens every upload with Pillow first, so a renamed
    text file or a 12000×12000 PNG fails (or fills memory) before core can refuse
    it with a clear message. Passing the path on lets core.images check the size
    and pixel count before decoding.
    """

    is_template = True
    data_model = _lenient(ImageData)

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
        return stored_upload(payload.path) or b""


class CheckedAudio(gr.Audio):
    """A gr.Audio that hands core the stored file itself, undecoded (type "filepath").

    Gradio would convert some uploads with ffmpeg before a handler sees them; core.audio reads
    every format it accepts with soundfile and checks size and duration from the header first.
    Only files Gradio stored are passed on; anything else becomes b"" and core says so.
    """

    is_template = True
    data_model = _lenient(FileData)

    def preprocess(self, payload):
        if payload is None:
            return None
        path = getattr(payload, "path", None)
        return (stored_upload(path) if path else None) or b""


def number_input(limit, **kwargs) -> CheckedNumber:
    """A number box whose bounds, default and label come from a core.config.NumberLimit."""
    kwargs.setdefault("label", limit.label)
    return CheckedNumber(limit.default, minimum=limit.minimum, maximum=limit.maximum,
                         precision=0 if limit.integer else None, **kwargs)


def slider_input(limit, step, **kwargs) -> CheckedSlider:
    """A slider whose range, default and label come from a core.config.NumberLimit."""
    kwargs.setdefault("label", limit.label)
    return CheckedSlider(limit.minimum, limit.maximum, value=limit.default, step=step, **kwargs)
