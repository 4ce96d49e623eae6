"""The Generate tab's settings column: model, precision, strategy and the sampling rules."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core import config
from tabs.generate import views
from tabs.widgets import CheckedDropdown, CheckedRadio, number_input, slider_input

STRATEGY_CHOICES = [(f"strategy.{s}", s) for s in config.STRATEGIES]
PRECISION_CHOICES = [(f"precision.{p}", p) for p in config.PRECISIONS]


@dataclass(frozen=True)
class Settings:
    model: gr.components.Component
    precision: gr.components.Component
    strategy: gr.components.Component
    max_new_tokens: gr.components.Component
    temperature: gr.components.Component
    top_k: gr.components.Component
    top_p: gr.components.Component
    num_beams: gr.components.Component
    repetition_penalty: gr.components.Component
    no_repeat_ngram_size: gr.components.Component
    seed: gr.components.Component

    def inputs(self) -> list:
        """In the order of the /generate API, after the prompt."""
        return [self.max_new_tokens, self.strategy, self.temperature, self.top_k, self.top_p, self.num_beams,
                self.repetition_penalty, self.no_repeat_ngram_size, self.seed, self.precision, self.model]

    def sampling(self) -> list:
        """What the next-token view depends on, in the order of the /next_token API after the prompt."""
        return [self.temperature, self.top_k, self.top_p, self.model, self.precision]


def build(tx) -> Settings:
    with gr.Group():
        models = views.model_choices()          # the session's own models join when the tab opens
        model = tx.make(CheckedDropdown, choices=models, value=models[0][1], label_key="field.text_model",
                        info_key="help.text_model", elem_id="generate-model")
        precision = tx.make(CheckedRadio, choice_keys=PRECISION_CHOICES, value="fp32", label_key="field.precision",
                            info_key="help.precision", elem_id="generate-precision")
    with gr.Group():
        strategy = tx.make(CheckedRadio, choice_keys=STRATEGY_CHOICES, value="greedy", label_key="field.strategy",
                           info_key="help.strategy", elem_id="generate-strategy")
        max_new = tx.make(slider_input, config.MAX_NEW_TOKENS, 1, label_key="field.max_new_tokens",
                          elem_id="generate-max-new")
        seed = tx.make(number_input, config.SEED, label_key="field.seed", info_key="help.generate_seed")
    with gr.Group():
        tx.make(gr.Markdown, value_key="generate.sampling_head", elem_classes="dl-help")
        temperature = tx.make(slider_input, config.TEMPERATURE, 0.05, label_key="field.temperature",
                              info_key="help.temperature", elem_id="generate-temperature")
        with gr.Row():
            top_k = tx.make(number_input, config.TOP_K, label_key="field.top_k", info_key="help.top_k",
                            elem_id="generate-top-k")
            top_p = tx.make(number_input, config.TOP_P, label_key="field.top_p", info_key="help.top_p",
                            step=0.05, elem_id="generate-top-p")
    with gr.Group():
        num_beams = tx.make(slider_input, config.NUM_BEAMS, 1, label_key="field.beams", info_key="help.beams")
        repetition = tx.make(slider_input, config.REPETITION_PENALTY, 0.05, label_key="field.repetition_penalty",
                             info_key="help.repetition_penalty")
        no_repeat = tx.make(slider_input, config.NO_REPEAT_NGRAM, 1, label_key="field.no_repeat_n_gram_size",
                            info_key="help.no_repeat")
    return Settings(model, precision, strategy, max_new, temperature, top_k, top_p, num_beams, repetition,
                    no_repeat, seed)
