"""Train tab: small classifiers trained live, swept, compared, fused, exported, and rebuilt in NumPy."""

from __future__ import annotations

import gradio as gr

from core import config
from tabs.common import (StopSignals, error_boundary, record_accordion, session_key, tab_with_intro, table,
                         throttled)
from tabs.i18n import Texts, tr
from tabs.widgets import CheckedCheckboxGroup, CheckedDropdown, CheckedRadio, number_input, slider_input

_stops = StopSignals()

DATASET_CHOICES = [(f"dataset.{d}", d) for d in config.DATASETS] + [("dataset.csv", "csv")]
MODEL_CHOICES = [(f"model.{m}", m) for m in config.ARCHITECTURES]
OPTIMIZER_CHOICES = [(f"optimizer.{o}", o) for o in config.OPTIMIZERS]
LOSS_CHOICES = [(f"loss.{name}", name) for name in config.LOSSES]
PLOT_WORDS = ("epoch", "loss", "accuracy", "train", "validation", "feature_1", "feature_2", "class",
              "predicted", "true", "val_accuracy", "numpy", "torch", "scratch_loss")


def plot_text(lang: str) -> dict:
    return {w: tr(lang, f"plot.{w}") for w in PLOT_WORDS}


def _config(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout, weight_decay,
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
    cfg, data = _config(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout,
                        weight_decay, seed, n_samples, noise, momentum, model, l1, csv_file, label_column)
    session = session_key(request)
    stop = _stops.start(session)
    try:
        run = TrainingRun(cfg, should_stop=stop.is_set, data=data)
        yield (tr(lang, "train.starting", dataset=run.data.identity, n_train=len(run.data.y_train),
                  n_val=len(run.data.y_val), params=f"{run.parameters:,}", model=tr(lang, f"model.{cfg.model}")),
               None, None, None, _layer_table(lang, run.layers()), None)
        try:
            for record, due in throttled(run.epochs(), config.PLOT_INTERVAL_S):
                if due:
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
        _stops.finish(session, stop)

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


def stop_training(lang="en", request: gr.Request = None) -> str:
    """Ask this session's running training (or sweep, or NumPy run) to stop after the current batch."""
    stopped = _stops.stop(session_key(request))
    message = tr(lang, "train.stopping" if stopped else "train.nothing_running")
    gr.Info(message)
    return message


@error_boundary
def sweep(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout, weight_decay, seed,
          n_samples=config.TRAIN_SAMPLES.default, noise=config.TRAIN_NOISE.default,
          momentum=config.MOMENTUM.default, model="mlp", l1=config.L1.default, csv_file=None, label_column=None,
          learning_rates=config.DEFAULT_SWEEP_RATES, optimizers=None, history=None, lang="en",
          request: gr.Request = None):
    """Train one run per (optimizer, learning rate), same data and seed; yields (status, plot, ranking, records)."""
    from core import plots
    from core.errors import TrainingDiverged
    from core.runs import check_sweep_budget, rank, sweep_configs
    from core.train import TrainingRun

    words = plot_text(lang)
    base, data = _config(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout,
                         weight_decay, seed, n_samples, noise, momentum, model, l1, csv_file, label_column)
    configs = sweep_configs(base, learning_rates, optimizers)
    session = session_key(request)
    stop = _stops.start(session)
    finished, curves = [], []      # results; (name, history) for the overlay
    try:
        first = TrainingRun(configs[0], should_stop=stop.is_set, data=data)
        check_sweep_budget(configs, len(first.data.y_train))
        for i, cfg in enumerate(configs):
            if stop.is_set():
                break
            run = first if i == 0 else TrainingRun(cfg, should_stop=stop.is_set, data=data)
            name = f"{cfg.optimizer} lr={cfg.learning_rate:g}"
            curves.append((name, run.history))
            status = tr(lang, "sweep.running", i=i + 1, n=len(configs), name=name)
            yield status, plots.overlay_curves(curves, base.epochs, words), gr.skip(), gr.skip()
            try:
                for _, due in throttled(run.epochs(), config.PLOT_INTERVAL_S):
                    if due:
                        yield gr.skip(), plots.overlay_curves(curves, base.epochs, words), gr.skip(), gr.skip()
            except TrainingDiverged:
                curves[-1] = (name + " ✗", run.history)   # diverged: shown, not ranked
                continue
            if run.history:
                finished.append(run.result())
                if history is not None:
                    history.add(run)
    finally:
        _stops.finish(session, stop)

    ranking = rank(finished)
    best = next((f"{r['optimizer']} lr={r['learning_rate']:g}" for r in ranking if r["best"]), None)
    columns = [("rank", "#"), ("optimizer", tr(lang, "field.optimizer")),
               ("learning_rate", tr(lang, "field.learning_rate")), ("accuracy", tr(lang, "metric.accuracy")),
               ("f1", "F1"), ("auc", "AUC"), ("final_val_loss", tr(lang, "sweep.final_loss")),
               ("best", tr(lang, "sweep.best"))]
    shown = [{**r, "best": "★" if r["best"] else ""} for r in ranking]
    status = tr(lang, "sweep.done", n=len(finished), best=best or "—")
    if len(finished) < len(configs):
        status += " " + tr(lang, "sweep.incomplete", missing=len(configs) - len(finished))
    yield status, plots.overlay_curves(curves, base.epochs, words, highlight=best), table(shown, columns), ranking


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
    stop = _stops.start(session)
    try:
        run = ScratchRun(cfg, should_stop=stop.is_set)
        for record, due in throttled(run.epochs(), config.PLOT_INTERVAL_S):
            if due:
                yield (tr(lang, "scratch.progress", epoch=record.epoch, epochs=record.epochs,
                          np_loss=f"{record.numpy_loss:.5f}", t_loss=f"{record.torch_loss:.5f}"),
                       plots.scratch_curves(run.history, cfg.epochs, words), gr.skip())
        result = run.result()
    finally:
        _stops.finish(session, stop)
    summary = result.summary()
    status = tr(lang, "scratch.done", np_acc=f"{result.numpy_accuracy:.4f}", t_acc=f"{result.torch_accuracy:.4f}",
                diff=f"{result.max_grad_diff:.1e}")
    yield status, plots.scratch_curves(result.history, cfg.epochs, words), summary


@error_boundary
def fuse(run_ids, history=None, lang="en"):
    """Average the chosen runs' predicted probabilities; returns (comparison table, record)."""
    from core.runs import fuse as fuse_runs

    records = history.get(run_ids, min_count=2, max_count=config.MAX_FUSION_RUNS)
    result = fuse_runs(records)
    rows = list(result["members"])
    rows.append({"run": tr(lang, "fuse.ensemble"), **result["ensemble"]})
    columns = [("run", tr(lang, "history.run")), ("accuracy", tr(lang, "metric.accuracy")),
               ("precision", tr(lang, "metric.precision")), ("recall", tr(lang, "metric.recall")),
               ("f1", "F1"), ("auc", "AUC")]
    return table(rows, columns), result


def _history_columns(lang):
    return [("run", tr(lang, "history.run")), ("dataset", tr(lang, "field.dataset")),
            ("epochs", tr(lang, "field.epochs")), ("accuracy", tr(lang, "metric.accuracy")), ("f1", "F1"),
            ("auc", "AUC"), ("stopped", tr(lang, "history.stopped")), ("seconds", tr(lang, "history.seconds"))]


@error_boundary
def compare(run_ids, history=None, lang="en"):
    """Overlay the chosen runs' validation curves and list their final metrics."""
    from core import plots

    if not run_ids:
        return None, table(history.table() if history else [], _history_columns(lang))
    records = history.get(run_ids)
    epochs = max((r.result.config.epochs for r in records), default=1)
    series = [(r.label, r.result.history) for r in records]
    rows = [row for row in history.table() if row["id"] in {r.id for r in records}]
    return plots.overlay_curves(series, epochs, plot_text(lang)), table(rows, _history_columns(lang))


def refresh_history(history=None, lang="en"):
    """After a run: the run picker's choices, the history table and the code of the last run."""
    from core.export import code_for

    labels = history.labels() if history else []
    last = history.last() if history else None
    code = code_for(last) if last is not None and last.data is not None else tr(lang, "code.none")
    return (gr.update(choices=labels), table(history.table() if history else [], _history_columns(lang)), code)


@error_boundary
def history_csv(history=None, lang="en"):
    """The session's runs, one row per epoch, as a CSV file."""
    from core.errors import DLLabError
    from core.export import write_text_file

    if history is None or not history.labels():
        raise DLLabError("no_runs")
    return str(write_text_file(history.to_csv(), "dllab-history.csv"))


@error_boundary
def export(history=None, lang="en"):
    """The newest trained model as a zip: safetensors weights, validation data, evaluate.py and train.py."""
    from core.export import export_bundle

    return str(export_bundle(history.last_with_weights() if history is not None else None))


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


def build(lang: gr.State, history: gr.State, switch: gr.Radio) -> Texts:
    """Lay out the Train tab and wire its events; returns its translatable components.

    ``lang`` holds the session's language for handlers, ``switch`` is the language control
    (for text that depends on other inputs), ``history`` the session's RunHistory.
    """
    from core.scratch import update_step_source

    tx = Texts()
    with tab_with_intro(tx, "train"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=330):
                with gr.Group():
                    dataset = tx.make(CheckedRadio, choice_keys=DATASET_CHOICES, value="moons",
                                      label_key="field.dataset", elem_id="train-dataset")
                    about = gr.Markdown(tr("en", "about.moons"), elem_classes="dl-help")
                    csv_file = tx.make(gr.File, label_key="field.csv_file", file_types=[".csv"], type="filepath",
                                       visible=False, elem_id="train-csv")
                    label_column = tx.make(CheckedDropdown, [], label_key="field.label_column",
                                           info_key="help.label_column", visible=False, allow_custom_value=True,
                                           elem_id="train-label-column")
                    n_samples = tx.make(slider_input, config.TRAIN_SAMPLES, 100, label_key="field.samples")
                    noise = tx.make(slider_input, config.TRAIN_NOISE, 0.05, label_key="field.noise")
                with gr.Group():
                    model = tx.make(CheckedRadio, choice_keys=MODEL_CHOICES, value="mlp", label_key="field.model",
                                    info_key="help.model", elem_id="train-model")
                    hidden = tx.make(gr.Textbox, config.DEFAULT_HIDDEN_SIZES, label_key="field.hidden_layer_sizes",
                                     info_key="help.hidden", max_length=config.MAX_TEXT_FIELD_CHARS,
                                     elem_id="train-hidden")
                    with gr.Row():
                        dropout = tx.make(slider_input, config.DROPOUT, 0.05, label_key="field.dropout",
                                          info_key="help.dropout")
                        l1 = tx.make(number_input, config.L1, label_key="field.l1", info_key="help.l1")
                with gr.Group():
                    optimizer = tx.make(CheckedRadio, choice_keys=OPTIMIZER_CHOICES, value="adam",
                                        label_key="field.optimizer", info_key="help.optimizer",
                                        elem_id="train-optimizer")
                    with gr.Row():
                        lr = tx.make(number_input, config.LEARNING_RATE, label_key="field.learning_rate",
                                     info_key="help.lr", elem_id="train-lr")
                        momentum = tx.make(number_input, config.MOMENTUM, label_key="field.momentum",
                                           info_key="help.momentum")
                    epochs = tx.make(slider_input, config.EPOCHS, 1, label_key="field.epochs", elem_id="train-epochs")
                    batch = tx.make(slider_input, config.BATCH_SIZE, 1, label_key="field.batch_size",
                                    info_key="help.batch", elem_id="train-batch")
                    with gr.Row():
                        wd = tx.make(number_input, config.WEIGHT_DECAY, label_key="field.weight_decay",
                                     info_key="help.weight_decay")
                        seed = tx.make(number_input, config.SEED, label_key="field.seed", info_key="help.seed")

            with gr.Column(scale=2):
                with gr.Tabs():
                    with tx.make(gr.Tab, label_key="sub.train", id="train-main"):
                        with gr.Row():
                            start = tx.make(gr.Button, value_key="btn.train", variant="primary",
                                            elem_id="train-button")
                            stop = tx.make(gr.Button, value_key="btn.stop", variant="stop", elem_id="stop-button")
                        status = gr.Markdown(tr("en", "train.ready"), elem_classes="dl-status", elem_id="train-status")
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
                            code = gr.Code(tr("en", "code.none"), language="python", interactive=False,
                                           elem_classes="dl-code", elem_id="train-code")
                        with gr.Row():
                            export_btn = tx.make(gr.Button, value_key="btn.export", elem_id="export-button")
                            export_file = tx.make(gr.File, label_key="field.export_file", interactive=False,
                                                  height=100, elem_id="export-file")
                        metrics = record_accordion(tx, elem_id="train-metrics", panel_id="train-record")

                    with tx.make(gr.Tab, label_key="sub.sweep", id="train-sweep"):
                        tx.make(gr.Markdown, value_key="sweep.intro")
                        with gr.Row():
                            rates = tx.make(gr.Textbox, config.DEFAULT_SWEEP_RATES, label_key="field.learning_rates",
                                            info_key="help.rates", elem_id="sweep-rates",
                                            max_length=config.MAX_TEXT_FIELD_CHARS)
                            opts = tx.make(CheckedCheckboxGroup, choice_keys=OPTIMIZER_CHOICES, value=["adam"],
                                           label_key="field.optimizers", elem_id="sweep-optimizers")
                        with gr.Row():
                            sweep_btn = tx.make(gr.Button, value_key="btn.sweep", variant="primary",
                                                elem_id="sweep-button")
                            sweep_stop = tx.make(gr.Button, value_key="btn.stop", variant="stop")
                        sweep_status = gr.Markdown(elem_classes="dl-status", elem_id="sweep-status")
                        sweep_plot = tx.make(gr.Plot, label_key="plot.sweep", elem_id="sweep-plot")
                        sweep_table = gr.Dataframe(interactive=False, elem_id="sweep-table")
                        sweep_json = record_accordion(tx)

                    with tx.make(gr.Tab, label_key="sub.history", id="train-history"):
                        tx.make(gr.Markdown, value_key="history.intro")
                        runs = tx.make(CheckedCheckboxGroup, [], label_key="field.runs", elem_id="history-runs")
                        compare_plot = tx.make(gr.Plot, label_key="plot.compare", elem_id="history-plot")
                        history_table = gr.Dataframe(interactive=False, elem_id="history-table")
                        with gr.Row():
                            fuse_btn = tx.make(gr.Button, value_key="btn.fuse", variant="primary",
                                               elem_id="fuse-button")
                            csv_btn = tx.make(gr.Button, value_key="btn.history_csv", elem_id="history-csv-button")
                            csv_out = tx.make(gr.File, label_key="field.history_file", interactive=False, height=100)
                        tx.make(gr.Markdown, value_key="help.fuse", elem_classes="dl-help")
                        fuse_table = gr.Dataframe(interactive=False, elem_id="fuse-table")
                        fuse_json = record_accordion(tx)

                    with tx.make(gr.Tab, label_key="sub.scratch", id="train-scratch"):
                        tx.make(gr.Markdown, value_key="scratch.intro")
                        with gr.Row():
                            loss = tx.make(CheckedRadio, choice_keys=LOSS_CHOICES, value="cross_entropy",
                                           label_key="field.loss", elem_id="scratch-loss")
                            scratch_lr = tx.make(number_input, config.LEARNING_RATE, label_key="field.learning_rate",
                                                 value=0.1)
                            scratch_hidden = tx.make(gr.Textbox, "16", label_key="field.hidden_layer_sizes",
                                                     max_length=config.MAX_TEXT_FIELD_CHARS)
                        with gr.Row():
                            scratch_btn = tx.make(gr.Button, value_key="btn.scratch", variant="primary",
                                                  elem_id="scratch-button")
                            scratch_stop = tx.make(gr.Button, value_key="btn.stop", variant="stop")
                        scratch_status = gr.Markdown(elem_classes="dl-status", elem_id="scratch-status")
                        scratch_plot = tx.make(gr.Plot, label_key="plot.scratch", elem_id="scratch-plot")
                        scratch_json = record_accordion(tx)
                        tx.make(gr.Markdown, value_key="scratch.code_intro")
                        gr.Code(update_step_source(), language="python", interactive=False, elem_classes="dl-code",
                                elem_id="scratch-code")

    settings = [dataset, hidden, optimizer, lr, epochs, batch, dropout, wd, seed, n_samples, noise, momentum,
                model, l1, csv_file, label_column]
    after_run = dict(fn=refresh_history, inputs=[history, lang], outputs=[runs, history_table, code],
                     api_visibility="private")
    concurrency = dict(concurrency_limit=config.settings().train_concurrency, concurrency_id="train")

    dataset.change(_dataset_changed, [dataset, lang], [about, n_samples, noise, csv_file, label_column],
                   queue=False, api_visibility="private")
    switch.change(_dataset_changed, [dataset, switch], [about, n_samples, noise, csv_file, label_column],
                  queue=False, api_visibility="private")
    csv_file.change(_csv_uploaded, [csv_file, lang], label_column, api_visibility="private")
    start.click(train, inputs=[*settings, history, lang],
                outputs=[status, curves, boundary, confusion, layers, metrics],
                api_name="train", **concurrency).then(**after_run)
    # Stop answers in its own (hidden) output: writing to a status box could land
    # after the run's final status and overwrite it.
    stop.click(stop_training, lang, stop_reply, api_name="stop_training", queue=False)
    for other in (sweep_stop, scratch_stop):
        other.click(stop_training, lang, stop_reply, queue=False, api_visibility="private")
    sweep_btn.click(sweep, inputs=[*settings, rates, opts, history, lang],
                    outputs=[sweep_status, sweep_plot, sweep_table, sweep_json],
                    api_name="sweep", **concurrency).then(**after_run)
    scratch_btn.click(scratch, inputs=[dataset, scratch_hidden, scratch_lr, epochs, batch, seed, loss,
                                       n_samples, noise, lang],
                      outputs=[scratch_status, scratch_plot, scratch_json], api_name="scratch", **concurrency)
    runs.change(compare, [runs, history, lang], [compare_plot, history_table], api_visibility="private")
    fuse_btn.click(fuse, [runs, history, lang], [fuse_table, fuse_json], api_name="fuse")
    csv_btn.click(history_csv, [history, lang], csv_out, api_name="history_csv")
    export_btn.click(export, [history, lang], export_file, api_name="export")
    return tx
