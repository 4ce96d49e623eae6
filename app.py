"""DL Lab: hands-on deep learning in the browser. This module only composes the tabs."""

from __future__ import annotations

import logging

import gradio as gr

from tabs import augment, cluster, common, generate, i18n, pretrain, quantize, train, transcribe, uploads

TITLE = "DL Lab"


def server_load() -> dict:
    """How busy the cores are (core/scheduler.py): cores, free cores, runs admitted, computing now, waiting;
    and where heavy work computes (core/cluster.py): "cluster" is off, connecting, ready or unavailable."""
    from core import cluster
    from core.scheduler import SCHEDULER

    return {**SCHEDULER.snapshot(), "cluster": cluster.status().state}


def build_demo() -> gr.Blocks:
    from core import config
    from core.lm_registry import new_registry
    from core.runs import new_history

    with gr.Blocks(title=TITLE, delete_cache=(config.CACHE_SWEEP_S, config.CACHE_MAX_AGE_S)) as demo:
        lang = gr.State(i18n.DEFAULT)
        history = gr.State(new_history)        # this browser session's finished runs
        lms = gr.State(new_registry)           # and the language models it pretrained (Pretrain, Generate)
        texts = i18n.Texts()
        with gr.Row(equal_height=True):
            texts.make(gr.Markdown, value_key="app.header")
            switch = gr.Radio(list(i18n.LANGUAGES), value=i18n.DEFAULT, label=i18n.tr("en", "app.language"),
                              elem_id="language", scale=0, min_width=200)
        cluster.build(demo, switch)
        with gr.Tabs():
            texts.extend(train.build(lang, history, switch))
            texts.extend(augment.build(lang, switch))
            texts.extend(generate.build(lang, lms, switch))
            texts.extend(transcribe.build(lang, switch))
            texts.extend(quantize.build(lang, history, switch))
            texts.extend(pretrain.build(lang, lms, switch))

        def relabel(choice, *shown):
            choice = i18n.normalize(choice)
            return [choice, *texts.updates(choice, shown)]

        switch.change(relabel, [switch, *texts.watched], [lang, *texts.components], queue=False,
                      api_visibility="private")
        demo.load(i18n.from_request, None, switch, queue=False, api_visibility="private")
        gr.api(server_load, api_name="server_load", queue=False)
    demo.queue(max_size=config.QUEUE_MAX_SIZE)
    return demo


# A worker process (core/sphinx.py's, started with multiprocessing's spawn) imports this module as
# __mp_main__: it needs no page.
demo = build_demo() if __name__ != "__mp_main__" else None


# Each capability's warm-up ("module.function"), run in the main thread once the server is up.
# They are named, not imported, so that start-up does not import torch or OpenCV.
WARM_UPS = ("core.train.warm_up", "core.pipeline.warm_up", "core.generate.warm_up", "core.sphinx.warm_up")
# The Ray cluster, when DLLAB_RAY_ADDRESS names one, is connected last, from the main thread: a local
# Ray instance's processes end when the thread that started them ends, and starting Ray while another
# thread imports torch and transformers broke those imports.
CONNECT = ("core.cluster.warm_up",)


def warm_up(names=WARM_UPS) -> None:
    """Run each warm-up in turn; one that fails is logged and the others still run."""
    import importlib

    log = logging.getLogger("dllab")
    for name in names:
        module, _, function = name.rpartition(".")
        try:
            getattr(importlib.import_module(module), function)()
        except Exception:  # noqa: BLE001 - warm-up is best effort
            log.exception("warm-up %s failed", name)


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
    warm_up(WARM_UPS + CONNECT)        # the page already serves meanwhile
    demo.block_thread()
