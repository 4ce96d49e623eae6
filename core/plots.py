"""Plotly figures for the Train tab: learning curves, decision boundary, confusion matrix.

Functions take plain records from core and return ``plotly.graph_objects.Figure``s;
they know nothing about the UI that shows them. Figures are built from plain dicts
with two axes side by side instead of ``make_subplots`` because they are redrawn
several times a second while a model trains.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

TRAIN_COLOR = "#2563eb"
VAL_COLOR = "#ea580c"
CLASS_COLORS = ("#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626",
                "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d")
_FONT = dict(family="system-ui, 'Noto Sans CJK SC', sans-serif", size=13)

# The words on the figures; a UI passes its own (translated) dict with the same keys.
TEXT = {
    "epoch": "epoch", "loss": "cross-entropy loss", "accuracy": "accuracy", "train": "train",
    "validation": "validation", "feature_1": "feature 1", "feature_2": "feature 2", "class": "class",
    "predicted": "predicted", "true": "true", "val_accuracy": "validation accuracy",
    "numpy": "NumPy (by hand)", "torch": "PyTorch (autograd)", "scratch_loss": "training loss",
}


def _words(text: dict | None) -> dict:
    return {**TEXT, **(text or {})}


_GRID = dict(gridcolor="#e5e7eb", zerolinecolor="#d1d5db", linecolor="#9ca3af", automargin=True)


def _figure(data: list, layout: dict):
    """A figure styled by hand rather than by a plotly template.

    A template is copied into every figure's JSON (about 7 KB) and costs most of
    the build time; the handful of settings below give the same clean look.
    """
    import plotly.graph_objects as go

    base = dict(template="none", font=_FONT, paper_bgcolor="white", plot_bgcolor="white",
                margin=dict(l=55, r=20, t=50, b=45), hoverlabel=dict(font=_FONT))
    for key, value in layout.items():
        if key.startswith(("xaxis", "yaxis")):
            value = {**_GRID, **value}
        base[key] = value
    return go.Figure(data=data, layout=base, skip_invalid=True)


def _two_panels(w: dict, epochs: int, left_title: str, right_title: str, **extra) -> dict:
    """Layout of two plots side by side over the same epochs: a loss (left) and an accuracy (right)."""
    x_range = [0.5, max(epochs, 1) + 0.5]
    return dict(
        height=340,
        xaxis=dict(domain=[0, 0.45], title=w["epoch"], range=x_range),
        yaxis=dict(title=left_title, rangemode="tozero"),
        xaxis2=dict(domain=[0.55, 1], title=w["epoch"], range=x_range, anchor="y2"),
        yaxis2=dict(title=right_title, range=[0, 1.02], anchor="x2"),
        legend=dict(orientation="h", y=1.12, x=0.5, xanchor="center"),
        **extra,
    )


def training_curves(history: Sequence, epochs: int, text: dict | None = None):
    """Loss (left) and accuracy (right) per epoch, training solid and validation dashed."""
    w = _words(text)
    x = [r.epoch for r in history]
    # (split, quantity, values, colour, dash, axes, in legend): one legend entry per split,
    # shared by both panels through legendgroup, so clicking "validation" hides both its curves.
    series = [
        ("train", "loss", [r.train_loss for r in history], TRAIN_COLOR, "solid", "x", "y", True),
        ("validation", "loss", [r.val_loss for r in history], VAL_COLOR, "dash", "x", "y", True),
        ("train", "accuracy", [r.train_accuracy for r in history], TRAIN_COLOR, "solid", "x2", "y2", False),
        ("validation", "accuracy", [r.val_accuracy for r in history], VAL_COLOR, "dash", "x2", "y2", False),
    ]
    data = [
        dict(type="scatter", mode="lines+markers" if len(x) < 30 else "lines", name=w[split],
             meta=f"{split} {quantity}", x=x, y=[round(v, 5) for v in y],
             line=dict(color=color, dash=dash, width=2), marker=dict(size=5),
             xaxis=xa, yaxis=ya, legendgroup=split, showlegend=legend,
             hovertemplate=f"{w[split]} {w[quantity]}: %{{y:.4f}}<extra>{w['epoch']} %{{x}}</extra>")
        for split, quantity, y, color, dash, xa, ya, legend in series
    ]
    return _figure(data, _two_panels(w, epochs, w["loss"], w["accuracy"], uirevision="curves"))


def overlay_curves(series: Sequence[tuple[str, Sequence]], epochs: int, text: dict | None = None,
                   highlight: str | None = None):
    """Validation accuracy of several runs on one plot (a sweep, or runs picked from the history)."""
    w = _words(text)
    data = []
    for i, (name, history) in enumerate(series):
        best = name == highlight
        data.append(dict(
            type="scatter", mode="lines", name=name + (" ★" if best else ""), meta=name,
            x=[r.epoch for r in history], y=[round(r.val_accuracy, 5) for r in history],
            line=dict(color=CLASS_COLORS[i % len(CLASS_COLORS)], width=4 if best else 2),
            hovertemplate=f"{name}: %{{y:.4f}}<extra>{w['epoch']} %{{x}}</extra>",
        ))
    layout = dict(
        height=360, xaxis=dict(title=w["epoch"], range=[0.5, max(epochs, 1) + 0.5]),
        yaxis=dict(title=w["val_accuracy"], range=[0, 1.02]),
        legend=dict(orientation="h", y=-0.22, x=0), uirevision="overlay",
    )
    return _figure(data, layout)


def scratch_curves(history: Sequence, epochs: int, text: dict | None = None):
    """The NumPy network's and its PyTorch twin's loss and accuracy: the curves lie on top of each other."""
    w = _words(text)
    x = [r.epoch for r in history]
    series = [
        ("numpy", [r.numpy_loss for r in history], TRAIN_COLOR, "solid", 6, "x", "y", True),
        ("torch", [r.torch_loss for r in history], VAL_COLOR, "dash", 2, "x", "y", True),
        ("numpy", [r.numpy_val_accuracy for r in history], TRAIN_COLOR, "solid", 6, "x2", "y2", False),
        ("torch", [r.torch_val_accuracy for r in history], VAL_COLOR, "dash", 2, "x2", "y2", False),
    ]
    data = [dict(type="scatter", mode="lines", name=w[who], meta=who, x=x, y=[round(v, 6) for v in y],
                 line=dict(color=color, dash=dash, width=width), opacity=0.55 if who == "numpy" else 1,
                 xaxis=xa, yaxis=ya, legendgroup=who, showlegend=legend)
            for who, y, color, dash, width, xa, ya, legend in series]
    return _figure(data, _two_panels(w, epochs, w["scratch_loss"], w["val_accuracy"]))


def decision_boundary(grid, data, text: dict | None = None):
    """The model's belief over the plane, with the validation points on top."""
    w = _words(text)
    n_classes = grid.proba.shape[-1]
    if n_classes == 2:
        # three decimals are more than a colour scale shows and keep each redraw's JSON small
        surface = dict(type="heatmap", x=grid.xs.round(4), y=grid.ys.round(4), z=grid.proba[..., 1].round(3),
                       zmin=0, zmax=1,
                       colorscale=[[0, "#bfdbfe"], [0.5, "#ffffff"], [1, "#fed7aa"]],
                       colorbar=dict(title=dict(text=f"P({data.class_names[1]})"), thickness=12),
                       hovertemplate="x=%{x:.2f}<br>y=%{y:.2f}<br>P=%{z:.2f}<extra></extra>")
    else:
        surface = dict(type="heatmap", x=grid.xs.round(4), y=grid.ys.round(4), z=grid.proba.argmax(-1),
                       colorscale="Turbo", opacity=0.35, showscale=False)
    points = []
    for k, name in enumerate(data.class_names):
        mask = data.y_val == k
        points.append(dict(
            type="scatter", mode="markers", name=f"{w['class']} {name}",
            x=data.raw_val[mask, 0], y=data.raw_val[mask, 1],
            marker=dict(color=CLASS_COLORS[k % len(CLASS_COLORS)], size=6,
                        line=dict(color="white", width=0.5)),
        ))
    layout = dict(
        height=380,
        xaxis=dict(title=w["feature_1"], range=[grid.xs[0], grid.xs[-1]]),
        yaxis=dict(title=w["feature_2"], range=[grid.ys[0], grid.ys[-1]]),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.0, yanchor="bottom"), uirevision="boundary",
    )
    return _figure([surface, *points], layout)


def confusion_matrix(matrix: Sequence[Sequence[int]], class_names: Sequence[str], text: dict | None = None):
    """Rows are the true class, columns the predicted one; the diagonal is what the model got right."""
    w = _words(text)
    z = np.asarray(matrix)
    names = [str(c) for c in class_names]
    size = max(260, 40 * len(names) + 120)
    heat = dict(type="heatmap", z=z, x=names, y=names, colorscale="Blues", showscale=False,
                text=z, texttemplate="%{text}",
                hovertemplate=f"{w['true']} %{{y}}, {w['predicted']} %{{x}}: %{{z}}<extra></extra>")
    layout = dict(
        height=size,
        xaxis=dict(title=w["predicted"], type="category", side="bottom"),
        yaxis=dict(title=w["true"], type="category", autorange="reversed"),
    )
    return _figure([heat], layout)
