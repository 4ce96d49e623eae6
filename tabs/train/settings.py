"""The Train tab's settings column and what every panel of the tab shares: the choices, the
validated config, the session's stop signals and the words on plots."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core import config
from tabs.common import StopSignals, error_boundary
from tabs.i18n import Texts, tr
from tabs.widgets import CheckedDropdown, CheckedRadio, number_input, slider_input

stops = StopSignals()   # one Stop ends the session's training, sweep or NumPy run alike

DATASET_CHOICES = [(f"dataset.{d}", d) for d in config.DATASETS] + [("dataset.csv", "csv")]
MODEL_CHOICES = [(f"model.{m}", m) for m in config.ARCHITECTURES]
OPTIMIZER_CHOICES = [(f"optimizer.{o}", o) for o in config.OPTIMIZERS]
LOSS_CHOICES = [(f"loss.{name}", name) for name in config.LOSSES]
PLOT_WORDS = ("epoch", "loss", "accuracy", "train", "validation", "feature_1", "feature_2", "class",
              "predicted", "true", "val_accuracy", "numpy", "torch", "scratch_loss")


def plot_text(lang: str) -> dict:
    return {w: tr(lang, f"plot.{w}") for w in PLOT_WORDS}


def validated_config(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout, weight_decay,
            seed, n_samples, noise, momentum, model, l1, csv_file, label_column):
    """Validated config and data (an uploaded CSV when the dataset is 'csv')."""
    from core.datasets import dataset_from_csv
    from core.train import TrainConfig

    cfg = TrainConfig.from_user(
        dataset=dataset, n_samples=n_samples, noise=noise, model=model, hidden_sizes=hidden_sizes,
        dropout=dropout, optimizer=optimizer, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
        weight_decay=weight_decay, l1=l1, momentum=momentum, seed=seed, allow_csv=True,
    )
    data = None
    if cfg.dataset == "csv":
        import os

        name = os.path.basename(str(csv_file)) if isinstance(csv_file, str) else "data.csv"
        data = dataset_from_csv(csv_file, label_column, name=name)
    return cfg, data


def stop_training(lang="en", request: gr.Request = None) -> str:
    """Ask this session's running training (or sweep, or NumPy run) to stop after the current batch."""
    return stops.answer(request, lang, "train")


def _dataset_changed(dataset, lang):
    is_csv = dataset == "csv"
    fixed = dataset in ("digits", "csv")
    about = tr(lang, f"about.{dataset}") if dataset in config.DATASETS or is_csv else ""
    return (about, gr.update(interactive=not fixed), gr.update(interactive=not fixed),
            gr.update(visible=is_csv), gr.update(visible=is_csv))


@error_boundary
def _csv_uploaded(csv_file, lang="en"):
    from core.datasets import csv_columns

    if not csv_file:
        return gr.update(choices=[], value=None)
    columns = csv_columns(csv_file)
    return gr.update(choices=columns, value=columns[-1])


@dataclass(frozen=True)
class Settings:
    """The settings column's components."""

    dataset: gr.Radio
    about: gr.Markdown
    csv_file: gr.File
    label_column: gr.Dropdown
    n_samples: gr.Slider
    noise: gr.Slider
    model: gr.Radio
    hidden: gr.Textbox
    dropout: gr.Slider
    l1: gr.Number
    optimizer: gr.Radio
    lr: gr.Number
    momentum: gr.Number
    epochs: gr.Slider
    batch: gr.Slider
    wd: gr.Number
    seed: gr.Number

    def inputs(self) -> list:
        """The settings in the order train() and sweep() take them."""
        return [self.dataset, self.hidden, self.optimizer, self.lr, self.epochs, self.batch, self.dropout, self.wd,
                self.seed, self.n_samples, self.noise, self.momentum, self.model, self.l1, self.csv_file,
                self.label_column]


def build(tx: Texts, lang: gr.State, switch: gr.Radio) -> Settings:
    """The settings column (data, model, optimizer) and its events."""
    with gr.Group():
        dataset = tx.make(CheckedRadio, choice_keys=DATASET_CHOICES, value="moons",
                          label_key="field.dataset", elem_id="train-dataset")
        about = gr.Markdown(tr("en", "about.moons"), elem_classes="dl-help")
        csv_file = tx.make(gr.File, label_key="field.csv_file", file_types=[".csv"], type="filepath",
                           visible=False, elem_id="train-csv")
        label_column = tx.make(CheckedDropdown, [], label_key="field.label_column", info_key="help.label_column",
                               visible=False, allow_custom_value=True, elem_id="train-label-column")
        n_samples = tx.make(slider_input, config.TRAIN_SAMPLES, 100, label_key="field.samples")
        noise = tx.make(slider_input, config.TRAIN_NOISE, 0.05, label_key="field.noise")
    with gr.Group():
        model = tx.make(CheckedRadio, choice_keys=MODEL_CHOICES, value="mlp", label_key="field.model",
                        info_key="help.model", elem_id="train-model")
        hidden = tx.make(gr.Textbox, config.DEFAULT_HIDDEN_SIZES, label_key="field.hidden_layer_sizes",
                         info_key="help.hidden", max_length=config.MAX_TEXT_FIELD_CHARS, elem_id="train-hidden")
        with gr.Row():
            dropout = tx.make(slider_input, config.DROPOUT, 0.05, label_key="field.dropout", info_key="help.dropout")
            l1 = tx.make(number_input, config.L1, label_key="field.l1", info_key="help.l1")
    with gr.Group():
        optimizer = tx.make(CheckedRadio, choice_keys=OPTIMIZER_CHOICES, value="adam", label_key="field.optimizer",
                            info_key="help.optimizer", elem_id="train-optimizer")
        with gr.Row():
            lr = tx.make(number_input, config.LEARNING_RATE, label_key="field.learning_rate", info_key="help.lr",
                         elem_id="train-lr")
            momentum = tx.make(number_input, config.MOMENTUM, label_key="field.momentum", info_key="help.momentum")
        epochs = tx.make(slider_input, config.EPOCHS, 1, label_key="field.epochs", elem_id="train-epochs")
        batch = tx.make(slider_input, config.BATCH_SIZE, 1, label_key="field.batch_size", info_key="help.batch",
                        elem_id="train-batch")
        with gr.Row():
            wd = tx.make(number_input, config.WEIGHT_DECAY, label_key="field.weight_decay",
                         info_key="help.weight_decay")
            seed = tx.make(number_input, config.SEED, label_key="field.seed", info_key="help.seed")

    shown_for_data = [about, n_samples, noise, csv_file, label_column]
    dataset.change(_dataset_changed, [dataset, lang], shown_for_data, queue=False, api_visibility="private")
    switch.change(_dataset_changed, [dataset, switch], shown_for_data, queue=False, api_visibility="private")
    csv_file.change(_csv_uploaded, [csv_file, lang], label_column, api_visibility="private")
    return Settings(dataset, about, csv_file, label_column, n_samples, noise, model, hidden, dropout, l1, optimizer,
                    lr, momentum, epochs, batch, wd, seed)
