"""Pretrain tab handlers: /pretrain and Stop, the model size line, the fine-tune choices, export,
import and the TensorBoard log."""

from __future__ import annotations

import gradio as gr

from core import config
from core.scheduler import Waiting
from tabs.common import StopSignals, error_boundary, pretrain_steps, session_key, throttled, waiting_line
from tabs.i18n import tr

_stops = StopSignals()
PLOT_WORDS = {"step": "step", "loss": "ploss", "train": "ptrain", "validation": "pvalidation",
              "scratch_train": "scratch_train", "scratch_validation": "scratch_validation",
              "exact_match": "exact_match", "floor": "floor", "accuracy": "paccuracy"}
REDRAW_S = 0.5


def plot_text(lang: str) -> dict:
    return {k: tr(lang, f"plot.{v}") for k, v in PLOT_WORDS.items()}


def size_line(n_layer, n_head, n_embd, block_size, corpus="arithmetic", lang="en") -> str:
    """How many parameters the chosen shape has (an arithmetic vocabulary; a text adds its characters)."""
    from core.corpus import arithmetic_vocab
    from core.tinygpt import GPTConfig, TinyGPT

    try:
        shape = GPTConfig(vocab_size=len(arithmetic_vocab()), n_layer=int(n_layer), n_head=int(n_head),
                          n_embd=int(n_embd), block_size=int(block_size))
        params = TinyGPT(shape).parameters_count()
    except Exception:  # noqa: BLE001 - a half-typed value: the line waits for a valid one
        return gr.skip()
    return tr(lang, "pretrain.size", params=f"{params:,}", layers=int(n_layer), heads=int(n_head), width=int(n_embd),
              block=int(block_size))


def corpus_chosen(corpus="arithmetic", digits=None):
    """Show the chosen corpus's controls, and the context and batch it starts with."""
    from core.pretrain import corpus_defaults

    try:
        starts = corpus_defaults(corpus, digits)
    except (TypeError, ValueError):
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return (gr.update(visible=corpus == "arithmetic"), gr.update(visible=corpus == "text"), starts["block_size"],
            starts["batch_size"])


def base_choices(registry, lang="en") -> list[tuple[str, str]]:
    """From scratch, then the session's models newest first, named as the Generate tab names them."""
    from tabs.generate.views import trained_label

    models = registry.all() if registry is not None else []
    return [(tr(lang, "pretrain.from_scratch"), "")] + [(trained_label(lang, m), m.id) for m in reversed(models)]


def refresh_bases(registry=None, lang="en", current=""):
    choices = base_choices(registry, lang)
    return gr.update(choices=choices, value=current if current in [v for _, v in choices] else "")


def _samples_text(run) -> str:
    return "\n\n".join(f"[{step}]\n{text}" for step, text in reversed(run.samples))


def status_line(lang: str, summary: dict) -> str:
    name = summary["model_id"]
    if summary["stopped"]:
        lines = [tr(lang, "pretrain.stopped", steps=summary["steps_completed"], seconds=f"{summary['seconds']:.1f}",
                    model=name)]
    else:
        match = "" if summary["exact_match"] is None else tr(lang, "pretrain.match", match=f"{summary['exact_match']:.0%}")
        lines = [tr(lang, "pretrain.done", model=name, steps=summary["steps_completed"],
                    seconds=f"{summary['seconds']:.1f}", tps=f"{summary['tokens_per_s']:,.0f}",
                    val=f"{summary['val_loss']:.3f}" if summary["val_loss"] is not None else "–", match=match)]
    compare = summary.get("compare") or {}
    if compare:
        target = tr(lang, "pretrain.target_exact_match") if compare["target"] == "exact_match" else \
            tr(lang, "pretrain.target_val_loss", value=f"{compare['value']:.3f}")
        lines.append(tr(lang, "pretrain.compare", target=target,
                        tuned=compare["fine_tuned"] or tr(lang, "pretrain.not_reached"),
                        scratch=compare["from_scratch"] or tr(lang, "pretrain.not_reached")))
    if summary.get("missing_chars"):
        chars = "".join(summary["missing_chars"])[:40]
        lines.append(tr(lang, "pretrain.missing", n=len(summary["missing_chars"]), chars=repr(chars)))
    return "\n\n".join(lines)


