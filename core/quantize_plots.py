"""Plotly figures for the Quantize tab: every method's size and speed side by side, and one
layer's weights before and after, with the int8 grid they land on.

Like core.plots, figures are styled by hand (no template) and take their words from a dict the
UI passes in its own language.
"""

from __future__ import annotations

import numpy as np

from core.plots import _figure

FP32_COLOR = "#9ca3af"
METHOD_COLOR = "#2563eb"
SKIPPED_COLOR = "#e5e7eb"
ONE_COLOR = "#ea580c"
ALL_COLOR = "#2563eb"
BEFORE_COLOR = "rgba(156, 163, 175, 0.75)"
AFTER_COLOR = "rgba(37, 99, 235, 0.85)"
GRID_COLOR = "rgba(234, 88, 12, 0.45)"

TEXT = {
    "size_title": "Saved size", "size_axis": "MB (state dict as saved)", "speed_title": "Speed-up over fp32",
    "speed_axis": "× fp32 (above 1: faster)", "one_thread": "1 thread", "all_threads": "all threads",
    "fp32": "fp32", "not_applicable": "does not apply", "weights_title": "Weights of {layer}",
    "value": "weight value", "count": "weights", "before": "fp32", "after": "after {method}",
    "zoom_title": "Close-up: weights ÷ the int8 step", "steps": "int8 steps (whole numbers are the grid)",
    "no_grid": "{method} has no int8 grid: the values are rounded to fewer bits of mantissa",
}


def _words(text: dict | None) -> dict:
    return {**TEXT, **(text or {})}


def tick_label(name: str, width: int = 30) -> str:
    """A method's name as an axis label: a long one is broken before its parenthesis or after its
    comma, so that the rotated labels do not squeeze the plots (Chinese names break the same way)."""
    if len(name) <= width:
        return name
    for mark, keep in (("（", False), (" (", False), ("，", True), (", ", True)):
        at = name.find(mark)
        if 0 < at:
            cut = at + len(mark) if keep else at
            return name[:cut].rstrip() + "<br>" + tick_label(name[cut:].strip(), width)
    return name


def size_speed_figure(records: list[dict], names: dict | None = None, text: dict | None = None):
    """Two panels: saved megabytes of fp32 and of each method (the ratio on each bar), and each
    method's latency speed-up over fp32 at one thread and at all threads. ``records`` are
    QuantizeResult.records(); ``names`` maps a method to the name shown (default: the method)."""
    w, names = _words(text), names or {}
    applied = [r for r in records if r.get("applies")]
    fp32_mb = applied[0]["bytes_fp32"] / 1e6 if applied else None
    method_labels = [tick_label(names.get(r["method"], r["method"])) for r in records]
    labels = [w["fp32"]] + method_labels
    sizes = [fp32_mb] + [r["bytes"] / 1e6 if r.get("bytes") else 0.0 for r in records]
    colors = [FP32_COLOR] + [METHOD_COLOR if r.get("applies") else SKIPPED_COLOR for r in records]
    bar_text = ["1×"] + [f"{r['ratio']:.2f}×" if r.get("ratio") else w["not_applicable"] for r in records]
    # Plotly shrinks a label that is wider than its bar: "does not apply" became unreadable.
    labelled = dict(textposition="outside", cliponaxis=False, constraintext="none", textfont=dict(size=11))
    data = [dict(type="bar", x=labels, y=sizes, marker=dict(color=colors), text=bar_text, showlegend=False,
                 hovertemplate="%{x}: %{y:.3f} MB<extra></extra>", xaxis="x", yaxis="y", **labelled)]
    speeds = [0.0]
    for key, name, color in (("speedup_1t", w["one_thread"], ONE_COLOR), ("speedup", w["all_threads"], ALL_COLOR)):
        values = [r.get(key) for r in records]
        speeds += [v for v in values if v]
        data.append(dict(type="bar", x=method_labels, y=values, name=name, marker=dict(color=color),
                         text=[f"{v:.2f}×" if v else "" for v in values],
                         hovertemplate=name + ": %{y:.2f}×<extra></extra>", xaxis="x2", yaxis="y2", **labelled))
    # A method that does not apply says so on the speed panel too, centred on its empty place.
    skipped = [dict(text=w["not_applicable"], x=label, y=0, xref="x2", yref="y2", yanchor="bottom", showarrow=False,
                    font=dict(size=11)) for label, r in zip(method_labels, records) if not r.get("applies")]
    layout = dict(
        height=420, barmode="group",
        # Room above the tallest bar for its label (the speed panel always shows 1, the dotted line).
        xaxis=dict(domain=[0, 0.46], tickangle=-30, automargin=True),
        yaxis=dict(title=w["size_axis"], range=[0, 1.15 * (max(s or 0.0 for s in sizes) or 1.0)]),
        xaxis2=dict(domain=[0.56, 1], anchor="y2", tickangle=-30, automargin=True),
        yaxis2=dict(title=w["speed_axis"], anchor="x2", range=[0, 1.15 * max(1.0, *speeds)]),
        shapes=[dict(type="line", xref="x2 domain", x0=0, x1=1, yref="y2", y0=1, y1=1,
                     line=dict(color="#6b7280", dash="dot", width=1))],
        # The panels' titles sit on their own line, the legend on the line below: they used to overlap.
        annotations=[dict(text=f"<b>{w['size_title']}</b>", x=0.23, y=1.0, yshift=46, xref="paper", yref="paper",
                          showarrow=False, xanchor="center", yanchor="bottom"),
                     dict(text=f"<b>{w['speed_title']}</b>", x=0.78, y=1.0, yshift=46, xref="paper", yref="paper",
                          showarrow=False, xanchor="center", yanchor="bottom"), *skipped],
        legend=dict(orientation="h", x=0.78, xanchor="center", y=1.0, yanchor="bottom"),
        margin=dict(l=60, r=20, t=80, b=40),
    )
    return _figure(data, layout)


