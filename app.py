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
    """Import torch, scikit-learn and plotly and run one tiny training in the background,
    so that the first student to press Train does not wait for them."""
    try:
        from core import plots
        from core.train import TrainConfig, TrainingRun

        run = TrainingRun(TrainConfig(n_samples=100, epochs=2, hidden_sizes=(8,)))
        plots.training_curves(list(run.epochs()), 2).to_json()
        plots.decision_boundary(run.boundary(), run.data).to_json()
    except Exception:  # pragma: no cover - warm-up is best effort
        logging.getLogger("dllab").exception("warm-up import failed")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Port and address come from GRADIO_SERVER_PORT / GRADIO_SERVER_NAME when set.
    demo.launch(theme=common.THEME, css=common.CSS, prevent_thread_lock=True)
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    demo.block_thread()
