"""Checks for values that arrive from the page or the public API.

Any parameter can arrive with any value and type (None, text where a number
belongs, 1e308, a huge string); these helpers turn them into clean Python values
or raise ``InvalidInput`` with a message that names the control.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from core.config import MAX_TEXT_FIELD_CHARS, NumberLimit
from core.errors import InvalidInput


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fmt(limit: NumberLimit, x: float) -> str:
    return str(int(x)) if limit.integer and float(x).is_integer() else f"{x:g}"


def number(value: Any, limit: NumberLimit) -> float | int:
    """``value`` as a number inside ``limit`` (an int when the limit is integer)."""
    label = limit.label
    lo, hi = _fmt(limit, limit.minimum), _fmt(limit, limit.maximum)
    if value is None or isinstance(value, bool):
        raise InvalidInput(label, f"{label} is required: give a number between {lo} and {hi}.")
    if isinstance(value, str):
        stripped = value.strip()
        if len(stripped) > 64:
            raise InvalidInput(label, f"{label} must be a number, not a {len(value)}-character text.")
        try:
            value = float(stripped)
        except ValueError:
            raise InvalidInput(label, f"{label} must be a number, got {_show(value)}.") from None
    if not isinstance(value, (int, float)):
        raise InvalidInput(label, f"{label} must be a number, got {type(value).__name__} {_show(value)}.")
    value = float(value)
    if not math.isfinite(value):
        raise InvalidInput(label, f"{label} must be a finite number, got {value}.")
    if not (limit.minimum <= value <= limit.maximum):
        raise InvalidInput(label, f"{label} must be between {lo} and {hi}, got {value:g}.")
    if limit.integer:
        if value != int(value):
            raise InvalidInput(label, f"{label} must be a whole number, got {value:g}.")
        return int(value)
    return value


def choice(value: Any, options: Sequence[str], label: str) -> str:
    """``value`` as one of ``options`` (case-insensitive)."""
    if isinstance(value, str) and value.strip().lower() in options:
        return value.strip().lower()
    allowed = ", ".join(f"'{o}'" for o in options)
    raise InvalidInput(label, f"{label} must be one of {allowed}, got {_show(value)}.")


def short_text(value: Any, label: str, max_chars: int = MAX_TEXT_FIELD_CHARS) -> str:
    """``value`` as a stripped string of at most ``max_chars`` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(label, f"{label} must be text, got {type(value).__name__}.")
    if len(value) > max_chars:
        raise InvalidInput(label, f"{label} is too long ({len(value)} characters; at most {max_chars}).")
    return value.strip()
