"""Quantize tab handlers: /quantize and Stop, the model choices, and the views of one method."""

from __future__ import annotations

import gradio as gr

from core import config
from tabs.common import StopSignals, error_boundary, session_key, table
from tabs.i18n import tr

_stops = StopSignals()
PLOT_WORDS = ("size_title", "size_axis", "speed_title", "speed_axis", "one_thread", "all_threads", "fp32",
              "not_applicable", "weights_title", "value", "count", "before", "after", "zoom_title", "steps",
              "no_grid")
BUILTINS = config.QUANTIZE_MODELS[1:]
RESULT_COLUMNS = ("method", "mb", "ratio", "limit", "ms_1t", "ms_all", "speedup", "accuracy", "changed", "replaced",
                  "note")


def plot_text(lang: str) -> dict:
    return {w: tr(lang, f"plot.{w}") for w in PLOT_WORDS}


def method_names(lang: str) -> dict:
    return {m: tr(lang, f"qmethod.{m}") for m in config.QUANTIZE_METHODS}


def model_choices(history, lang="en") -> list[tuple[str, str]]:
    """The models to choose from: this session's runs that still hold their weights, then the built-ins."""
    runs = [r for r in reversed(history.runs) if r.weights is not None] if history is not None else []
    mine = [(tr(lang, "qmodel.trained"), "trained")] if runs else []
    mine += [(tr(lang, "qmodel.run", label=r.label), f"trained:{r.id}") for r in runs]
    return mine + [(tr(lang, f"qmodel.{k}"), k) for k in BUILTINS]


def refresh_models(history=None, lang="en", current=None, seen=None):
    """The model dropdown when the tab opens or the language changes, and the newest run seen so far.

    A run trained since the tab last looked is chosen for the student ("Your newest trained run");
    otherwise the choice stays while it is still there."""
    choices = model_choices(history, lang)
    values = [v for _, v in choices]
    newest = history.last_with_weights() if history is not None else None
    newest_id = newest.id if newest is not None else None
    if newest_id is not None and newest_id != seen:
        current = "trained"
    return gr.update(choices=choices, value=current if current in values else "mlp"), newest_id


def model_label(lang: str, key: str, history) -> str:
    if key.startswith("trained:") and history is not None:
        found = [r for r in history.runs if f"trained:{r.id}" == key]
        if found:
            return tr(lang, "qmodel.run", label=found[0].label)
    return tr(lang, f"qmodel.{key}")


@error_boundary
def quantize(model="mlp", methods=None, lang="en", history=None, request: gr.Request = None,
             progress=gr.Progress()):
    """Quantize ``model`` with each of ``methods``; yields (chart, records, what the page keeps for its views)."""
    from core.quantize_plots import size_speed_figure
    from core.quantize_run import QuantizeConfig, QuantizeRun

    cfg = QuantizeConfig.from_user(model, methods, history)
    session = session_key(request)
    stop = _stops.start(session)
    name = model_label(lang, cfg.model, history)
    try:
        run = QuantizeRun(cfg, history, should_stop=stop.is_set)
        for step in run.steps():
            words = {"model": tr(lang, "quantize.stage_model", model=name),
                     "baseline": tr(lang, "quantize.stage_baseline"),
                     "latency": tr(lang, "quantize.stage_latency")}
            desc = words.get(step.stage) or tr(lang, "quantize.stage_method", method=tr(lang, f"qmethod.{step.method}"))
            progress(step.done / step.total, desc=desc)
        result = run.result()
    finally:
        _stops.finish(session, stop)
    records = result.records()
    figure = size_speed_figure(records, method_names(lang), plot_text(lang))
    yield figure, records, {"model": cfg.model, "name": name, "result": result}


def stop_quantizing(lang="en", request: gr.Request = None) -> str:
    return _stops.answer(request, lang, "quantize")


def status_line(lang: str, kept: dict) -> str:
    from tabs.i18n import error_text

    result = kept["result"]
    applied = [m for m in result.methods if m.why_not is None]
    fp32 = applied[0].bytes_fp32 / 1e6 if applied else 0.0
    if result.stopped:
        lines = [tr(lang, "quantize.stopped", n=len(result.methods))]
    elif result.threads_all is None:          # every figure came from the cache: nothing was timed just now
        lines = [tr(lang, "quantize.done_cached", model=kept["name"], params=f"{result.params:,}", fp32=f"{fp32:.2f}")]
    else:
        busy = result.busy
        lines = [tr(lang, "quantize.done", model=kept["name"], params=f"{result.params:,}", fp32=f"{fp32:.2f}",
                    threads=result.threads_all or "?", busy="?" if busy is None else f"{busy:.0%}",
                    busy_note=tr(lang, "quantize.busy_note") if busy is not None and busy > 0.25 else "")]
    if not result.real_weights:
        lines.append(tr(lang, "quantize.random", model=kept["name"]))
    for m in result.methods:
        if m.why_not is not None:
            why = error_text(lang, _Reason(m.why_not, m.why_not_params))
            lines.append(tr(lang, "quantize.not_applies", method=tr(lang, f"qmethod.{m.method}"), why=why))
    return "\n\n".join(lines)


