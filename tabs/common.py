"""What every tab shares: the error boundary, per-session stop signals, throttling, tables,
theme and CSS, and the pieces every tab's layout repeats (a tab with its intro, the Record panel).

The components that leave checking to core are in tabs/widgets.py; the upload middleware
is in tabs/uploads.py.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections import defaultdict
from contextlib import contextmanager

import gradio as gr

from core.errors import DLLabError

log = logging.getLogger("dllab")

# Gradio refuses bigger uploads before they reach a handler; core's own limits are lower.
MAX_UPLOAD_BYTES = 32 * 1024 * 1024

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

    def answer(self, request: gr.Request | None, lang: str, tab: str) -> str:
        """A Stop button's handler: stop the caller's runs and say so ("<tab>.stopping", or
        "<tab>.nothing_running"), as a toast and as the returned text."""
        from tabs.i18n import tr

        stopped = self.stop(session_key(request))
        message = tr(lang, f"{tab}.stopping" if stopped else f"{tab}.nothing_running")
        gr.Info(message)
        return message


def session_key(request: gr.Request | None) -> str:
    return (request.session_hash if request is not None else None) or "no-session"


def table(rows: list[dict], columns: list[tuple[str, str]]) -> dict:
    """A gr.Dataframe value from row dicts: ``columns`` is [(field, heading), ...]."""
    return {"headers": [h for _, h in columns],
            "data": [[("" if r.get(f) is None else r.get(f)) for f, _ in columns] for r in rows]}


def throttled(records, interval: float, share: float | None = None):
    """Yield (record, due) pairs. ``due`` is True at most once per ``interval`` seconds, and only while
    the time the caller spends between records (its redraws, and Gradio sending them) stays within
    ``share`` (config.REDRAW_SHARE) of the time spent computing them, so live plots cost the same
    share of a run on a slow machine as on a fast one. A core.scheduler.Waiting is always due."""
    import time

    from core import config
    from core.scheduler import Waiting

    share = config.REDRAW_SHARE if share is None else share
    last = computing = drawing = 0.0
    records = iter(records)
    while True:
        started = time.monotonic()
        try:
            record = next(records)
        except StopIteration:
            return
        now = time.monotonic()
        if isinstance(record, Waiting):
            yield record, True
            continue
        computing += now - started
        due = now - last >= interval and drawing <= share * computing
        if due:
            last = now
        yield record, due
        drawing += time.monotonic() - now


def in_turns(kind: str, units, should_stop=None, most: int | None = None):
    """``units`` (a run's generator) driven turn by turn under core.scheduler: admitted as one job of
    ``kind`` for as long as it runs (or refused: the class is busy); yields its records, and a
    core.scheduler.Waiting while it waits for a core. ``most``: the threads its units can use."""
    from core.scheduler import SCHEDULER, scheduled

    with SCHEDULER.job(kind, should_stop=should_stop, most=most) as job:
        yield from scheduled(units, job)


def train_epochs(run, should_stop):
    """A core.train.TrainingRun's epochs: on the Ray cluster when one is connected (core.cluster),
    else here, in turns."""
    from core import cluster, cluster_runs

    if cluster.ready():
        return cluster_runs.train_epochs(run, should_stop)
    return in_turns("train", run.epochs(), should_stop)


def pretrain_steps(run, should_stop):
    """A core.pretrain.PretrainRun's steps: on the Ray cluster when one is connected, else here, in turns."""
    from core import cluster, cluster_runs

    if cluster.ready():
        return cluster_runs.pretrain_steps(run, should_stop)
    return in_turns("pretrain", run.steps(), should_stop)


def waiting_line(lang: str, waiting) -> str:
    """The status line of a run waiting for a core (a core.scheduler.Waiting)."""
    from tabs.i18n import tr

    return tr(lang, "queue.waiting", place=waiting.place, ahead=waiting.ahead,
              seconds=f"{max(waiting.estimate_s, 0.1):.1f}")


@contextmanager
def tab_with_intro(tx, name: str):
    """A top-level tab: its name is the text ``tab.<name>``, its id ``name``, and it opens with
    the text ``<name>.intro``; both are registered in ``tx`` for translation. Yields the tab."""
    with tx.make(gr.Tab, label_key=f"tab.{name}", id=name) as tab:
        tx.make(gr.Markdown, value_key=f"{name}.intro")
        yield tab


def record_accordion(tx, elem_id: str | None = None, panel_id: str | None = None) -> gr.JSON:
    """The closed "Record (what the API returns)" panel under a result; returns its JSON box.
    ``elem_id`` is the box's, ``panel_id`` the panel's (for browser tests)."""
    with tx.make(gr.Accordion, label_key="acc.record", open=False, elem_id=panel_id):
        return gr.JSON(elem_id=elem_id)
