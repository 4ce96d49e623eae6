"""Generate tab handlers that decode: one prompt streamed (/generate), Stop, and strategies side by side.

Every run is a row of its model's batch (core.batching): concurrent users decode together, each
streams their own tokens, and Stop or a closed page ends only their own row."""

from __future__ import annotations

from contextlib import closing

import gradio as gr

from core import config
from tabs.common import StopSignals, error_boundary, session_key, throttled
from tabs.i18n import error_text, tr

_stops = StopSignals()
SOURCES = {"local directory": "source.local", "Hugging Face cache": "source.cache", "downloaded": "source.downloaded",
           "trained in this session": "source.trained"}


def _settings(prompt, max_new_tokens, strategy, temperature, top_k, top_p, num_beams, repetition_penalty,
              no_repeat_ngram_size, seed, precision, model, registry):
    from core.generate import GenerateConfig

    return GenerateConfig.from_user(prompt, max_new_tokens, strategy, temperature, top_k, top_p, num_beams,
                                    repetition_penalty, no_repeat_ngram_size, seed, precision, model, registry)


def _load(cfg, registry):
    """The model, loaded on first use (a download shows Gradio's progress bar), or the session's
    own from ``registry``; a model that is not here leaves its message on the page as well as in
    the toast."""
    from core.errors import ModelUnavailable
    from core.lm import resolve

    try:
        return resolve(cfg.model, cfg.precision, registry=registry), None
    except ModelUnavailable as missing:
        return None, missing


def _progress(lang: str, n: int, elapsed: float) -> str:
    return tr(lang, "generate.progress", n=n, speed=f"{n / elapsed:.1f}" if elapsed > 0 else "–")


def stats_line(lang: str, summary: dict) -> str:
    """What the run cost and where the model came from, for the status line."""
    key = "generate.stopped" if summary["stopped"] else "generate.done"
    line = tr(lang, key, n=summary["new_tokens"], ttft=f"{summary['ttft_s']:.2f}",
              speed=f"{summary['tokens_per_s']:.1f}", model=summary["model"],
              source=tr(lang, SOURCES.get(summary["source"], "source.local")), device=summary["device"],
              precision=summary["precision"])
    if summary["strategy"] == "beam":
        line += "\n\n" + tr(lang, "generate.beam_note")
    for note in summary["notes"]:
        if note.get("note") == "prompt_truncated":
            line += "\n\n" + tr(lang, "generate.truncated", tokens=note["tokens"], kept=note["kept"])
        elif note.get("note") == "window_slides":
            line += "\n\n" + tr(lang, "generate.window_slides", context=note["context"])
        elif note.get("note") == "no_token_left":
            line += "\n\n" + tr(lang, "generate.no_token_left")
    return line


def run_record(result) -> dict:
    """What the page keeps of a run for its views (plain data; the model stays in core's cache)."""
    from core.explain import candidate_rows

    return {"model": result.model.name, "precision": result.model.precision,
            "prompt": result.config.prompt, "prompt_ids": list(result.prompt_ids),
            "text": result.text, "family": result.model.codec.family,
            "steps": [{"token": s.token, "id": s.id, "prob": s.prob, "rank": s.rank, "end": s.end,
                       "candidates": candidate_rows(s.candidates, result.model.codec)} for s in result.steps]}


