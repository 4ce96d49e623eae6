"""The history & fusion panel: the session's runs compared, downloaded as CSV or a TensorBoard log, or fused."""

from __future__ import annotations

import gradio as gr

from core import config
from tabs.common import error_boundary, record_accordion, table
from tabs.i18n import Texts, tr
from tabs.train.settings import plot_text
from tabs.widgets import CheckedCheckboxGroup


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
    from core.files import write_text_file

    if history is None or not history.labels():
        raise DLLabError("no_runs")
    return str(write_text_file(history.to_csv(), "dllab-history.csv"))


@error_boundary
def tensorboard_log(run_ids, history=None, lang="en"):
    """The chosen runs (all of the session's runs when none is chosen) as a zipped TensorBoard log,
    and the command that shows it."""
    from core.errors import DLLabError
    from core.tensorboard import train_runs_zip, view_command

    if history is None or not history.labels():
        raise DLLabError("no_runs")
    records = history.get(run_ids) if run_ids else history.all()
    path = train_runs_zip(records)
    runs = ", ".join(f"#{r.id}" for r in records)
    return str(path), tr(lang, "tensorboard.command", runs=runs, command=view_command(path))


def build(tx: Texts, lang: gr.State, history: gr.State, code: gr.Code, runs_done: list) -> None:
    """The history panel; each event in ``runs_done`` (a finished run) refreshes it and ``code``."""
    with tx.make(gr.Tab, label_key="sub.history", id="train-history"):
        tx.make(gr.Markdown, value_key="history.intro")
        runs = tx.make(CheckedCheckboxGroup, [], label_key="field.runs", elem_id="history-runs")
        compare_plot = tx.make(gr.Plot, label_key="plot.compare", elem_id="history-plot")
        history_table = gr.Dataframe(interactive=False, elem_id="history-table")
        with gr.Row():
            csv_btn = tx.make(gr.Button, value_key="btn.history_csv", elem_id="history-csv-button")
            csv_out = tx.make(gr.File, label_key="field.history_file", interactive=False, height=100)
            tb_btn = tx.make(gr.Button, value_key="btn.tensorboard", elem_id="tensorboard-button")
            tb_out = tx.make(gr.File, label_key="field.tensorboard_file", interactive=False, height=100)
        tb_command = gr.Markdown(elem_id="tensorboard-command")
        fuse_btn = tx.make(gr.Button, value_key="btn.fuse", variant="primary", elem_id="fuse-button")
        tx.make(gr.Markdown, value_key="help.fuse", elem_classes="dl-help")
        fuse_table = gr.Dataframe(interactive=False, elem_id="fuse-table")
        fuse_json = record_accordion(tx)

    for event in runs_done:
        event.then(refresh_history, inputs=[history, lang], outputs=[runs, history_table, code],
                   api_visibility="private")
    runs.change(compare, [runs, history, lang], [compare_plot, history_table], api_visibility="private")
    fuse_btn.click(fuse, [runs, history, lang], [fuse_table, fuse_json], api_name="fuse")
    csv_btn.click(history_csv, [history, lang], csv_out, api_name="history_csv")
    tb_btn.click(tensorboard_log, [runs, history, lang], [tb_out, tb_command], api_name="tensorboard")
