"""Checks for values that arrive from the page or the public API.

Any parameter can arrive with any value and type (None, text where a number
belongs, 1e308, a huge string); these helpers turn them into clean Python values
or raise ``InvalidInput`` with a message that names the control. Each error also
carries a key and parameters (``control`` is the control's slug, like
``learning_rate``) so the UI can show it in the user's language.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from core.config import MAX_TEXT_FIELD_CHARS, NumberLimit
from core.errors import InvalidInput


def slug(label: str) -> str:
    """'No-repeat n-gram size' -> 'no_repeat_n_gram_size': the control's key in the UI's text table."""
    return label.lower().replace(" ", "_").replace("-", "_").replace("(", "").replace(")", "")


def show(value: Any) -> str:
    """A short, safe rendering of a user's value for a message."""
    if isinstance(value, str) and len(value) > 40:
        return f"a {len(value)}-character text"
    text = repr(value) if not isinstance(value, (list, dict, tuple)) else f"{type(value).__name__} {value!r}"
    return text if len(text) <= 40 else text[:37] + "..."


def _fmt(limit: NumberLimit, x: float) -> str:
    return str(int(x)) if limit.integer and float(x).is_integer() else f"{x:g}"


def _fail(label: str, key: str, **params) -> InvalidInput:
    return InvalidInput(label, key, control=slug(label), label=label, **params)


def number(value: Any, limit: NumberLimit) -> float | int:
    """``value`` as a number inside ``limit`` (an int when the limit is integer)."""
    label = limit.label
    lo, hi = _fmt(limit, limit.minimum), _fmt(limit, limit.maximum)
    if value is None or isinstance(value, bool):
        raise _fail(label, "required", lo=lo, hi=hi)
    if isinstance(value, str):
        try:
            if len(value) > 64:
                raise ValueError
            value = float(value.strip())
        except ValueError:
            raise _fail(label, "not_number", value=show(value)) from None
    if not isinstance(value, (int, float)):
        raise _fail(label, "not_number", value=show(value))
    value = float(value)
    if not math.isfinite(value):
        raise _fail(label, "not_finite", value=str(value))
    if not (limit.minimum <= value <= limit.maximum):
        raise _fail(label, "out_of_range", lo=lo, hi=hi, value=f"{value:g}")
    if limit.integer:
        if value != int(value):
            raise _fail(label, "not_integer", value=f"{value:g}")
        return int(value)
    return value


def choice(value: Any, options: Sequence[str], label: str) -> str:
    """``value`` as one of ``options`` (case-insensitive)."""
    if isinstance(value, str) and value.strip().lower() in options:
        return value.strip().lower()
    allowed = ", ".join(f"'{o}'" for o in options)
    raise _fail(label, "choice", options=allowed, value=show(value))


def choices(values: Any, options: Sequence[str], label: str, max_count: int) -> list[str]:
    """A list of distinct ``options`` (one value or text 'a, b' are accepted too), 1 to ``max_count`` long."""
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",") if v.strip()]
    if not isinstance(values, (list, tuple)):
        raise _fail(label, "not_list", value=show(values))
    if not values:
        raise _fail(label, "empty")
    if len(values) > max_count:
        raise _fail(label, "too_many", max=max_count, count=len(values))
    out: list[str] = []
    for v in values:
        v = choice(v, options, label)
        if v not in out:
            out.append(v)
    return out


def short_text(value: Any, label: str, max_chars: int = MAX_TEXT_FIELD_CHARS) -> str:
    """``value`` as a stripped string of at most ``max_chars`` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _fail(label, "not_text", value=type(value).__name__)
    if len(value) > max_chars:
        raise _fail(label, "too_long", count=len(value), max=max_chars)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:      # a lone surrogate ("\ud800"), which JSON can carry and no tokenizer reads
        raise _fail(label, "not_unicode") from None
    return value.strip()


def flag(value: Any, label: str) -> bool:
    """``value`` as a bool: True/False, 1/0 or the words 'true'/'false' (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _fail(label, "not_flag", value=show(value))