@error_boundary
def generate(prompt, max_new_tokens=config.MAX_NEW_TOKENS.default, strategy="greedy",
             temperature=config.TEMPERATURE.default, top_k=config.TOP_K.default, top_p=config.TOP_P.default,
             num_beams=config.NUM_BEAMS.default, repetition_penalty=config.REPETITION_PENALTY.default,
             no_repeat_ngram_size=config.NO_REPEAT_NGRAM.default, seed=config.SEED.default, precision="fp32",
             model=None, lang="en", registry=None, request: gr.Request = None,
             progress=gr.Progress(track_tqdm=True)):
    """Stream the continuation of ``prompt``; yields (text, status, record, the run kept for the views).
    ``model`` may name a model trained in this session (``registry``, a gr.State: not an API parameter)."""
    from core.generate import Generation
    from core.explain import generation_code

    cfg = _settings(prompt, max_new_tokens, strategy, temperature, top_k, top_p, num_beams, repetition_penalty,
                    no_repeat_ngram_size, seed, precision, model, registry)
    yield "", tr(lang, "generate.loading", model=cfg.model, precision=cfg.precision), gr.skip(), gr.skip()
    loaded, missing = _load(cfg, registry)
    if missing is not None:
        yield "", f"⚠️ {error_text(lang, missing)}", gr.skip(), gr.skip()
        raise missing
    session = session_key(request)
    stop = _stops.start(session)
    try:
        run = Generation(cfg, loaded, should_stop=stop.is_set)
        if cfg.strategy == "beam":
            yield "", tr(lang, "generate.beam_running", beams=cfg.num_beams), gr.skip(), gr.skip()
        text = ""
        # closing: when Gradio closes this handler (the client went away), the run's row leaves the batch
        with closing(run.tokens()) as tokens:
            for record, due in throttled(tokens, config.STREAM_INTERVAL_S, config.STREAM_SHARE):
                text += record.text
                if due:
                    yield text, _progress(lang, record.index + 1, record.elapsed_s), gr.skip(), gr.skip()
        result = run.result()
    finally:
        _stops.finish(session, stop)
    summary = result.summary()
    kept = run_record(result)
    kept["code"] = generation_code(result)
    yield result.text, stats_line(lang, summary), summary, kept


def stop_generation(lang="en", request: gr.Request = None) -> str:
    """Ask this session's running generation (or comparison) to stop after the current token."""
    return _stops.answer(request, lang, "generate")


@error_boundary
def compare(prompt, strategies, max_new_tokens, strategy, temperature, top_k, top_p, num_beams, repetition_penalty,
            no_repeat_ngram_size, seed, precision, model, lang="en", registry=None, request: gr.Request = None,
            progress=gr.Progress(track_tqdm=True)):
    """The same prompt under two or three strategies, streamed side by side; yields (3 texts, status)."""
    from core import validate
    from core.generate import Generation, side_by_side

    chosen = validate.choices(strategies, config.STRATEGIES, "Strategies", config.MAX_COMPARE)
    configs = [_settings(prompt, max_new_tokens, each, temperature, top_k, top_p, num_beams, repetition_penalty,
                         no_repeat_ngram_size, seed, precision, model, registry) for each in chosen]
    loaded, missing = _load(configs[0], registry)
    if missing is not None:
        yield "", "", "", f"⚠️ {error_text(lang, missing)}"
        raise missing
    session = session_key(request)
    stop = _stops.start(session)
    texts = [""] * config.MAX_COMPARE
    try:
        runs = [Generation(cfg, loaded, should_stop=stop.is_set) for cfg in configs]
        with closing(side_by_side(runs)) as records:
            for (i, record), due in throttled(records, config.STREAM_INTERVAL_S, config.STREAM_SHARE):
                texts[i] += record.text
                if due:
                    yield *texts, tr(lang, "compare.running")
        results = [r.result() for r in runs]
    finally:
        _stops.finish(session, stop)
    for i, result in enumerate(results):
        texts[i] = result.text
    lines = [tr(lang, "compare.line", strategy=tr(lang, f"strategy.{r.config.strategy}"), n=len(r.steps),
                distinct=len(set(r.ids)), speed=f"{r.tokens_per_s:.1f}") for r in results]
    yield *texts, "\n\n".join(lines)


def compare_labels(strategies, lang="en"):
    """Each output box is titled by the strategy it shows."""
    chosen = [s for s in (strategies or []) if s in config.STRATEGIES][: config.MAX_COMPARE]
    return [gr.update(label=tr(lang, f"strategy.{chosen[i]}") if i < len(chosen) else "—",
                      visible=i < max(2, len(chosen))) for i in range(config.MAX_COMPARE)]
