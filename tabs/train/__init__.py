"""Train tab: small classifiers trained live, swept, compared, fused, exported, and rebuilt in NumPy.

The settings column (settings.py) feeds four panels, one module each: the main run
(main.py), the learning-rate sweep (sweep.py), history & fusion (history.py) and
NumPy from scratch (scratch.py).
"""

from __future__ import annotations

import gradio as gr

from tabs.common import tab_with_intro
from tabs.i18n import Texts
from tabs.train import history as history_panel
from tabs.train import main, scratch, settings, sweep


def build(lang: gr.State, history: gr.State, switch: gr.Radio) -> Texts:
    """Lay out the Train tab and wire its events; returns its translatable components.

    ``lang`` holds the session's language for handlers, ``switch`` is the language control
    (for text that depends on other inputs), ``history`` the session's RunHistory.
    """
    tx = Texts()
    with tab_with_intro(tx, "train"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=330):
                s = settings.build(tx, lang, switch)
            with gr.Column(scale=2):
                with gr.Tabs():
                    run = main.build(tx, s, lang, history)
                    swept = sweep.build(tx, s, lang, history, run.stop_reply)
                    history_panel.build(tx, lang, history, run.code, [run.trained, swept])
                    scratch.build(tx, s, lang, run.stop_reply)
    return tx
