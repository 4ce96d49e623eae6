"""The learning-rate sweep panel: one run per (optimizer, learning rate), overlaid and ranked."""

from __future__ import annotations

import gradio as gr

from core import config
from core.scheduler import Waiting
from tabs.common import (error_boundary, record_accordion, session_key, table, throttled, train_epochs,
                         waiting_line)
from tabs.i18n import Texts, tr
from tabs.train.settings import (OPTIMIZER_CHOICES, Settings, plot_text, stop_training, stops,
                                 validated_config)
from tabs.widgets import CheckedCheckboxGroup


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
    base, data = validated_config(dataset, hidden_sizes, optimizer, learning_rate, epochs, batch_size, dropout,
                         weight_decay, seed, n_samples, noise, momentum, model, l1, csv_file, label_column)
    configs = sweep_configs(base, learning_rates, optimizers)
    session = session_key(request)
    stop = stops.start(session)
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
                for record, due in throttled(train_epochs(run, stop.is_set), config.PLOT_INTERVAL_S):
                    if isinstance(record, Waiting):
                        yield waiting_line(lang, record), gr.skip(), gr.skip(), gr.skip()
                    elif due:
                        yield gr.skip(), plots.overlay_curves(curves, base.epochs, words), gr.skip(), gr.skip()
            except TrainingDiverged:
                curves[-1] = (name + " ✗", run.history)   # diverged: shown, not ranked
                continue
            if run.history:
                finished.append(run.result())
                if history is not None:
                    history.add(run)
    finally:
        stops.finish(session, stop)

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


def build(tx: Texts, s: Settings, lang: gr.State, history: gr.State, stop_reply: gr.Textbox):
    """The sweep panel; returns its Run event (followed by the history's refresh)."""
    with tx.make(gr.Tab, label_key="sub.sweep", id="train-sweep"):
        tx.make(gr.Markdown, value_key="sweep.intro")
        with gr.Row():
            rates = tx.make(gr.Textbox, config.DEFAULT_SWEEP_RATES, label_key="field.learning_rates",
                            info_key="help.rates", elem_id="sweep-rates", max_length=config.MAX_TEXT_FIELD_CHARS)
            opts = tx.make(CheckedCheckboxGroup, choice_keys=OPTIMIZER_CHOICES, value=["adam"],
                           label_key="field.optimizers", elem_id="sweep-optimizers")
        with gr.Row():
            sweep_btn = tx.make(gr.Button, value_key="btn.sweep", variant="primary", elem_id="sweep-button")
            sweep_stop = tx.make(gr.Button, value_key="btn.stop", variant="stop")
        sweep_status = gr.Markdown(elem_classes="dl-status", elem_id="sweep-status")
        sweep_plot = tx.make(gr.Plot, label_key="plot.sweep", elem_id="sweep-plot")
        sweep_table = gr.Dataframe(interactive=False, elem_id="sweep-table")
        sweep_json = record_accordion(tx)

    sweep_stop.click(stop_training, lang, stop_reply, queue=False, api_visibility="private")
    return sweep_btn.click(sweep, inputs=[*s.inputs(), rates, opts, history, lang],
                           outputs=[sweep_status, sweep_plot, sweep_table, sweep_json],
                           api_name="sweep", **config.concurrency("train"))