class _Reason:
    """A method's why-not, shaped like a core error for error_text."""

    def __init__(self, key, params):
        from core.messages import render

        self.key, self.params, self.message = key, params, render(key, params)


def _fmt(x, spec):
    return "" if x is None else format(x, spec)


def result_rows(lang: str, kept: dict) -> dict:
    rows = []
    for r in kept["result"].records():
        accuracy = ""
        if r["accuracy_before"] is not None:
            accuracy = f"{r['accuracy_before']:.3f} → {r['accuracy_after']:.3f}"
        elif r["agreement"] is not None:
            accuracy = f"{r['agreement']:.1%} = fp32"
        changed = f"{r['changed']} / {r['compared']}" if r["changed"] is not None else ""
        rows.append({"method": tr(lang, f"qmethod.{r['method']}"), "mb": _fmt(r["bytes"] and r["bytes"] / 1e6, ".3f"),
                     "ratio": _fmt(r["ratio"], ".2f") + ("×" if r["ratio"] else ""), "limit": f"{r['limit']:g}×",
                     "ms_1t": _fmt(r["latency_ms_1t"], ".3f"), "ms_all": _fmt(r["latency_ms_all"], ".3f"),
                     "speedup": _fmt(r["speedup"], ".2f") + ("×" if r["speedup"] else ""), "accuracy": accuracy,
                     "changed": changed, "replaced": "" if r["modules_replaced"] is None else r["modules_replaced"],
                     "note": "" if r["applies"] else tr(lang, "plot.not_applicable")})
    return table(rows, [(k, tr(lang, f"qcol.{k}")) for k in RESULT_COLUMNS])


def focus_choices(lang: str, kept: dict) -> list[tuple[str, str]]:
    return [(tr(lang, f"qmethod.{m.method}"), m.method) for m in kept["result"].methods if m.why_not is None]


def after_run(kept, lang="en"):
    """Once a study has finished: status, the results table, and the method to look closer at."""
    if not kept:
        return (gr.skip(),) * 3
    choices = focus_choices(lang, kept)
    return (status_line(lang, kept), gr.update(value=result_rows(lang, kept), visible=True),
            gr.update(choices=choices, value=choices[0][1] if choices else None))


def _method(kept, method):
    if not kept:
        return None
    found = [m for m in kept["result"].methods if m.method == method and m.why_not is None]
    return found[0] if found else None


def focus(kept, method, history=None, lang="en"):
    """The views of one method: its module table, its layers to choose from, its code, the first
    layer's weights, and no file yet. The weights are drawn here: when the new list starts with the
    layer already chosen ("0" again), the layer's own change event does not fire, and the chart
    would go on showing the previous method's weights."""
    from core.quantize_run import code_for

    chosen = _method(kept, method)
    if chosen is None:
        return (gr.skip(),) * 5
    rows = table([{**row, "params": f"{row['params']:,}", "bytes_before": f"{row['bytes_before']:,}",
                   "bytes_after": f"{row['bytes_after']:,}"} for row in chosen.modules],
                 [("name", tr(lang, "qlayer.name")), ("type_before", tr(lang, "qlayer.before")),
                  ("type_after", tr(lang, "qlayer.after")), ("params", tr(lang, "qlayer.params")),
                  ("bytes_before", tr(lang, "qlayer.bytes_before")), ("bytes_after", tr(lang, "qlayer.bytes_after"))])
    layers = [(layer_label(lang, chosen, h, counted=True), h.layer) for h in chosen.histograms]
    try:
        code = code_for(kept["model"], method, history)
    except Exception:  # noqa: BLE001 - the views stand without the code
        code = tr(lang, "quantize.code_none")
    first = layers[0][1] if layers else None
    return (gr.update(value=rows, visible=True), gr.update(choices=layers, value=first), code,
            weights(kept, method, first, lang) if first is not None else None, None)


def layer_label(lang: str, chosen, hist, counted=False) -> str:
    """A layer as the page names it: its module name (a bare "0" in a Sequential) with its type before
    quantization, and, in the list to choose from, how many weights it holds."""
    owners = [row for row in chosen.modules if hist.layer == row["name"] or hist.layer.startswith(row["name"] + ".")]
    kind = max(owners, key=lambda row: len(row["name"]))["type_before"] if owners else ""
    if counted:
        return tr(lang, "qlayer.choice", layer=hist.layer, type=kind, n=f"{int(hist.before.sum()):,}")
    return f"{hist.layer} · {kind}" if kind else hist.layer


def weights(kept, method, layer, lang="en"):
    """One layer's weights before and after the method."""
    from core.quantize_plots import histogram_figure

    chosen = _method(kept, method)
    if chosen is None:
        return gr.skip()
    found = [h for h in chosen.histograms if h.layer == layer]
    if not found:
        return gr.skip()
    return histogram_figure(found[0], tr(lang, f"qmethod.{method}"), plot_text(lang),
                            layer_name=layer_label(lang, chosen, found[0]))


@error_boundary
def download(kept, method, history=None, lang="en"):
    """The quantized state dict of the method looked at, as a file."""
    from core.quantize_run import save_quantized

    if _method(kept, method) is None:
        return gr.skip()
    return str(save_quantized(kept["model"], method, history))
