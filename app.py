"""DL Lab: hands-on deep learning in the browser. This module only composes the tabs."""

from __future__ import annotations

import logging
import threading

import gradio as gr

from tabs import common, train

TITLE = "DL Lab"
HEADER = "# DL Lab\nHands-on deep learning from first principles: change a setting, press a button, watch what happens."


def build_demo() -> gr.Blocks:
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(HEADER)
        with gr.Tabs():
            train.build()
    return demo


demo = build_demo()


def _warm_up() -> None:
    """Import the heavy libraries in the background so the first click is quick."""
    try:
        import core.train  # noqa: F401  (torch, scikit-learn)
        import core.plots  # noqa: F401
        import plotly.graph_objects  # noqa: F401
    except Exception:  # pragma: no cover - warm-up is best effort
        logging.getLogger("dllab").exception("warm-up import failed")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Port and address come from GRADIO_SERVER_PORT / GRADIO_SERVER_NAME when set.
    demo.launch(theme=common.THEME, css=common.CSS, prevent_thread_lock=True)
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    demo.block_thread()
