"""Transcribe tab, live mode: the microphone streamed, the transcript growing as the student speaks.

Each browser session keeps its own core.live.LiveTranscriber in a gr.State (its decoder and
its bounded audio); nothing is shared between students.
"""

from __future__ import annotations

import gradio as gr

from core import config
from tabs.common import error_boundary
from tabs.i18n import tr


@error_boundary
def start(engine, phrases, filter, lang="en"):  # noqa: A002
    """A fresh transcriber when recording starts; returns (state, status)."""
    from core.live import LiveTranscriber
    from core.speech import TranscribeConfig

    cfg = TranscribeConfig.from_user(engine, "fp32", "auto", phrases, filter)
    live = LiveTranscriber(cfg.engine, cfg.phrases, cfg.filter)
    return live, tr(lang, "live.listening", engine=tr(lang, f"engine.{cfg.engine}"))


@error_boundary
def listen(chunk, live, lang="en"):
    """One chunk from the microphone (rate, int16 samples); returns (transcript so far, state)."""
    if live is None or chunk is None:          # not started yet: leave the state to start()
        return gr.skip(), gr.skip()
    rate, samples = chunk
    return live.add(rate, samples), live


@error_boundary
def finish(live, lang="en"):
    """Recording stopped: the whole transcript, its files and a status line; the state is let go."""
    from tabs.transcribe.run import downloads

    if live is None:
        return gr.skip(), gr.skip(), gr.skip(), None
    text, segments, hidden = live.finish()
    record = {"engine": live.config.engine, "text": text, "duration_s": round(live.seconds, 3), "masked": hidden,
              "segments": [{"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text} for s in segments]}
    status = tr(lang, "live.done", seconds=f"{live.seconds:.1f}", n=len(segments))
    if live.full:
        status += " " + tr(lang, "live.full", max=config.LIVE_MAX_SECONDS)
    return text, downloads(record), status, None


def let_go(live) -> None:
    """A session's state is deleted (its tab closed, or an hour passed): end its transcriber."""
    if live is not None:
        try:
            live.finish()
        except Exception:  # noqa: BLE001 - nothing waits for this result
            pass