def histogram_figure(hist, method_name: str, text: dict | None = None, layer_name: str | None = None):
    """One layer's weights before (grey) and after (blue) a method over the whole range (left), and
    a close-up around zero in units of the int8 step (right), where the quantized weights stand on
    whole numbers and the fp32 ones spread between them. ``hist`` is a core.quantize_run.LayerHistogram;
    ``layer_name`` is how the title names the layer (default: its module name)."""
    w = _words(text)
    centers = (hist.edges[:-1] + hist.edges[1:]) / 2
    width = float(hist.edges[1] - hist.edges[0])
    after = w["after"].format(method=method_name)
    data = [dict(type="bar", x=centers, y=hist.before, width=width, name=w["before"],
                 marker=dict(color=BEFORE_COLOR), xaxis="x", yaxis="y"),
            dict(type="bar", x=centers, y=hist.after, width=width, name=after,
                 marker=dict(color=AFTER_COLOR), xaxis="x", yaxis="y")]
    annotations = [dict(text=f"<b>{w['weights_title'].format(layer=layer_name or hist.layer)}</b>", x=0.23, y=1.1, xref="paper",
                        yref="paper", showarrow=False, xanchor="center")]
    shapes = []
    if hist.zoom_edges is not None:
        zc = (hist.zoom_edges[:-1] + hist.zoom_edges[1:]) / 2
        zw = float(hist.zoom_edges[1] - hist.zoom_edges[0])
        data += [dict(type="bar", x=zc, y=hist.zoom_before, width=zw, marker=dict(color=BEFORE_COLOR),
                      showlegend=False, xaxis="x2", yaxis="y2"),
                 dict(type="bar", x=zc, y=hist.zoom_after, width=zw, marker=dict(color=AFTER_COLOR),
                      showlegend=False, xaxis="x2", yaxis="y2")]
        lo, hi = int(np.ceil(hist.zoom_edges[0])), int(np.floor(hist.zoom_edges[-1]))
        shapes = [dict(type="line", xref="x2", yref="y2 domain", x0=k, x1=k, y0=0, y1=1,
                       line=dict(color=GRID_COLOR, width=1, dash="dot")) for k in range(lo, hi + 1)]
        annotations.append(dict(text=f"<b>{w['zoom_title']}</b>", x=0.78, y=1.1, xref="paper", yref="paper",
                                showarrow=False, xanchor="center"))
    else:
        annotations.append(dict(text=w["no_grid"].format(method=method_name), x=0.78, y=0.5, xref="paper",
                                yref="paper", showarrow=False, xanchor="center", font=dict(color="#6b7280")))
    layout = dict(
        height=370, barmode="overlay", bargap=0,
        xaxis=dict(domain=[0, 0.46], title=w["value"]), yaxis=dict(title=w["count"], rangemode="tozero"),
        xaxis2=dict(domain=[0.56, 1], anchor="y2", title=w["steps"], visible=hist.zoom_edges is not None),
        yaxis2=dict(anchor="x2", rangemode="tozero", visible=hist.zoom_edges is not None),
        shapes=shapes, annotations=annotations,
        # Below the axis titles, not on them.
        legend=dict(orientation="h", x=0, y=0.01, yref="container", yanchor="bottom"), margin=dict(l=60, r=20, t=60, b=100),
    )
    return _figure(data, layout)
