"""Quantize tab: what quantization does to a model's size, speed and accuracy, measured on the spot.

The left column chooses a model (the session's own runs, or a built-in one) and the methods;
/quantize returns the chart and one record per method. The views below look closer at one
method: its modules, a layer's weights on the int8 grid, its code, and the file itself.
"""

from __future__ import annotations

import gradio as gr

from core import config
from tabs.common import record_accordion, tab_with_intro
from tabs.i18n import Texts
from tabs.quantize import run as runs
from tabs.widgets import CheckedCheckboxGroup, CheckedDropdown

METHOD_CHOICES = [(f"qmethod.{m}", m) for m in config.QUANTIZE_METHODS]
DEFAULT_METHODS = ["dynamic_int8", "fp16", "torchao_int8_weight"]
# The results' columns (run.RESULT_COLUMNS), sized so that all of them fit the page's width, long
# method names and headers wrapping, rather than scrolling the accuracy out of sight.
RESULT_WIDTHS = ["19%", "6%", "7%", "6%", "8%", "8%", "7%", "12%", "10%", "9%", "8%"]


def build(lang: gr.State, history: gr.State, switch: gr.Radio) -> Texts:
    """Lay out the Quantize tab and wire its events; returns its translatable components."""
    tx = Texts()
    private = dict(api_visibility="private")
    with tab_with_intro(tx, "quantize") as tab:
        kept = gr.State(None)                       # this session's last study, for the views below
        seen = gr.State(None)                       # the newest Train run the model choice has offered
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                model = tx.make(CheckedDropdown, choices=runs.model_choices(None), value="mlp",
                                label_key="field.quantize_model", info_key="help.quantize_model",
                                elem_id="quantize-model")
                methods = tx.make(CheckedCheckboxGroup, choice_keys=METHOD_CHOICES, value=DEFAULT_METHODS,
                                  label_key="field.quantize_methods", info_key="help.quantize_methods",
                                  elem_id="quantize-methods")
                with gr.Row():
                    start = tx.make(gr.Button, value_key="btn.quantize", variant="primary", elem_id="quantize-button")
                    stop = tx.make(gr.Button, value_key="btn.stop", variant="stop", elem_id="quantize-stop")
            with gr.Column(scale=2):
                status = tx.make(gr.Markdown, value_key="quantize.ready", until_replaced=True,
                                 elem_classes="dl-status", elem_id="quantize-status")
                chart = tx.make(gr.Plot, label_key="plot.quantize_chart", elem_id="quantize-chart")
                stop_reply = gr.Textbox(visible=False)
        # The whole width: beside the settings the accuracy columns were scrolled out of sight.
        # Hidden until the first results (an empty table only shows the headers "1 2 3").
        results = tx.make(gr.Dataframe, label_key="field.quantize_results", interactive=False, visible=False,
                          wrap=True, column_widths=RESULT_WIDTHS, elem_id="quantize-table")
        focus = tx.make(gr.Dropdown, choices=[], label_key="field.focus_method", elem_id="quantize-focus")
        with gr.Tabs():
            with tx.make(gr.Tab, label_key="sub.weights", id="quantize-weights"):
                tx.make(gr.Markdown, value_key="help.weights", elem_classes="dl-help")
                layer = tx.make(gr.Dropdown, choices=[], label_key="field.qlayer", elem_id="quantize-layer")
                histogram = tx.make(gr.Plot, label_key="plot.histogram", elem_id="quantize-histogram")
            with tx.make(gr.Tab, label_key="sub.layers", id="quantize-layers"):
                tx.make(gr.Markdown, value_key="help.layers", elem_classes="dl-help")
                modules = gr.Dataframe(interactive=False, visible=False, elem_id="quantize-modules")
            with tx.make(gr.Tab, label_key="sub.qcode", id="quantize-code"):
                tx.make(gr.Markdown, value_key="help.qcode", elem_classes="dl-help")
                code = tx.make(gr.Code, value_key="quantize.code_none", until_replaced=True, language="python",
                               interactive=False, elem_classes="dl-code", elem_id="quantize-code-box")
            with tx.make(gr.Tab, label_key="sub.qdownload", id="quantize-download"):
                tx.make(gr.Markdown, value_key="help.qdownload", elem_classes="dl-help")
                save = tx.make(gr.Button, value_key="btn.quantize_download", elem_id="quantize-save")
                saved = tx.make(gr.File, label_key="field.quantize_file", interactive=False,
                                elem_id="quantize-file")
        records = record_accordion(tx, elem_id="quantize-record")

    heavy = config.concurrency("quantize")
    start.click(runs.quantize, [model, methods, lang, history], [chart, records, kept], api_name="quantize",
                show_progress_on=[status], **heavy) \
        .success(runs.after_run, [kept, lang], [status, results, focus], **private)
    stop.click(runs.stop_quantizing, lang, stop_reply, api_name="stop_quantizing", queue=False)
    focus.change(runs.focus, [kept, focus, history, lang], [modules, layer, code, histogram, saved], **private)
    layer.change(runs.weights, [kept, focus, layer, lang], histogram, **private)
    save.click(runs.download, [kept, focus, history, lang], saved, **heavy, **private)
    tab.select(runs.refresh_models, [history, lang, model, seen], [model, seen], **private)
    switch.change(runs.refresh_models, [history, switch, model, seen], [model, seen], **private)
    return tx
