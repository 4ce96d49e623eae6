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


TEXT_PROPERTIES = ("label", "info", "value", "placeholder")


class Texts:
    """A tab's translatable components and the text keys behind each of their properties.

    Build a component with ``make`` so each key is written once::

        tx.make(gr.Button, value_key="btn.train", variant="primary", elem_id="train-button")
        tx.make(CheckedRadio, choice_keys=MODEL_CHOICES, value="mlp", label_key="field.model")
        tx.make(gr.Markdown, value_key="train.ready", until_replaced=True)   # a status line
    """

    def __init__(self):
        # (component, {property: key}, whether its value is text only until a handler replaces it)
        self._items: list[tuple[gr.components.Component, dict, bool]] = []

    def make(self, factory, *args, choice_keys=None, until_replaced=False, **kwargs):
        """``factory(*args, **kwargs)`` built with its English texts, and registered.

        ``label_key``, ``info_key``, ``value_key`` and ``placeholder_key`` give the text key
        of that property; ``choice_keys`` is [(text key, value), ...]. Every other argument
        goes to ``factory`` (a component class or a function that builds one) unchanged.
        ``until_replaced``: see ``add``.
        """
        keys = {}
        for prop in TEXT_PROPERTIES:
            key = kwargs.pop(f"{prop}_key", None)
            if key is not None:
                keys[prop] = key
                kwargs[prop] = tr(DEFAULT, key)
        if choice_keys is not None:
            keys["choices"] = list(choice_keys)
            kwargs["choices"] = [(tr(DEFAULT, k), v) for k, v in choice_keys]
        return self.add(factory(*args, **kwargs), until_replaced=until_replaced, **keys)

    def add(self, component, until_replaced=False, **keys):
        """Register a component built elsewhere; ``keys`` maps a property (label, info, value,
        placeholder) to a text key, or ``choices`` to [(text key, value), ...].

        ``until_replaced``: the value's text is only what the component shows first (a status
        line, a code box's placeholder); the language switch translates it while it is still
        shown and leaves alone what a handler has written there since.
        """
        self._items.append((component, keys, until_replaced))
        return component

    def extend(self, other: "Texts") -> None:
        self._items.extend(other._items)

    @property
    def components(self) -> list:
        """Every registered component, in the order of ``updates``."""
        return [c for c, _, _ in self._items]

    @property
    def watched(self) -> list:
        """The components whose current value ``updates`` needs (those registered ``until_replaced``)."""
        return [c for c, _, until_replaced in self._items if until_replaced]

    def keys(self) -> set[str]:
        out = set()
        for _, keys, _ in self._items:
            for prop, key in keys.items():
                if prop == "choices":
                    out.update(k for k, _ in key)
                else:
                    out.add(key)
        return out

    def updates(self, lang: str, shown=None) -> list:
        """One gr.update per component, with its texts in ``lang``. ``shown`` holds the current
        values of ``watched`` (in that order); without it they are taken to be untouched."""
        lang = normalize(lang)
        shown = iter(shown) if shown is not None else None
        out = []
        for _, keys, until_replaced in self._items:
            current = next(shown) if shown is not None and until_replaced else None
            props = {}
            for prop, key in keys.items():
                if prop == "choices":
                    props["choices"] = [(tr(lang, k), v) for k, v in key]
                elif prop == "value" and until_replaced and shown is not None and not _shows(current, key):
                    continue                            # a handler's output: not ours to translate
                else:
                    props[prop] = tr(lang, key)
            out.append(gr.update(**props))
        return out


def _shows(value, key: str) -> bool:
    """Whether ``value`` is the text of ``key`` in one of the languages."""
    return isinstance(value, str) and value.strip() in {table.get(key, "").strip() for table in STRINGS.values()}
