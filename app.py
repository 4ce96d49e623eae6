"""DL Lab: hands-on deep learning in the browser. This module only composes the tabs."""

from __future__ import annotations

import logging
import threading

import gradio as gr

from tabs import augment, common, i18n, train, uploads

TITLE = "DL Lab"


def build_demo() -> gr.Blocks:
    from core import config
    from core.runs import new_history

    with gr.Blocks(title=TITLE, delete_cache=(config.CACHE_SWEEP_S, config.CACHE_MAX_AGE_S)) as demo:
        lang = gr.State(i18n.DEFAULT)
        history = gr.State(new_history)        # this browser session's finished runs
        texts = i18n.Texts()
        with gr.Row(equal_height=True):
            texts.make(gr.Markdown, value_key="app.header")
            switch = gr.Radio(list(i18n.LANGUAGES), value=i18n.DEFAULT, label=i18n.tr("en", "app.language"),
                              elem_id="language", scale=0, min_width=200)
        with gr.Tabs():
            texts.extend(train.build(lang, history, switch))
            texts.extend(augment.build(lang, switch))

        def relabel(choice):
            choice = i18n.normalize(choice)
            return [choice, *texts.updates(choice)]

        switch.change(relabel, switch, [lang, *texts.components], queue=False, api_visibility="private")
        demo.load(i18n.from_request, None, switch, queue=False, api_visibility="private")
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
        logging.getLogger("dllab").exception("warm-up failed")


def launch_options() -> dict:
    """What `python app.py` passes to demo.launch(), besides the address (from Gradio's
    GRADIO_SERVER_PORT / GRADIO_SERVER_NAME when set)."""
    from starlette.middleware import Middleware

    return {"theme": common.THEME, "css": common.CSS, "max_file_size": common.MAX_UPLOAD_BYTES,
            "app_kwargs": {"middleware": [Middleware(uploads.DecodeUploadsAhead)]}}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    demo.launch(prevent_thread_lock=True, **launch_options())
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    demo.block_thread()
