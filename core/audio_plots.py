"""Plotly figures for the Transcribe tab: the waveform and the log-mel spectrogram, with the
words a speech engine heard marked where it heard them.

Like core.plots, figures are styled by hand (no template) and take the words they show from a
dict the UI passes in its own language. However long the audio, a figure holds at most
``config.PLOT_MAX_POINTS`` waveform values and ``config.PLOT_MAX_FRAMES`` spectrogram columns.
"""

from __future__ import annotations

import numpy as np

from core import config
from core.audio import log_mel, mel_times, waveform_points
from core.plots import _figure
from core.subtitles import as_span

WAVE_COLOR = "#2563eb"
SPAN_FILL = "rgba(234, 88, 12, 0.12)"
SPAN_LINE = "rgba(234, 88, 12, 0.7)"
LABEL_COLOR = "#111827"

TEXT = {"time": "time (s)", "amplitude": "amplitude", "mel_band": "mel band", "level": "dB (0: loudest)",
        "waveform": "waveform", "words": "words", "character": "character (_ is the blank)",
        "best_path": "most likely at each frame", "frame": "probability"}


def _words(text: dict | None) -> dict:
    return {**TEXT, **(text or {})}


def _segment_traces(segments, bottom: float, top: float, label_rows: tuple[float, float], fill: bool,
                    w: dict) -> list[dict]:
    """Each segment as a box from ``bottom`` to ``top`` (one trace for all, split by gaps) and its
    text above its middle, alternating between two rows so neighbouring words overlap less."""
    spans = [as_span(s) for s in segments or ()]
    if not spans:
        return []
    x, y = [], []
    for start, end, _ in spans:
        x += [start, start, end, end, start, None]
        y += [bottom, top, top, bottom, bottom, None]
    boxes = dict(type="scatter", mode="lines", x=x, y=y, fill="toself", meta="segments",
                 fillcolor=SPAN_FILL if fill else "rgba(0, 0, 0, 0)",
                 line=dict(color=SPAN_LINE if fill else "white", width=1), hoverinfo="skip", showlegend=False)
    labels = dict(type="scatter", mode="text", meta="words", name=w["words"], showlegend=False,
                  x=[round((start + end) / 2, 3) for start, end, _ in spans],
                  y=[label_rows[i % 2] for i in range(len(spans))], text=[text for _, _, text in spans],
                  customdata=[[round(start, 3), round(end, 3)] for start, end, _ in spans],
                  textfont=dict(color=LABEL_COLOR, size=11), cliponaxis=False,
                  hovertemplate="%{text}<br>%{customdata[0]:.2f}–%{customdata[1]:.2f} s<extra></extra>")
    return [boxes, labels]


