"""Train tab: a small classifier trained live, curves updating as it learns."""

from __future__ import annotations

import time

import gradio as gr

from core import config
from tabs.common import CheckedRadio, StopSignals, error_boundary, number_input, session_key, slider_input

_stops = StopSignals()

INTRO = """\
Train a small neural network (a multi-layer perceptron) and watch it learn.
The **loss** should fall and the **accuracy** rise; when validation loss turns up
while training loss keeps falling, the model is starting to memorise (over-fit):
try dropout or weight decay.
"""

HELP = {
    "hidden": "Units per hidden layer, comma-separated. '64, 64' = two layers of 64. Empty = no hidden layer.",
    "dropout": "During training, each hidden unit is switched off with this probability; this fights over-fitting.",
    "optimizer": "SGD follows the gradient (with momentum); Adam adapts a step size per weight; "
                 "AdamW is Adam with weight decay applied to the weights directly.",
    "weight_decay": "Pulls weights towards zero every step (L2 regularization).",
    "lr": "Step size of each update. Too small: slow. Too large: the loss jumps around or diverges.",
}


def _render_progress(run, record):
    from core import plots

    speed = record.epoch / record.elapsed_s if record.elapsed_s > 0 else 0.0
    status = (f"**Epoch {record.epoch}/{record.epochs}** · validation accuracy "
              f"{record.val_accuracy:.3f} · loss {record.val_loss:.4f} · {speed:.0f} epochs/s")
    grid = run.boundary()
    boundary = plots.decision_boundary(grid, run.data) if grid is not None else gr.skip()
    return status, plots.training_curves(run.history, record.epochs), boundary


@error_boundary
def train(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout,
          weight_decay, seed, n_samples=config.TRAIN_SAMPLES.default, noise=config.TRAIN_NOISE.default,
          momentum=config.MOMENTUM.default, request: gr.Request = None):
    """Train a classifier; yields (status, curves, boundary, confusion, metrics) as it goes."""
    from core import plots
    from core.errors import TrainingDiverged
    from core.train import TrainConfig, TrainingRun

    cfg = TrainConfig.from_user(
        dataset=dataset, n_samples=n_samples, noise=noise, hidden_sizes=hidden_sizes,
        dropout=dropout, optimizer=optimizer, learning_rate=learning_rate, epochs=epochs,
        batch_size=batch_size, weight_decay=weight_decay, momentum=momentum, seed=seed,
    )
    session = session_key(request)
    stop = _stops.start(session)
    try:
        run = TrainingRun(cfg, should_stop=stop.is_set)
        yield (f"Training on **{cfg.dataset}** ({len(run.data.y_train)} training / {len(run.data.y_val)} "
               f"validation examples, {run.parameters:,} weights)…", None, None, None, None)
        last_draw = 0.0
        try:
            for record in run.epochs():
                now = time.monotonic()
                if now - last_draw >= config.PLOT_INTERVAL_S:
                    status, curves, boundary = _render_progress(run, record)
                    yield status, curves, boundary, gr.skip(), gr.skip()
                    last_draw = time.monotonic()
        except TrainingDiverged as diverged:
            curves = plots.training_curves(run.history, cfg.epochs) if run.history else None
            yield f"⚠️ {diverged.message}", curves, gr.skip(), None, None
            raise
        result = run.result()
    finally:
        _stops.finish(session, stop)

    summary = result.summary()
    if result.stopped:
        head = f"**Stopped** after {result.epochs_completed} of {cfg.epochs} epochs"
    else:
        head = f"**Done**: {result.epochs_completed} epochs"
    status = f"{head} in {result.seconds:.1f} s. On the validation set:\n\n" + _metrics_table(summary)
    grid = run.boundary()
    yield (
        status,
        plots.training_curves(result.history, cfg.epochs) if result.history else None,
        plots.decision_boundary(grid, run.data) if grid is not None else None,
        plots.confusion_matrix(summary["confusion_matrix"], run.data.class_names),
        summary,
    )