@error_boundary
def pretrain(corpus="arithmetic", text="", text_file=None, digits=config.ARITHMETIC_DIGITS.default, ops=None,
             n_layer=config.PRETRAIN_LAYERS.default, n_head=config.PRETRAIN_HEADS.default,
             n_embd=config.PRETRAIN_WIDTH.default, block_size=config.PRETRAIN_CONTEXT.default,
             dropout=config.PRETRAIN_DROPOUT.default, learning_rate=config.PRETRAIN_LEARNING_RATE.default,
             warmup_steps=config.PRETRAIN_WARMUP.default, batch_size=config.PRETRAIN_BATCH.default,
             steps=config.PRETRAIN_STEPS.default, seed=config.SEED.default, init_from=None, lang="en",
             registry=None, request: gr.Request = None):
    """Train a tiny GPT; yields (status, curves, samples, record) as it learns."""
    from core.corpus import loss_floor
    from core.pretrain import PretrainConfig, PretrainRun
    from core.pretrain_plots import curves_figure

    cfg = PretrainConfig.from_user(corpus, text, text_file, digits, ops, n_layer, n_head, n_embd, block_size,
                                   dropout, learning_rate, warmup_steps, batch_size, steps, seed, init_from, registry)
    run = PretrainRun(cfg, registry)
    floor = loss_floor(cfg.digits, cfg.ops) if cfg.corpus == "arithmetic" else None
    words = plot_text(lang)
    session = session_key(request)
    stop = _stops.start(session)
    run.should_stop = stop.is_set
    try:
        for record, due in throttled(pretrain_steps(run, stop.is_set), REDRAW_S):
            if isinstance(record, Waiting):
                yield waiting_line(lang, record), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            elif due or record.sample is not None:
                status = tr(lang, "pretrain.running", step=record.step, steps=record.steps,
                            loss=f"{record.train_loss:.3f}", tps=f"{record.tokens_per_s:,.0f}")
                yield (status, curves_figure(run.history, cfg.steps, floor, words), _samples_text(run), gr.skip(),
                       gr.skip())
    finally:
        _stops.finish(session, stop)
    run.register()
    summary = run.summary()
    kept = {"history": list(run.history), "samples": list(run.samples), "config": cfg, "summary": summary}
    yield (status_line(lang, summary), curves_figure(run.history, cfg.steps, floor, words), _samples_text(run),
           summary, kept)


def stop_pretraining(lang="en", request: gr.Request = None) -> str:
    return _stops.answer(request, lang, "pretrain")


@error_boundary
def export(model_id=None, lang="en", registry=None):
    """The newest (or the named) model of this session as a zip."""
    from core.errors import InvalidInput
    from core.pretrain_io import export_zip

    if registry is None or not registry.ids():
        raise InvalidInput("Model", "pretrain_model_missing", value="–")
    entry = registry.get(model_id) if model_id else registry.all()[-1]
    return str(export_zip(entry)), tr(lang, "pretrain.exported", model=entry.id)


@error_boundary
def import_model(path=None, lang="en", registry=None):
    from core.pretrain_io import import_zip

    entry = import_zip(path, registry)
    return tr(lang, "pretrain.imported", model=entry.id, params=f"{entry.model.parameters_count():,}")


@error_boundary
def tensorboard_log(kept=None, lang="en"):
    """The session's last run as a TensorBoard log (a zip) and the command that shows it."""
    from core.errors import InvalidInput
    from core.tensorboard import RunLog, view_command, zip_logs

    if not kept:
        raise InvalidInput("Model", "pretrain_model_missing", value="–")
    model_id = kept["summary"]["model_id"]
    with RunLog(model_id.replace("tiny-", "tiny_gpt-")) as log:
        for r in kept["history"]:
            log.scalars(r.step, {"loss/train": r.train_loss, "loss/validation": r.val_loss, "lr": r.lr,
                                 "exact_match": r.exact_match, "loss/scratch_train": r.scratch_train_loss,
                                 "loss/scratch_validation": r.scratch_val_loss}, walltime=None)
        for step, text in kept["samples"]:
            log.text(step, "sample", text)
        log.hparams({k: v for k, v in kept["config"].__dict__.items() if k != "text" and v is not None},
                    {"val_loss": kept["summary"]["val_loss"], "exact_match": kept["summary"]["exact_match"]})
        root = log.root
    path = zip_logs(root)
    return str(path), tr(lang, "pretrain.tensorboard", model=model_id, command=view_command(path))
