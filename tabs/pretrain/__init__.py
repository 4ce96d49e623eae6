"""Pretrain tab: a tiny GPT trained from scratch or fine-tuned in the page, its curves and samples as
it learns; the model joins the Generate tab's list. /pretrain streams the run."""

from __future__ import annotations

import gradio as gr

from core import config
from tabs.common import record_accordion, tab_with_intro
from tabs.i18n import Texts
from tabs.pretrain import run as runs
from tabs.widgets import CheckedCheckboxGroup, CheckedDropdown, CheckedRadio, number_input, slider_input

CORPUS_CHOICES = [(f"pcorpus.{c}", c) for c in config.PRETRAIN_CORPORA]
# The context and batch arithmetic starts with (see core.pretrain.corpus_defaults).
STARTS = {"block_size": config.arithmetic_context(config.ARITHMETIC_DIGITS.default),
          "batch_size": config.ARITHMETIC_BATCH}


def build(lang: gr.State, registry: gr.State, switch: gr.Radio) -> Texts:
    """Lay out the Pretrain tab and wire its events; returns its translatable components."""
    tx = Texts()
    private = dict(api_visibility="private")
    with tab_with_intro(tx, "pretrain") as tab:
        kept = gr.State(None)                       # the session's last run, for its TensorBoard log
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=320):
                corpus = tx.make(CheckedRadio, choice_keys=CORPUS_CHOICES, value="arithmetic",
                                 label_key="field.pretrain_corpus", elem_id="pretrain-corpus")
                with gr.Group(visible=True) as arithmetic_box:
                    digits = tx.make(slider_input, config.ARITHMETIC_DIGITS, 1, label_key="field.digits",
                                     elem_id="pretrain-digits")
                    ops = tx.make(CheckedCheckboxGroup, choices=list(config.ARITHMETIC_OPS), value=["+"],
                                  label_key="field.ops", elem_id="pretrain-ops")
                with gr.Group(visible=False) as text_box:
                    text = tx.make(gr.Textbox, "", lines=6, label_key="field.pretrain_text",
                                   info_key="help.pretrain_text", max_length=config.PRETRAIN_TEXT_MAX_CHARS,
                                   elem_id="pretrain-text")
                    text_file = tx.make(gr.File, label_key="field.pretrain_file", file_types=[".txt"],
                                        type="filepath", height=130, elem_id="pretrain-file")
                init_from = tx.make(CheckedDropdown, choices=runs.base_choices(None), value="",
                                    label_key="field.init_from", info_key="help.init_from", elem_id="pretrain-init")
                with tx.make(gr.Accordion, label_key="acc.model_shape", open=False):
                    with gr.Row():
                        n_layer = tx.make(number_input, config.PRETRAIN_LAYERS, label_key="field.n_layer")
                        n_head = tx.make(number_input, config.PRETRAIN_HEADS, label_key="field.n_head")
                    with gr.Row():
                        n_embd = tx.make(number_input, config.PRETRAIN_WIDTH, label_key="field.n_embd")
                        block_size = tx.make(number_input, config.PRETRAIN_CONTEXT, label_key="field.block_size",
                                             value=STARTS["block_size"], elem_id="pretrain-context")
                    with gr.Row():
                        lr = tx.make(number_input, config.PRETRAIN_LEARNING_RATE, label_key="field.pretrain_lr")
                        warmup = tx.make(number_input, config.PRETRAIN_WARMUP, label_key="field.warmup")
                    with gr.Row():
                        batch = tx.make(number_input, config.PRETRAIN_BATCH, label_key="field.pretrain_batch",
                                        value=STARTS["batch_size"],
                                        elem_id="pretrain-batch")
                        steps = tx.make(number_input, config.PRETRAIN_STEPS, label_key="field.pretrain_steps",
                                        elem_id="pretrain-steps")
                    with gr.Row():
                        dropout = tx.make(number_input, config.PRETRAIN_DROPOUT, label_key="field.pretrain_dropout")
                        seed = tx.make(number_input, config.SEED, label_key="field.pretrain_seed")
                size = gr.Markdown(elem_id="pretrain-size")     # filled when the tab opens: counting needs torch
                with gr.Row():
                    start = tx.make(gr.Button, value_key="btn.pretrain", variant="primary", elem_id="pretrain-button")
                    stop = tx.make(gr.Button, value_key="btn.stop", variant="stop", elem_id="pretrain-stop")
            with gr.Column(scale=2):
                status = tx.make(gr.Markdown, value_key="pretrain.ready", until_replaced=True,
                                 elem_classes="dl-status", elem_id="pretrain-status")
                curves = tx.make(gr.Plot, label_key="plot.pretrain_curves", elem_id="pretrain-curves")
                samples = tx.make(gr.Textbox, lines=8, max_lines=16, label_key="field.pretrain_samples", interactive=False,
                                  elem_id="pretrain-samples")
                stop_reply = gr.Textbox(visible=False)
                with gr.Row():
                    export = tx.make(gr.Button, value_key="btn.pretrain_export", elem_id="pretrain-export")
                    board = tx.make(gr.Button, value_key="btn.pretrain_tensorboard", elem_id="pretrain-tensorboard")
                download = tx.make(gr.File, label_key="field.pretrain_files", interactive=False, height=90,
                                   elem_id="pretrain-download")
                download_note = gr.Markdown(elem_id="pretrain-download-note")
                upload = tx.make(gr.File, label_key="field.pretrain_import", file_types=[".zip"], type="filepath",
                                 height=130, elem_id="pretrain-upload")
                record = record_accordion(tx, elem_id="pretrain-record")

    heavy = config.concurrency("pretrain")
    inputs = [corpus, text, text_file, digits, ops, n_layer, n_head, n_embd, block_size, dropout, lr, warmup, batch,
              steps, seed, init_from, lang, registry]
    start.click(runs.pretrain, inputs, [status, curves, samples, record, kept], api_name="pretrain",
                show_progress="minimal", **heavy).then(      # the new model can be fine-tuned at once
        runs.refresh_bases, [registry, lang, init_from], init_from, queue=False, **private)
    stop.click(runs.stop_pretraining, lang, stop_reply, api_name="stop_pretraining", queue=False)
    corpus.change(runs.corpus_chosen, [corpus, digits], [arithmetic_box, text_box, block_size, batch], queue=False,
                  **private)
    digits.change(runs.corpus_chosen, [corpus, digits], [arithmetic_box, text_box, block_size, batch], queue=False,
                  **private)
    tab.select(runs.size_line, [n_layer, n_head, n_embd, block_size, corpus, lang], size, **private)
    for box in (n_layer, n_head, n_embd, block_size):
        box.change(runs.size_line, [n_layer, n_head, n_embd, block_size, corpus, lang], size, queue=False,
                   **private)
    switch.change(runs.size_line, [n_layer, n_head, n_embd, block_size, corpus, switch], size, queue=False,
                  **private)
    export.click(runs.export, [init_from, lang, registry], [download, download_note], **private)
    board.click(runs.tensorboard_log, [kept, lang], [download, download_note], **private)
    upload.upload(runs.import_model, [upload, lang, registry], download_note, **private).then(
        runs.refresh_bases, [registry, lang, init_from], init_from, queue=False, **private)
    tab.select(runs.refresh_bases, [registry, lang, init_from], init_from, **private)
    switch.change(runs.refresh_bases, [registry, switch, init_from], init_from, **private)
    return tx
