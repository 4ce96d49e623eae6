"""English and 简体中文 for every label, help text, status line and error message.

One table per language (``tabs/strings/``, a module per tab); ``tr(lang, key, **params)``
reads it. Core errors carry a key and parameters; ``error_text`` renders them in the
session's language, and falls back to core's English message for anything the table
does not know.

Each tab registers its translatable components in a ``Texts`` object and app.py
relabels them all when the language switch changes; the first language comes from
the browser's Accept-Language header.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from tabs.strings import STRINGS

LANGUAGES = (("English", "en"), ("中文", "zh"))
DEFAULT = "en"


def normalize(lang: Any) -> str:
    return lang if lang in STRINGS else DEFAULT


def tr(lang: str, key: str, **params) -> str:
    """The text for ``key`` in ``lang`` with ``params`` filled in (English if the key is missing there)."""
    table = STRINGS[normalize(lang)]
    text = table.get(key) or STRINGS[DEFAULT].get(key) or key
    return text.format(**params) if params else text


def from_request(request: gr.Request | None) -> str:
    """'zh' when the browser prefers Chinese, else 'en'."""
    header = ""
    if request is not None:
        try:
            header = request.headers.get("accept-language", "") or ""
        except Exception:  # noqa: BLE001 - a request without headers (API) is English
            header = ""
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return DEFAULT


def error_text(lang: str, exc) -> str:
    """A core DLLabError in the user's language (core's English text when no translation exists)."""
    key = getattr(exc, "key", None)
    lang = normalize(lang)
    if lang == DEFAULT or not key or f"error.{key}" not in STRINGS[lang]:
        return exc.message
    params = dict(getattr(exc, "params", {}))
    if "control" in params:
        params["label"] = STRINGS[lang].get(f"field.{params['control']}", params.get("label", ""))
    try:
        return STRINGS[lang][f"error.{key}"].format(**params)
    except (KeyError, IndexError):
        return exc.message


class Texts:
    """A tab's translatable components and the text keys behind each of their properties."""

    def __init__(self):
        self._items: list[tuple[gr.components.Component, dict]] = []

    def add(self, component, **keys):
        """Register ``component``; ``keys`` maps a property (label, info, value, placeholder)
        to a text key, or ``choices`` to [(text key, value), ...]."""
        self._items.append((component, keys))
        return component

    def extend(self, other: "Texts") -> None:
        self._items.extend(other._items)

    @property
    def components(self) -> list:
        return [c for c, _ in self._items]

    def keys(self) -> set[str]:
        out = set()
        for _, keys in self._items:
            for prop, key in keys.items():
                if prop == "choices":
                    out.update(k for k, _ in key)
                else:
                    out.add(key)
        return out

    def updates(self, lang: str) -> list:
        lang = normalize(lang)
        out = []
        for _, keys in self._items:
            props = {}
            for prop, key in keys.items():
                if prop == "choices":
                    props["choices"] = [(tr(lang, k), v) for k, v in key]
                else:
                    props[prop] = tr(lang, key)
            out.append(gr.update(**props))
        return out
