"""Generate tab: GPT-2 streams its continuation, and shows the probabilities, attention and tokens behind it.

The settings column (settings.py) feeds the decoding handlers (run.py: /generate, Stop,
side by side) and the views (views.py: the next-token chart, attention, tokens, and the
/next_token and /attention API). The model choice lists, after the allowlisted models, those
trained in this session (``lms``, the session's core.pretrain.LMRegistry); every handler
reads that registry, so the API's ``model`` may name them too.
"""

from __future__ import annotations

import gradio as gr

from core import config
from tabs.common import record_accordion, tab_with_intro
from tabs.generate import run as runs
from tabs.generate import settings as settings_column
from tabs.generate import views
from tabs.i18n import Texts, tr
from tabs.widgets import CheckedCheckboxGroup, CheckedSlider

EXAMPLES = [["Deep learning is"], ["Once upon a time, a robot"], ["The best way to learn programming is"],
            ["深度学习是"], ["今天天气很好，我们"]]
COMPARE_CHOICES = [(f"strategy.{s}", s) for s in config.STRATEGIES]


def build(lang: gr.State, lms: gr.State, switch: gr.Radio) -> Texts:
    """Lay out the Generate tab and wire its events; returns its translatable components."""
    tx = Texts()
    private = dict(api_visibility="private")
    with tab_with_intro(tx, "generate") as tab:
        run_state = gr.State(None)      # this session's last run, for the views (inside the tab: see augment)
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=330):
                s = settings_column.build(tx)
            with gr.Column(scale=2):
                prompt = tx.make(gr.Textbox, value=config.DEFAULT_PROMPT, lines=3, label_key="field.prompt",
                                 placeholder_key="help.prompt", max_length=config.MAX_PROMPT_CHARS,
                                 elem_id="generate-prompt")
                examples = gr.Examples(EXAMPLES, inputs=prompt, label=tr("en", "generate.examples"))
                tx.add(examples.dataset, label="generate.examples")
                with gr.Row():
                    start = tx.make(gr.Button, value_key="btn.generate", variant="primary", elem_id="generate-button")
                    stop = tx.make(gr.Button, value_key="btn.stop", variant="stop", elem_id="generate-stop")
                output = tx.make(gr.Textbox, lines=6, label_key="field.continuation", interactive=False,
                                 buttons=["copy"], elem_id="generate-output")
                status = tx.make(gr.Markdown, value_key="generate.ready", until_replaced=True,
                                 elem_classes="dl-status", elem_id="generate-status")
                stop_reply = gr.Textbox(visible=False)
                with gr.Tabs():
                    with tx.make(gr.Tab, label_key="sub.next_token", id="generate-next"):
                        tx.make(gr.Markdown, value_key="next.intro", elem_classes="dl-help")
                        picker = tx.make(gr.Dropdown, choices=views.picker_choices(), value=views.AFTER_PROMPT,
                                         label_key="field.token_picker", elem_id="generate-picker")
                        next_status = gr.Markdown(elem_classes="dl-status", elem_id="generate-next-status")
                        chart = tx.make(gr.Plot, label_key="plot.next_token", elem_id="generate-chart")
                    with tx.make(gr.Tab, label_key="sub.attention", id="generate-attention") as att_tab:
                        tx.make(gr.Markdown, value_key="attention.intro", elem_classes="dl-help")
                        with gr.Row():
                            # GPT-2 small's 12 layers and heads, until a model reports its own
                            layer = tx.make(CheckedSlider, 0, 11, value=0, step=1, label_key="field.layer",
                                            elem_id="generate-layer")
                            head = tx.make(CheckedSlider, 0, 11, value=0, step=1, label_key="field.head",
                                           elem_id="generate-head")
                        att_status = gr.Markdown(elem_classes="dl-status", elem_id="generate-attention-status")
                        heatmap = tx.make(gr.Plot, label_key="plot.attention", elem_id="generate-heatmap")
                    with tx.make(gr.Tab, label_key="sub.tokens", id="generate-tokens"):
                        tokens = gr.HTML(elem_id="generate-tokens-view")
                        token_counts = gr.Markdown(elem_id="generate-token-counts")
                    with tx.make(gr.Tab, label_key="sub.compare", id="generate-compare"):
                        tx.make(gr.Markdown, value_key="compare.intro", elem_classes="dl-help")
                        with gr.Row():
                            strategies = tx.make(CheckedCheckboxGroup, choice_keys=COMPARE_CHOICES,
                                                 value=["greedy", "sample"], label_key="field.strategies",
                                                 elem_id="compare-strategies")
                            compare_btn = tx.make(gr.Button, value_key="btn.compare", variant="primary",
                                                  elem_id="compare-button")
                        with gr.Row():     # labelled by runs.compare_labels: the strategy each shows
                            boxes = [gr.Textbox(label=tr("en", f"strategy.{name}") if name else "—", lines=8,
                                                interactive=False, visible=bool(name), elem_id=f"compare-{i}")
                                     for i, name in enumerate(["greedy", "sample", None])]
                        compare_status = gr.Markdown(elem_classes="dl-status", elem_id="compare-status")
                    with tx.make(gr.Tab, label_key="sub.code", id="generate-code-tab"):
                        tx.make(gr.Markdown, value_key="help.generate_code", elem_classes="dl-help")
                        code = tx.make(gr.Code, value_key="generate.code_none", until_replaced=True,
                                       language="python", interactive=False, elem_classes="dl-code",
                                       elem_id="generate-code")
                record = record_accordion(tx, elem_id="generate-record")
                # The /next_token and /attention API: hidden triggers over the same controls.
                api_next, api_attention = gr.Button(visible=False), gr.Button(visible=False)
                next_json, attention_json = gr.JSON(visible=False), gr.JSON(visible=False)

    heavy, quick = config.concurrency("generate"), config.concurrency("explain")
    sees = dict(fn=views.what_the_model_sees, inputs=[prompt, *s.sampling(), picker, run_state, lang, lms],
                outputs=[chart, next_status, tokens, token_counts], trigger_mode="always_last", **quick, **private)
    looks = dict(fn=views.attention_view, inputs=[prompt, output, layer, head, s.model, lang, lms],
                 outputs=[heatmap, att_status, layer, head], trigger_mode="always_last", **quick, **private)

    # After a run: the picker lists its tokens, and the chart, tokens and attention show it (the
    # picker's change event alone would not fire when a second run leaves it on the same token).
    start.click(runs.generate, inputs=[prompt, *s.inputs(), lang, lms], outputs=[output, status, record, run_state],
                api_name="generate", **heavy) \
        .success(views.after_run, [run_state, lang], [picker, code], **private).then(**sees).then(**looks)
    stop.click(runs.stop_generation, lang, stop_reply, api_name="stop_generation", queue=False)
    gr.on([tab.select, prompt.change, s.temperature.change, s.top_k.change, s.top_p.change, s.model.change,
           s.precision.change, picker.change], **sees)
    gr.on([att_tab.select, layer.release, head.release], **looks)
    compare_btn.click(runs.compare, inputs=[prompt, strategies, *s.inputs(), lang, lms],
                      outputs=[*boxes, compare_status], **heavy, **private)
    strategies.change(runs.compare_labels, [strategies, lang], boxes, queue=False, **private)
    switch.change(runs.compare_labels, [strategies, switch], boxes, queue=False, **private)
    switch.change(views.relabel_picker, [run_state, switch], picker, queue=False, **private)
    # The models trained in this session join the choice when the tab opens (and relabel with the language).
    tab.select(views.refresh_models, [lms, lang, s.model], s.model, queue=False, **private)
    switch.change(views.refresh_models, [lms, switch, s.model], s.model, queue=False, **private)
    api_next.click(views.next_token, [prompt, *s.sampling(), lang, lms], next_json, api_name="next_token", **quick)
    api_attention.click(views.attention, [prompt, output, layer, head, s.model, lang, lms], attention_json,
                        api_name="attention", **quick)
    return tx
