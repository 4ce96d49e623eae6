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
               top_p=config.TOP_P.default, model=None, precision="fp32", lang="en"):
    """The most likely next tokens after ``prompt``: prob, kept (survives top-k/top-p), renormalized."""
    from core import explain

    return explain.next_token(prompt, temperature, top_k, top_p, model, precision)


@error_boundary
def attention(prompt, text="", layer=0, head=0, model=None, lang="en"):
    """What each token looks at in layer ``layer``, head ``head``: {tokens, weights} (rows sum to 1)."""
    from core import explain

    return explain.attention(prompt, text, layer, head, model)


# --- the page -------------------------------------------------------------------------------------------
def _token_html(lang: str, view: dict) -> str:
    from core.text_plots import visible

    chips = []
    for i, row in enumerate(view["rows"]):
        shade = "#e0e7ff" if row["part"] == "prompt" else "#ffedd5"
        if i % 2:
            shade = "#c7d2fe" if row["part"] == "prompt" else "#fed7aa"
        chips.append(f'<span title="#{i} · id {row["id"]}" style="background:{shade};border-radius:4px;'
                     f'padding:1px 3px;margin:1px;display:inline-block;font-family:ui-monospace,monospace;'
                     f'white-space:pre">{html.escape(visible(row["token"]))}<sub style="opacity:.55">'
                     f'{row["id"]}</sub></span>')
    counts = tr(lang, "tokens.counts", prompt=view["prompt_tokens"], output=view["output_tokens"],
                chars=view["prompt_chars"], per=view["chars_per_token"])
    about = tr(lang, f"tokens.{view['family']}")
    return f'<div id="generate-token-chips">{"".join(chips)}</div><p>{counts}</p><p class="dl-help">{about}</p>'


def _step_chart(lang: str, run: dict, pick: int):
    from core.text_plots import next_token_chart, visible

    step = run["steps"][pick]
    chosen = {"id": step["id"], "token": step["token"], "prob": step["prob"], "rank": step["rank"]}
    title = tr(lang, "next.title_token", i=pick + 1, token=visible(step["token"]))
    return next_token_chart(step["candidates"], plot_text(lang), chosen=chosen, title=title)


def what_the_model_sees(prompt, temperature, top_k, top_p, model, precision, pick, run, lang="en"):
    """The next-token chart for the picker's choice (after the prompt, live; or a generated token)
    and the tokens; returns (chart, status, tokens). A problem shows in the status line."""
    from core import explain
    from core.generate import check_model, check_precision, check_prompt, text_model
    from core.text_plots import next_token_chart

    try:
        prompt = check_prompt(prompt)
        pick = int(pick) if isinstance(pick, (int, float, str)) and str(pick).lstrip("-").isdigit() else AFTER_PROMPT
        from_run = bool(run) and run.get("prompt") == prompt and 0 <= pick < len(run["steps"])
        if from_run:
            chart, status = _step_chart(lang, run, pick), tr(lang, "next.from_run")
        else:
            candidates = explain.next_token(prompt, temperature, top_k, top_p, model, precision)
            chart = next_token_chart(candidates, plot_text(lang), title=tr(lang, "next.title_prompt"))
            status = tr(lang, "next.live", kept=sum(c["kept"] for c in candidates), n=len(candidates))
        loaded = text_model(check_model(model), check_precision(precision))
        if run and run.get("prompt") == prompt and run.get("model") == loaded.name:
            view = explain.token_rows(loaded, run["prompt_ids"], [s["id"] for s in run["steps"]])
        else:
            view = explain.token_rows(loaded, loaded.codec.encode(prompt), [])
        return chart, status, _token_html(lang, view)
    except DLLabError as problem:
        return None, f"⚠️ {error_text(lang, problem)}", gr.skip()


def attention_view(prompt, text, layer, head, model, lang="en"):
    """The heatmap for prompt + output; returns (figure, status, layer slider, head slider)."""
    from core import explain
    from core.text_plots import attention_heatmap

    try:
        record = explain.attention(prompt, text or "", layer, head, model)
    except DLLabError as problem:
        return None, f"⚠️ {error_text(lang, problem)}", gr.skip(), gr.skip()
    status = tr(lang, "attention.status", n=len(record["tokens"]), layers=record["layers"], heads=record["heads"])
    if record["truncated"]:
        status += " " + tr(lang, "attention.truncated", max=config.ATTENTION_MAX_TOKENS)
    return (attention_heatmap(record, plot_text(lang)), status,
            gr.update(maximum=record["layers"] - 1), gr.update(maximum=record["heads"] - 1))


def after_run(run, lang="en"):
    """Once a run has finished: the token picker lists its tokens (the first one chosen) and its code."""
    from core.text_plots import visible

    if not run:
        return gr.skip(), gr.skip()
    choices = [(tr(lang, "next.after_prompt"), AFTER_PROMPT)]
    choices += [(f"{i + 1}: {visible(s['token'])}" + (" ⏹" if s["end"] else ""), i) for i, s in enumerate(run["steps"])]
    return gr.update(choices=choices, value=0 if run["steps"] else AFTER_PROMPT), run["code"]


def picker_choices(lang="en"):
    """Before any run the picker offers only the token after the prompt."""
    return [(tr(lang, "next.after_prompt"), AFTER_PROMPT)]
