"""Plotly figures for the Generate tab: the next-token distribution and an attention map.

Like core.plots, figures are styled by hand (no template) and take the words they show
from a dict the UI passes in its own language.
"""

from __future__ import annotations

from typing import Sequence

from core.plots import _figure

KEPT_COLOR = "#4f46e5"
CUT_COLOR = "#d1d5db"
RENORM_COLOR = "#ea580c"
CHOSEN_COLOR = "#16a34a"

TEXT = {
    "probability": "probability (after temperature)", "renormalized": "after top-k / top-p, renormalised",
    "cut": "cut by top-k / top-p", "chosen": "chosen", "rank": "rank", "query": "token (looking)",
    "key": "token (looked at)", "weight": "attention", "layer": "layer", "head": "head",
}


def _words(text: dict | None) -> dict:
    return {**TEXT, **(text or {})}


def visible(token: str) -> str:
    """A token with its whitespace made visible (a group of bytes, like <e6 b7>, stays as it is)."""
    if token.startswith("<") and token.endswith(">") and all(len(b) == 2 for b in token[1:-1].split(" ")):
        return token
    return token.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥") or "∅"


def token_label(token: str, token_id: int) -> str:
    """A token as a chart label, with its id so that labels never collide."""
    return f"{visible(token)}  #{token_id}"


def next_token_chart(candidates: Sequence[dict], text: dict | None = None, chosen: dict | None = None,
                     title: str = ""):
    """Horizontal bars, most likely on top: each candidate's probability (grey when top-k or top-p
    cuts it) beside its renormalised share among the survivors. ``chosen`` ({id, token, prob, rank})
    marks the token that was picked, added at the bottom when it is not among the candidates."""
    w = _words(text)
    rows = [dict(c) for c in candidates]
    if chosen is not None and all(c["id"] != chosen["id"] for c in rows):
        rows.append({"token": chosen["token"], "id": chosen["id"], "prob": chosen["prob"], "kept": True,
                     "renormalized": chosen.get("renormalized", 0.0)})
    labels = [token_label(c["token"], c["id"]) for c in rows]
    is_chosen = [chosen is not None and c["id"] == chosen["id"] for c in rows]
    colors = [CHOSEN_COLOR if pick else (KEPT_COLOR if c["kept"] else CUT_COLOR) for c, pick in zip(rows, is_chosen)]
    probs = dict(type="bar", orientation="h", name=w["probability"], y=labels,
                 x=[round(c["prob"], 5) for c in rows], marker=dict(color=colors),
                 text=[f"{c['prob']:.1%}" + ("" if c["kept"] else f" · {w['cut']}") for c in rows],
                 textposition="outside", cliponaxis=False,
                 hovertemplate="%{y}: %{x:.2%}<extra></extra>")
    renorm = dict(type="bar", orientation="h", name=w["renormalized"], y=labels,
                  x=[round(c["renormalized"], 5) for c in rows], marker=dict(color=RENORM_COLOR, opacity=0.55),
                  hovertemplate="%{y}: %{x:.2%}<extra></extra>")
    top = max([c["prob"] for c in rows] + [c["renormalized"] for c in rows] + [0.01])
    layout = dict(
        height=max(280, 24 * len(rows) + 110), barmode="group", bargap=0.25,
        xaxis=dict(range=[0, min(1.0, top * 1.25)], tickformat=".0%" if top > 0.1 else ".1%"),
        yaxis=dict(autorange="reversed", type="category", tickfont=dict(family="ui-monospace, monospace")),
        legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"), margin=dict(l=150, r=40, t=60, b=40),
    )
    if title:
        layout["title"] = dict(text=title, x=0, font=dict(size=14))
    if chosen is not None:
        layout["annotations"] = [dict(xref="paper", yref="paper", x=1, y=1.0, yanchor="bottom", showarrow=False,
                                      text=f"{w['chosen']}: {token_label(chosen['token'], chosen['id'])} · "
                                           f"{w['rank']} {chosen['rank']} · {chosen['prob']:.1%}",
                                      font=dict(color=CHOSEN_COLOR))]
    return _figure([probs, renorm], layout)


def attention_heatmap(record: dict, text: dict | None = None):
    """Rows: the token doing the looking; columns: the tokens it looks at (earlier ones only)."""
    w = _words(text)
    labels = [f"{i}: {visible(t)}" for i, t in enumerate(record["tokens"])]
    n = len(labels)
    heat = dict(type="heatmap", z=record["weights"], x=labels, y=labels, colorscale="Blues", zmin=0, zmax=1,
                colorbar=dict(title=dict(text=w["weight"]), thickness=12),
                hovertemplate=f"%{{y}} → %{{x}}: %{{z:.3f}}<extra>{w['layer']} {record['layer']}, "
                              f"{w['head']} {record['head']}</extra>")
    size = min(760, max(320, 14 * n + 160))
    layout = dict(
        height=size,
        xaxis=dict(title=w["key"], type="category", tickangle=-60, tickfont=dict(size=10)),
        yaxis=dict(title=w["query"], type="category", autorange="reversed", tickfont=dict(size=10)),
        margin=dict(l=110, r=20, t=30, b=110),
    )
    return _figure([heat], layout)
