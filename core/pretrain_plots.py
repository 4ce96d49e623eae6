"""Plotly figures for the Pretrain tab: the loss curves as a tiny GPT learns (a fine-tune beside its
from-scratch twin), and the arithmetic exact match. Styled by hand like core.plots, words from the UI."""

from __future__ import annotations

from core.plots import TRAIN_COLOR, VAL_COLOR, _figure

SCRATCH_COLOR = "#6b7280"
AXIS_TITLE = dict(size=12)      # the loss axis's title is long: at this size it fits the plot's height

TEXT = {"step": "step", "loss": "cross-entropy (nats per character)", "train": "train", "validation": "validation",
        "scratch_train": "from scratch: train", "scratch_validation": "from scratch: validation",
        "exact_match": "exact match on held-out problems", "floor": "lowest possible loss",
        "accuracy": "exact match"}


def _words(text: dict | None) -> dict:
    return {**TEXT, **(text or {})}


def curves_figure(records, steps: int, floor: float | None = None, text: dict | None = None):
    """Training loss every step and validation loss at each evaluation (left); with arithmetic, the
    exact match at each evaluation (right). A fine-tune's from-scratch twin is drawn dashed in grey."""
    w = _words(text)
    steps_x = [r.step for r in records]
    evaluated = [r for r in records if r.val_loss is not None]
    data = [dict(type="scatter", mode="lines", x=steps_x, y=[r.train_loss for r in records], name=w["train"],
                 line=dict(color=TRAIN_COLOR, width=1.5), xaxis="x", yaxis="y"),
            dict(type="scatter", mode="lines+markers", x=[r.step for r in evaluated], y=[r.val_loss for r in evaluated],
                 name=w["validation"], line=dict(color=VAL_COLOR, width=2), marker=dict(size=5), xaxis="x", yaxis="y")]
    if any(r.scratch_train_loss is not None for r in records):
        data += [dict(type="scatter", mode="lines", x=steps_x, y=[r.scratch_train_loss for r in records],
                      name=w["scratch_train"], line=dict(color=SCRATCH_COLOR, width=1, dash="dot"), xaxis="x", yaxis="y"),
                 dict(type="scatter", mode="lines+markers", x=[r.step for r in evaluated],
                      y=[r.scratch_val_loss for r in evaluated], name=w["scratch_validation"],
                      line=dict(color=SCRATCH_COLOR, width=2, dash="dash"), marker=dict(size=4), xaxis="x", yaxis="y")]
    shapes = []
    if floor is not None:
        shapes.append(dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=floor, y1=floor,
                           line=dict(color="#16a34a", dash="dot", width=1)))
    arithmetic = any(r.exact_match is not None for r in evaluated)
    layout = dict(height=360, xaxis=dict(title=w["step"], range=[0, max(steps, 1)], domain=[0, 0.62 if arithmetic else 1]),
                  yaxis=dict(title=dict(text=w["loss"], font=AXIS_TITLE), rangemode="tozero"), shapes=shapes,
                  legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),    # clear of the label
                  margin=dict(l=60, r=20, t=40, b=50))
    if floor is not None:
        layout["annotations"] = [dict(text=w["floor"], xref="x domain", x=1, y=floor, yref="y", xanchor="right",
                                      yanchor="bottom", showarrow=False, font=dict(color="#16a34a", size=11))]
    if arithmetic:
        data.append(dict(type="scatter", mode="lines+markers", x=[r.step for r in evaluated],
                         y=[r.exact_match for r in evaluated], name=w["accuracy"], line=dict(color=TRAIN_COLOR),
                         xaxis="x2", yaxis="y2"))
        if any(r.scratch_exact_match is not None for r in evaluated):
            data.append(dict(type="scatter", mode="lines+markers", x=[r.step for r in evaluated],
                             y=[r.scratch_exact_match for r in evaluated], name=w["scratch_validation"],
                             line=dict(color=SCRATCH_COLOR, dash="dash"), showlegend=False, xaxis="x2", yaxis="y2"))
        layout.update(xaxis2=dict(title=w["step"], range=[0, max(steps, 1)], domain=[0.72, 1], anchor="y2"),
                      yaxis2=dict(title=dict(text=w["exact_match"], font=AXIS_TITLE), range=[0, 1.02], anchor="x2",
                                              tickformat=".0%"))
    return _figure(data, layout)
