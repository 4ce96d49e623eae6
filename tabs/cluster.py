"""The line under the header that says where heavy runs compute, when a Ray cluster is configured
(core/cluster.py): connecting, connected, or unavailable and why. Hidden otherwise."""

from __future__ import annotations

import gradio as gr

from tabs.i18n import tr

POLL_S = 2.0        # while connecting, the line is refreshed this often


def line(lang: str) -> tuple[str, bool]:
    """(the text, whether it is still connecting); an empty text when no cluster is configured."""
    from core import cluster

    now = cluster.status()
    if now.state == "off":
        return "", False
    return tr(lang, f"cluster.{now.state}", address=now.address, detail=now.detail), now.state == "connecting"


def build(demo: gr.Blocks, switch: gr.Radio) -> gr.Markdown:
    """The line, refreshed when the page loads, when the language changes and, while connecting,
    every POLL_S seconds."""
    from tabs.i18n import normalize

    shown = gr.Markdown(visible=False, elem_id="cluster-status")
    timer = gr.Timer(POLL_S, active=False)

    def refresh(choice):
        text, connecting = line(normalize(choice))
        return gr.Markdown(value=text, visible=bool(text)), gr.Timer(active=connecting)

    for event in (demo.load, switch.change, timer.tick):
        event(refresh, switch, [shown, timer], queue=False, api_visibility="private")
    return shown