def _metrics_table(summary: dict) -> str:
    average = " (macro average over classes)" if summary["average"] == "macro" else ""
    auc = f"{summary['auc']:.3f}" if summary["auc"] is not None else "n/a"
    return (
        "| accuracy | precision | recall | F1 | ROC AUC |\n|---|---|---|---|---|\n"
        f"| {summary['accuracy']:.3f} | {summary['precision']:.3f} | {summary['recall']:.3f} "
        f"| {summary['f1']:.3f} | {auc} |\n\n"
        f"Precision, recall and F1{average}; AUC is one-vs-rest for more than two classes."
    )


def stop_training(request: gr.Request = None) -> str:
    """Ask this session's running training to stop after the current batch."""
    stopped = _stops.stop(session_key(request))
    message = "Stopping…" if stopped else "Nothing is training."
    gr.Info(message)
    return message


def _dataset_changed(dataset):
    from core.datasets import DESCRIPTIONS

    fixed = dataset == "digits"
    return (DESCRIPTIONS.get(dataset, ""), gr.update(interactive=not fixed), gr.update(interactive=not fixed))


def build() -> None:
    from core.datasets import DESCRIPTIONS

    with gr.Tab("Train", id="train"):
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=320):
                with gr.Group():
                    dataset = CheckedRadio(list(config.DATASETS), value="moons", label="Dataset",
                                           elem_id="train-dataset")
                    about = gr.Markdown(DESCRIPTIONS["moons"], elem_classes="dl-help")
                    n_samples = slider_input(config.TRAIN_SAMPLES, 100)
                    noise = slider_input(config.TRAIN_NOISE, 0.05)
                with gr.Group():
                    hidden = gr.Textbox(config.DEFAULT_HIDDEN_SIZES, label="Hidden layer sizes",
                                        info=HELP["hidden"], max_length=config.MAX_TEXT_FIELD_CHARS)
                    dropout = slider_input(config.DROPOUT, 0.05, info=HELP["dropout"])
                with gr.Group():
                    optimizer = CheckedRadio(list(config.OPTIMIZERS), value="adam", label="Optimizer",
                                         info=HELP["optimizer"])
                    with gr.Row():
                        lr = number_input(config.LEARNING_RATE, info=HELP["lr"], elem_id="train-lr")
                        momentum = number_input(config.MOMENTUM, label="Momentum (SGD)")
                    epochs = slider_input(config.EPOCHS, 1, elem_id="train-epochs")
                    batch = slider_input(config.BATCH_SIZE, 1, elem_id="train-batch")
                    with gr.Row():
                        wd = number_input(config.WEIGHT_DECAY, info=HELP["weight_decay"])
                        seed = number_input(config.SEED, info="Same seed, same curves.")
            with gr.Column(scale=2):
                with gr.Row():
                    start = gr.Button("Train", variant="primary", elem_id="train-button")
                    stop = gr.Button("Stop", variant="stop", elem_id="stop-button")
                status = gr.Markdown("Choose a dataset and settings on the left, then press **Train**.",
                                     elem_classes="dl-status", elem_id="train-status")
                curves = gr.Plot(label="Learning curves", elem_id="train-curves")
                with gr.Row():
                    boundary = gr.Plot(label="Decision boundary", elem_id="train-boundary")
                    confusion = gr.Plot(label="Confusion matrix", elem_id="train-confusion")
                with gr.Accordion("Metrics record (what the API returns)", open=False, elem_id="train-record"):
                    metrics = gr.JSON(label="Validation metrics", elem_id="train-metrics")

        dataset.change(_dataset_changed, dataset, [about, n_samples, noise], queue=False,
                       api_visibility="private")
        start.click(
            train,
            inputs=[dataset, hidden, optimizer, lr, epochs, batch, dropout, wd, seed, n_samples, noise, momentum],
            outputs=[status, curves, boundary, confusion, metrics],
            api_name="train",
            concurrency_limit=config.settings().train_concurrency,
            concurrency_id="train",
        )
        # Stop answers in its own (hidden) output: writing to the status box could land
        # after the run's final status and overwrite it.
        stop_reply = gr.Textbox(visible=False)
        stop.click(stop_training, None, stop_reply, api_name="stop_training", queue=False)
