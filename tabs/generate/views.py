"""Generate tab views: the next-token chart, the attention map, the tokens, and their public API."""

from __future__ import annotations

import html

import gradio as gr

from core import config
from core.errors import DLLabError
from tabs.common import error_boundary
from tabs.i18n import error_text, tr

PLOT_WORDS = ("probability", "renormalized", "cut", "chosen", "rank", "query", "key", "weight", "layer", "head")
AFTER_PROMPT = -1          # the picker's value for "the next token after the prompt"


def plot_text(lang: str) -> dict:
    return {w: tr(lang, f"plot.{w}") for w in PLOT_WORDS}


# --- public API ---------------------------------------------------------------------------------------
@error_boundary
def next_token(prompt, temperature=config.TEMPERATURE.default, top_k=config.TOP_K.default,
               top_p=config.TOP_P.default, model=None, precision="fp32", lang="en", registry=None):
    """The most likely next tokens after ``prompt``: prob, kept (survives top-k/top-p), renormalized."""
    from core import explain

    return explain.next_token(prompt, temperature, top_k, top_p, model, precision, registry=registry)


@error_boundary
def attention(prompt, text="", layer=0, head=0, model=None, lang="en", registry=None):
    """What each token looks at in layer ``layer``, head ``head``: {tokens, weights} (rows sum to 1)."""
    from core import explain

    return explain.attention(prompt, text, layer, head, model, registry)


# --- the model choice -------------------------------------------------------------------------------------
def trained_label(lang: str, entry) -> str:
    """How a model trained in this session reads in the model choice: its id, what it learned, its size."""
    if entry.corpus == "arithmetic" and entry.arithmetic:
        learned = tr(lang, "gmodel.arithmetic", ops="/".join(entry.arithmetic["ops"]),
                     digits=entry.arithmetic["digits"])
    else:
        learned = tr(lang, "gmodel.text", chars=len(entry.vocab) - 1)
    return tr(lang, "gmodel.trained", id=entry.id, learned=learned,
              parameters=f"{entry.model.parameters_count():,}")


def model_choices(registry=None, lang="en") -> list[tuple[str, str]]:
    """The allowlisted models, then this session's own ("trained here: tiny-1 (…)"), oldest first."""
    trained = registry.all() if registry is not None else []
    return [(m, m) for m in config.text_models()] + [(trained_label(lang, e), e.id) for e in trained]


def refresh_models(registry=None, lang="en", current=None):
    """The model choice when the tab opens or the language changes: the session's models as they are
    now, the choice kept while it is still there (else the default model)."""
    choices = model_choices(registry, lang)
    values = [v for _, v in choices]
    return gr.update(choices=choices, value=current if current in values else values[0])


# --- the page -------------------------------------------------------------------------------------------
def _token_chips(view: dict) -> str:
    """Prompt tokens (blue) and new tokens (orange) as chips, each with its id."""
    from core.text_plots import visible

    chips = []
    for i, row in enumerate(view["rows"]):
        shade = ("#c7d2fe" if i % 2 else "#e0e7ff") if row["part"] == "prompt" else ("#fed7aa" if i % 2 else "#ffedd5")
        chips.append(f'<span title="#{i} · id {row["id"]}" style="background:{shade};border-radius:4px;'
                     f'padding:1px 3px;margin:1px;display:inline-block;font-family:ui-monospace,monospace;'
                     f'white-space:pre">{html.escape(visible(row["token"]))}<sub style="opacity:.55">'
                     f'{row["id"]}</sub></span>')
    return f'<div id="generate-token-chips">{"".join(chips)}</div>'


def _token_counts(lang: str, view: dict) -> str:
    counts = tr(lang, "tokens.counts", prompt=view["prompt_tokens"], output=view["output_tokens"],
                chars=view["prompt_chars"], per=view["chars_per_token"])
    return counts + "\n\n" + tr(lang, f"tokens.{view['family']}")


def _step_chart(lang: str, run: dict, pick: int):
    from core.text_plots import next_token_chart, visible

    step = run["steps"][pick]
    chosen = {"id": step["id"], "token": step["token"], "prob": step["prob"], "rank": step["rank"]}
    title = tr(lang, "next.title_token", i=pick + 1, token=visible(step["token"]))
    return next_token_chart(step["candidates"], plot_text(lang), chosen=chosen, title=title)


