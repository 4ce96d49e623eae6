"""The Train panel: one run with live curves, decision boundary, metrics, code and export."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core import config
from core.scheduler import Waiting
from tabs.common import (error_boundary, record_accordion, session_key, table, throttled, train_epochs,
                         waiting_line)
from tabs.i18n import Texts, tr
from tabs.train.settings import Settings, plot_text, stop_training, stops, validated_config


def _metrics_table(lang: str, summary: dict) -> str:
    auc = f"{summary['auc']:.3f}" if summary["auc"] is not None else "n/a"
    note = tr(lang, "train.metrics_macro" if summary["average"] == "macro" else "train.metrics_binary")
    return (f"| {tr(lang, 'metric.accuracy')} | {tr(lang, 'metric.precision')} | {tr(lang, 'metric.recall')} "
            f"| F1 | ROC AUC |\n|---|---|---|---|---|\n"
            f"| {summary['accuracy']:.3f} | {summary['precision']:.3f} | {summary['recall']:.3f} "
            f"| {summary['f1']:.3f} | {auc} |\n\n{note}")


def _layer_table(lang: str, rows: list[dict]) -> dict:
    return table([{**r, "output_shape": "×".join(map(str, r["output_shape"]))} for r in rows],
                 [("name", tr(lang, "layers.name")), ("type", tr(lang, "layers.type")),
                  ("output_shape", tr(lang, "layers.shape")), ("params", tr(lang, "layers.params"))])


def _progress_status(lang, record) -> str:
    speed = record.epoch / record.elapsed_s if record.elapsed_s > 0 else 0.0
    return tr(lang, "train.progress", epoch=record.epoch, epochs=record.epochs, acc=f"{record.val_accuracy:.3f}",
              loss=f"{record.val_loss:.4f}", speed=f"{speed:.0f}")


@error_boundary
def train(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout, weight_decay, seed,
          n_samples=config.TRAIN_SAMPLES.default, noise=config.TRAIN_NOISE.default,
          momentum=config.MOMENTUM.default, model="mlp", l1=config.L1.default, csv_file=None,
          label_column=None, history=None, lang="en", request: gr.Request = None):
    """Train a classifier; yields (status, curves, boundary, confusion, layers, metrics) as it goes."""
    from core import plots
    from core.errors import TrainingDiverged
    from core.train import TrainingRun

    words = plot_text(lang)
    cfg, data = validated_config(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout,
                        weight_decay, seed, n_samples, noise, momentum, model, l1, csv_file, label_column)
    session = session_key(request)
    stop = stops.start(session)
    try:
        run = TrainingRun(cfg, should_stop=stop.is_set, data=data)
        yield (tr(lang, "train.starting", dataset=run.data.identity, n_train=len(run.data.y_train),
                  n_val=len(run.data.y_val), params=f"{run.parameters:,}", model=tr(lang, f"model.{cfg.model}")),
               None, None, None, _layer_table(lang, run.layers()), None)
        try:
            for record, due in throttled(train_epochs(run, stop.is_set), config.PLOT_INTERVAL_S):
                if isinstance(record, Waiting):
                    yield waiting_line(lang, record), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                elif due:
                    grid = run.boundary()
                    yield (_progress_status(lang, record), plots.training_curves(run.history, cfg.epochs, words),
                           plots.decision_boundary(grid, run.data, words) if grid is not None else gr.skip(),
                           gr.skip(), gr.skip(), gr.skip())
        except TrainingDiverged as diverged:
            from tabs.i18n import error_text

            curves = plots.training_curves(run.history, cfg.epochs, words) if run.history else None
            yield f"⚠️ {error_text(lang, diverged)}", curves, gr.skip(), None, gr.skip(), None
            raise
        if history is not None:
            history.add(run)
        result = run.result()
    finally:
        stops.finish(session, stop)

    summary = result.summary()
    head_key = "train.stopped" if result.stopped else "train.done"
    status = (tr(lang, head_key, done=result.epochs_completed, epochs=cfg.epochs, seconds=f"{result.seconds:.1f}")
              + "\n\n" + _metrics_table(lang, summary))
    grid = run.boundary()
    yield (
        status,
        plots.training_curves(result.history, cfg.epochs, words) if result.history else None,
        plots.decision_boundary(grid, run.data, words) if grid is not None else None,
        plots.confusion_matrix(summary["confusion_matrix"], run.data.class_names, words),
        _layer_table(lang, run.layers()),     # the last yield is what API callers receive: no skips here
        summary,
    )


@error_boundary
def export(history=None, lang="en"):
    """The newest trained model as a zip: safetensors weights, validation data, evaluate.py and train.py."""
    from core.export import export_bundle

    return str(export_bundle(history.last_with_weights() if history is not None else None))


@dataclass(frozen=True)
class MainPanel:
    """What the other panels use: the code box (refreshed after every run), the hidden box
    Stop answers in, and the Train event (followed by the history's refresh)."""

    code: gr.Code
    stop_reply: gr.Textbox
    trained: object


def build(tx: Texts, s: Settings, lang: gr.State, history: gr.State) -> MainPanel:
    with tx.make(gr.Tab, label_key="sub.train", id="train-main"):
        with gr.Row():
            start = tx.make(gr.Button, value_key="btn.train", variant="primary", elem_id="train-button")
            stop = tx.make(gr.Button, value_key="btn.stop", variant="stop", elem_id="stop-button")
        status = tx.make(gr.Markdown, value_key="train.ready", until_replaced=True, elem_classes="dl-status",
                         elem_id="train-status")
        stop_reply = gr.Textbox(visible=False)
        curves = tx.make(gr.Plot, label_key="plot.curves", elem_id="train-curves")
        with gr.Row():
            boundary = tx.make(gr.Plot, label_key="plot.boundary", elem_id="train-boundary")
            with gr.Column():
                confusion = tx.make(gr.Plot, label_key="plot.confusion", elem_id="train-confusion")
                tx.make(gr.Markdown, value_key="help.confusion", elem_classes="dl-help")
        with tx.make(gr.Accordion, label_key="acc.layers", open=False):
            layers = gr.Dataframe(interactive=False, elem_id="train-layers")
        with tx.make(gr.Accordion, label_key="acc.code", open=False, elem_id="train-code-panel"):
            tx.make(gr.Markdown, value_key="help.code", elem_classes="dl-help")
            code = tx.make(gr.Code, value_key="code.none", until_replaced=True, language="python",
                           interactive=False, elem_classes="dl-code", elem_id="train-code")
        with gr.Row():
            export_btn = tx.make(gr.Button, value_key="btn.export", elem_id="export-button")
            export_file = tx.make(gr.File, label_key="field.export_file", interactive=False, height=100,
                                  elem_id="export-file")
        metrics = record_accordion(tx, elem_id="train-metrics", panel_id="train-record")

    trained = start.click(train, inputs=[*s.inputs(), history, lang],
                          outputs=[status, curves, boundary, confusion, layers, metrics],
                          api_name="train", **config.concurrency("train"))
    # Stop answers in its own (hidden) output: writing to a status box could land
    # after the run's final status and overwrite it.
    stop.click(stop_training, lang, stop_reply, api_name="stop_training", queue=False)
    export_btn.click(export, [history, lang], export_file, api_name="export")
    return MainPanel(code, stop_reply, trained)
