"""The NumPy-from-scratch panel: the MLP by hand beside its PyTorch twin."""

from __future__ import annotations

import gradio as gr

from core import config
from core.scheduler import Waiting
from tabs.common import error_boundary, in_turns, record_accordion, session_key, throttled, waiting_line
from tabs.i18n import Texts, tr
from tabs.train.settings import LOSS_CHOICES, Settings, plot_text, stop_training, stops
from tabs.widgets import CheckedRadio, number_input


@error_boundary
def scratch(dataset, hidden_sizes, learning_rate, epochs, batch_size, seed, loss="cross_entropy",
            n_samples=config.TRAIN_SAMPLES.default, noise=config.TRAIN_NOISE.default, lang="en",
            request: gr.Request = None):
    """Train the NumPy network beside its PyTorch twin; yields (status, plot, record)."""
    from core import plots
    from core.scratch import ScratchConfig, ScratchRun

    words = plot_text(lang)
    cfg = ScratchConfig.from_user(dataset=dataset, hidden_sizes=hidden_sizes, learning_rate=learning_rate,
                                  epochs=epochs, batch_size=batch_size, seed=seed, loss=loss,
                                  n_samples=n_samples, noise=noise)
    session = session_key(request)
    stop = stops.start(session)
    try:
        run = ScratchRun(cfg, should_stop=stop.is_set)
        for record, due in throttled(in_turns("train", run.epochs(), stop.is_set), config.PLOT_INTERVAL_S):
            if isinstance(record, Waiting):
                yield waiting_line(lang, record), gr.skip(), gr.skip()
            elif due:
                yield (tr(lang, "scratch.progress", epoch=record.epoch, epochs=record.epochs,
                          np_loss=f"{record.numpy_loss:.5f}", t_loss=f"{record.torch_loss:.5f}"),
                       plots.scratch_curves(run.history, cfg.epochs, words), gr.skip())
        result = run.result()
    finally:
        stops.finish(session, stop)
    summary = result.summary()
    status = tr(lang, "scratch.done", np_acc=f"{result.numpy_accuracy:.4f}", t_acc=f"{result.torch_accuracy:.4f}",
                diff=f"{result.max_grad_diff:.1e}")
    yield status, plots.scratch_curves(result.history, cfg.epochs, words), summary


def build(tx: Texts, s: Settings, lang: gr.State, stop_reply: gr.Textbox) -> None:
    from core.scratch import update_step_source

    with tx.make(gr.Tab, label_key="sub.scratch", id="train-scratch"):
        tx.make(gr.Markdown, value_key="scratch.intro")
        with gr.Row():
            loss = tx.make(CheckedRadio, choice_keys=LOSS_CHOICES, value="cross_entropy", label_key="field.loss",
                           elem_id="scratch-loss")
            scratch_lr = tx.make(number_input, config.LEARNING_RATE, label_key="field.learning_rate", value=0.1)
            scratch_hidden = tx.make(gr.Textbox, "16", label_key="field.hidden_layer_sizes",
                                     max_length=config.MAX_TEXT_FIELD_CHARS)
        with gr.Row():
            scratch_btn = tx.make(gr.Button, value_key="btn.scratch", variant="primary", elem_id="scratch-button")
            scratch_stop = tx.make(gr.Button, value_key="btn.stop", variant="stop")
        scratch_status = gr.Markdown(elem_classes="dl-status", elem_id="scratch-status")
        scratch_plot = tx.make(gr.Plot, label_key="plot.scratch", elem_id="scratch-plot")
        scratch_json = record_accordion(tx)
        tx.make(gr.Markdown, value_key="scratch.code_intro")
        gr.Code(update_step_source(), language="python", interactive=False, elem_classes="dl-code",
                elem_id="scratch-code")

    scratch_stop.click(stop_training, lang, stop_reply, queue=False, api_visibility="private")
    scratch_btn.click(scratch, inputs=[s.dataset, scratch_hidden, scratch_lr, s.epochs, s.batch, s.seed, loss,
                                       s.n_samples, s.noise, lang],
                      outputs=[scratch_status, scratch_plot, scratch_json], api_name="scratch",
                      **config.concurrency("train"))