def what_the_model_sees(prompt, temperature, top_k, top_p, model, precision, pick, run, lang="en", registry=None):
    """The next-token chart for the picker's choice (after the prompt, live; or a generated token)
    and the tokens; returns (chart, status, token chips, token counts). A problem shows in the
    status line. A model that is not on this machine yet is not downloaded here: Generate does
    that, with a progress bar."""
    from core import explain
    from core.generate import check_model, check_precision, check_prompt
    from core.lm import resolve
    from core.text_plots import next_token_chart

    try:
        prompt = check_prompt(prompt)
        pick = int(pick) if isinstance(pick, (int, float, str)) and str(pick).lstrip("-").isdigit() else AFTER_PROMPT
        from_run = bool(run) and run.get("prompt") == prompt and 0 <= pick < len(run["steps"])
        if from_run:
            chart, status = _step_chart(lang, run, pick), tr(lang, "next.from_run")
        else:
            candidates = explain.next_token(prompt, temperature, top_k, top_p, model, precision, download=False,
                                            registry=registry)
            chart = next_token_chart(candidates, plot_text(lang), title=tr(lang, "next.title_prompt"))
            status = tr(lang, "next.live", kept=sum(c["kept"] for c in candidates), n=len(candidates))
        loaded = resolve(check_model(model, registry), check_precision(precision), False, registry)
        if run and run.get("prompt") == prompt and run.get("model") == loaded.name:
            view = explain.token_rows(loaded, run["prompt_ids"], [s["id"] for s in run["steps"]])
        else:
            view = explain.token_rows(loaded, loaded.codec.encode(prompt), [])
        return chart, status, _token_chips(view), _token_counts(lang, view)
    except DLLabError as problem:
        return None, f"⚠️ {error_text(lang, problem)}", gr.skip(), gr.skip()


def attention_view(prompt, text, layer, head, model, lang="en", registry=None):
    """The heatmap for prompt + output; returns (figure, status, layer slider, head slider). On the
    page a layer or head past the chosen model's last (after switching to a smaller model) shows
    its last one instead."""
    from core import explain
    from core.generate import check_model
    from core.lm import resolve
    from core.text_plots import attention_heatmap

    try:
        lm = resolve(check_model(model, registry), download=False, registry=registry).lm
        layer = min(int(layer or 0), lm.n_layer - 1) if isinstance(layer, (int, float)) else layer
        head = min(int(head or 0), lm.n_head - 1) if isinstance(head, (int, float)) else head
        record = explain.attention(prompt, text or "", layer, head, model, registry)
    except DLLabError as problem:
        return None, f"⚠️ {error_text(lang, problem)}", gr.skip(), gr.skip()
    status = tr(lang, "attention.status", n=len(record["tokens"]), layers=record["layers"], heads=record["heads"])
    if record["truncated"]:
        status += " " + tr(lang, "attention.truncated", max=len(record["tokens"]))
    return (attention_heatmap(record, plot_text(lang)), status,
            gr.update(maximum=record["layers"] - 1, value=record["layer"]),
            gr.update(maximum=record["heads"] - 1, value=record["head"]))


def picker_choices(run=None, lang="en") -> list:
    """The token picker's choices: the token after the prompt, then each token of the last run."""
    from core.text_plots import visible

    choices = [(tr(lang, "next.after_prompt"), AFTER_PROMPT)]
    steps = run["steps"] if run else []
    return choices + [(f"{i + 1}: {visible(s['token'])}" + (" ⏹" if s["end"] else ""), i)
                      for i, s in enumerate(steps)]


def after_run(run, lang="en"):
    """Once a run has finished: the token picker lists its tokens (the first one chosen) and its code
    (for a model trained here, where its code lives instead)."""
    if not run:
        return gr.skip(), gr.skip()
    code = run["code"] if run["code"] is not None else tr(lang, "generate.code_trained", model=run["model"])
    return gr.update(choices=picker_choices(run, lang), value=0 if run["steps"] else AFTER_PROMPT), code


def relabel_picker(run, lang="en"):
    """The picker's choices in the language just chosen (its value stays)."""
    return gr.update(choices=picker_choices(run, lang))