def waveform_figure(audio, segments=None, text: dict | None = None):
    """The lowest and highest sample of each short stretch, as a band over time in seconds, so
    that a whole lecture and a single click both show; optional ``segments`` (``start``,
    ``end``, ``text``) as shaded spans labelled with their text."""
    w = _words(text)
    times, low, high = waveform_points(audio.samples, config.PLOT_MAX_POINTS // 2)    # two values per point
    reach = 1.1 * max(float(np.abs(low).max(initial=0)), float(np.abs(high).max(initial=0)), 0.05)
    times = times.astype(np.float32)       # a tenth of a millisecond is finer than any pixel
    data = [
        dict(type="scatter", mode="lines", x=times, y=high.round(4), meta="high", line=dict(color=WAVE_COLOR,
             width=0.8), hoverinfo="skip", showlegend=False),
        dict(type="scatter", mode="lines", x=times, y=low.round(4), meta="waveform", name=w["waveform"],
             fill="tonexty", fillcolor=WAVE_COLOR, line=dict(color=WAVE_COLOR, width=0.8), showlegend=False,
             hovertemplate=f"%{{x:.2f}} s<extra>{w['waveform']}</extra>"),
    ]
    data += _segment_traces(segments, -reach, reach, (0.93 * reach, 0.8 * reach), True, w)
    layout = dict(height=260, margin=dict(l=55, r=20, t=20, b=45),
                  xaxis=dict(title=w["time"], range=[0, max(audio.duration_s, 1e-3)]),
                  yaxis=dict(title=w["amplitude"], range=[-reach, reach], zeroline=False))
    return _figure(data, layout)


def spectrogram_figure(audio, segments=None, text: dict | None = None):
    """The log-mel spectrogram (time in seconds across, mel bands up, colour in dB below the loudest); optional
    ``segments`` outlined on it, their text in a band above it."""
    w = _words(text)
    z = log_mel(audio.samples)
    n_mels = z.shape[0]
    # Levels as whole dB above a floor 80 dB below the loudest, one byte each: plotly writes arrays
    # in base64 and escapes every "/" in it as six characters, which negative numbers are full of.
    levels = np.clip(np.rint(z - z.max() + 80), 0, 80).astype(np.uint8)
    heat = dict(type="heatmap", z=levels, x=mel_times(len(audio.samples)).astype(np.float32),
                y=np.arange(n_mels), zmin=0, zmax=80, colorscale="Viridis", meta="spectrogram",
                colorbar=dict(title=dict(text=w["level"]), thickness=12, tickvals=[0, 20, 40, 60, 80],
                              ticktext=["−80", "−60", "−40", "−20", "0"]),
                hovertemplate=f"%{{x:.2f}} s, {w['mel_band']} %{{y}}<extra></extra>")
    marks = _segment_traces(segments, -0.5, n_mels - 0.5, (n_mels + 5, n_mels + 1.5), False, w)
    layout = dict(height=300, margin=dict(l=55, r=20, t=20, b=45),
                  xaxis=dict(title=w["time"], range=[0, max(audio.duration_s, 1e-3)], showgrid=False),
                  yaxis=dict(title=w["mel_band"], range=[-0.5, n_mels + (8 if marks else 0) - 0.5], showgrid=False))
    return _figure([heat, *marks], layout)


def ctc_figure(view, text: dict | None = None):
    """A CTC emission (core.ctc.EmissionView): time across, every character of the alphabet up
    (the blank "_" and the word delimiter "|" included), colour the probability; the most likely
    character of each frame is marked, so "h h _ e l l _ l o" can be read off the picture."""
    w = _words(text)
    used = sorted(set(view.path.tolist()) | {view.labels.index("_")})
    rows = [i for i in range(len(view.labels)) if i in used or view.probs[:, i].max() > 0.05]
    times = (np.arange(view.probs.shape[0]) * view.frame_s).round(3)
    heat = dict(type="heatmap", z=view.probs[:, rows].T.round(3), x=times, y=[view.labels[i] for i in rows],
                zmin=0, zmax=1, colorscale="Blues", meta="emission",
                colorbar=dict(title=dict(text=w["frame"]), thickness=12),
                hovertemplate="%{x:.2f} s, %{y}: %{z:.2f}<extra></extra>")
    labelled = len(times) <= 200           # letters over the marks only while they can be read
    path = dict(type="scatter", mode="markers+text" if labelled else "markers", meta="path", name=w["best_path"], x=times,
                y=[view.labels[i] for i in view.path.tolist()], text=[view.labels[i] for i in view.path.tolist()],
                textposition="top center", textfont=dict(size=9, color="#ea580c"),
                marker=dict(color="#ea580c", size=5), hovertemplate="%{x:.2f} s: %{y}<extra></extra>")
    layout = dict(height=max(300, 16 * len(rows) + 120), margin=dict(l=55, r=20, t=30, b=45),
                  xaxis=dict(title=w["time"], showgrid=False),
                  yaxis=dict(title=w["character"], type="category", categoryorder="array",
                             categoryarray=[view.labels[i] for i in rows], showgrid=False),
                  legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    return _figure([heat, path], layout)
