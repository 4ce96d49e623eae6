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

# System fonts only: a workshop room may have no internet, so nothing is fetched from a font CDN.
THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="orange",
                       font=["system-ui", "Noto Sans CJK SC", "sans-serif"],
                       font_mono=["ui-monospace", "DejaVu Sans Mono", "monospace"])
CSS = """
.dl-status p { margin: 0; font-variant-numeric: tabular-nums; }
.dl-help { font-size: 0.9em; opacity: 0.8; }
footer { display: none !important; }
"""

UNEXPECTED = ("Something unexpected went wrong ({kind}). DL Lab is still running: "
              "try again, or change the settings. If it happens again, tell the instructor.")


def _to_gr_error(exc: Exception) -> gr.Error:
    if isinstance(exc, DLLabError):
        log.info("refused: %s", exc.message)
        return gr.Error(exc.message, print_exception=False)
    log.exception("unexpected error in a handler")
    return gr.Error(UNEXPECTED.format(kind=type(exc).__name__), print_exception=False)


def error_boundary(fn):
    """Turn core's DLLabError (and anything unforeseen) into a gr.Error the page shows.

    Works for plain functions and generators alike; gr.Error passes through, and
    the wrapped function keeps its signature so the API's parameter names stay.
    """
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:  # noqa: BLE001 - this is the boundary
                raise _to_gr_error(exc) from None
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - this is the boundary
            raise _to_gr_error(exc) from None
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

from gradio.events import Dependency

class CheckedNumber(gr.Number):
    """A gr.Number whose value is checked by core, not by Gradio.

    Gradio's own check fails on text and reports "Value 1e+308 is greater than
    maximum value 300" without naming the control; passing the raw value on lets
    core.validate answer every API value with a message that names it.
    """

    is_template = True  # render with the stock Number component

    def preprocess(self, payload):
        return payload
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component


class CheckedSlider(gr.Slider):
    """A gr.Slider whose value is checked by core (see CheckedNumber)."""

    is_template = True

    def preprocess(self, payload):
        return payload
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component


def number_input(limit, **kwargs) -> CheckedNumber:
    """A number box whose bounds, default and label come from a core.config.NumberLimit."""
    kwargs.setdefault("label", limit.label)
    return CheckedNumber(limit.default, minimum=limit.minimum, maximum=limit.maximum,
                         precision=0 if limit.integer else None, **kwargs)


def slider_input(limit, step, **kwargs) -> CheckedSlider:
    """A slider whose range, default and label come from a core.config.NumberLimit."""
    kwargs.setdefault("label", limit.label)
    return CheckedSlider(limit.minimum, limit.maximum, value=limit.default, step=step, **kwargs)
class CheckedRadio(gr.Radio):
    """A gr.Radio whose choice is checked by core (see CheckedNumber)."""

    is_template = True

    def preprocess(self, payload):
        return payload
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component

    
class CheckedDropdown(gr.Dropdown):
    """A gr.Dropdown whose value is checked by core (its choices change at run time)."""

    is_template = True

    def preprocess(self, payload):
        return payload
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component

    
class CheckedCheckboxGroup(gr.CheckboxGroup):
    """A gr.CheckboxGroup whose values are checked by core (see CheckedNumber)."""

    is_template = True

    def preprocess(self, payload):
        return payload
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component

    