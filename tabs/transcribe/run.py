"""Transcribe tab handlers for a finished recording or an upload: /transcribe, Stop, and the views after it."""

from __future__ import annotations

import json

import gradio as gr

from core import config
from core.scheduler import Waiting
from tabs.common import StopSignals, error_boundary, in_turns, session_key, table, waiting_line
from tabs.i18n import tr

_stops = StopSignals()
PLOT_WORDS = ("time", "amplitude", "mel_band", "level", "waveform", "words", "frame", "character", "best_path")
SOURCES = {"local directory": "source.local", "Hugging Face cache": "source.cache", "downloaded": "source.downloaded",
           "pocketsphinx package": "source.package"}


def plot_text(lang: str) -> dict:
    return {w: tr(lang, f"plot.{w}") for w in PLOT_WORDS}


def stats_line(lang: str, record: dict) -> str:
    """What the run cost, which engine ran and why, and the audio's warnings."""
    why = record["reason"]
    why = {"auto: wav2vec2 loaded": tr(lang, "transcribe.auto_loaded"),
           "auto: a phrase list was given": tr(lang, "transcribe.auto_phrases")}.get(why) or (
        tr(lang, "transcribe.auto_fallback") if why.startswith("auto: wav2vec2 unavailable") else "")
    key = "transcribe.stopped" if record["stopped"] else "transcribe.done"
    line = tr(lang, key, duration=f"{record['duration_s']:.1f}", seconds=f"{record['processing_s']:.2f}",
              rtf=f"{record['rtf']:.3f}", engine=tr(lang, f"engine.{record['engine']}"),
              source=tr(lang, SOURCES.get(record["source"], "source.local")), device=record["device"],
              precision=record["precision"])
    extras = [tr(lang, "transcribe.audio_info", rate=record["sample_rate_in"], channels=record["channels_in"],
                 format=record["format"])]
    extras += [why] if why else []
    if record.get("language"):
        extras.append(tr(lang, "transcribe.language", language=record["language"]))
    if record.get("mode"):
        extras.append(tr(lang, f"transcribe.mode_{record['mode']}"))
    if record.get("masked"):
        extras.append(tr(lang, "transcribe.masked", n=record["masked"]))
    extras += [tr(lang, f"transcribe.warning_{w}") for w in record.get("warnings", [])]
    return line + ("\n\n" + "\n\n".join(extras) if extras else "")


@error_boundary
def transcribe(audio, engine="auto", precision="fp32", language="auto", phrases="", filter=True,  # noqa: A002
               lang="en", request: gr.Request = None, progress=gr.Progress(track_tqdm=True)):
    """Speech to text; yields (text, segments, record, what the page keeps for its views)."""
    from core import cluster, cluster_runs
    from core.audio import read_audio
    from core.speech import TranscribeConfig, Transcription

    cfg = TranscribeConfig.from_user(engine, precision, language, phrases, filter)
    sound = read_audio(audio, max(config.AUDIO_MAX_SECONDS.values()))
    yield "", gr.skip(), gr.skip(), gr.skip()
    session = session_key(request)
    stop = _stops.start(session)
    try:
        if cluster.ready():                      # the Ray cluster loads the model and hears the audio
            run = cluster_runs.RemoteTranscription(cfg, sound, stop.is_set)
            steps = run.steps()
        else:
            run = Transcription(cfg, sound, should_stop=stop.is_set)
            # pocketsphinx decodes a clip in one long unit, in a worker process on one thread: its turn
            # holds one core meanwhile (its own kind, so that its units' length is learnt apart)
            sphinx = run.engine == "pocketsphinx"
            steps = in_turns("pocketsphinx" if sphinx else "transcribe", run.steps(), stop.is_set,
                             most=1 if sphinx else None)
        for step in steps:
            if isinstance(step, Waiting):
                yield waiting_line(lang, step), gr.skip(), gr.skip(), gr.skip()
                continue
            progress(step.done_s / step.total_s, desc=tr(lang, "transcribe.hearing", done=f"{step.done_s:.0f}",
                                                         total=f"{step.total_s:.0f}"))
            yield step.text, gr.skip(), gr.skip(), gr.skip()
        result = run.result()
    finally:
        _stops.finish(session, stop)
    record = result.summary(sound)
    kept = {"path": audio, "record": record, "emission": result.emission}
    yield result.text, record["segments"], record, kept


def stop_transcribing(lang="en", request: gr.Request = None) -> str:
    """Ask this session's running transcription to stop after the current chunk."""
    return _stops.answer(request, lang, "transcribe")


def segment_rows(lang: str, segments: list[dict]) -> dict:
    return table([{"i": i + 1, "start": f"{s['start']:.2f}", "end": f"{s['end']:.2f}", "text": s["text"]}
                  for i, s in enumerate(segments)],
                 [("i", "#"), ("start", tr(lang, "transcribe.col_start")), ("end", tr(lang, "transcribe.col_end")),
                  ("text", tr(lang, "transcribe.col_text"))])


def downloads(record: dict) -> list[str]:
    """The transcript as TXT, SRT, WebVTT and JSON files."""
    from core.files import write_files
    from core.subtitles import subtitle_lines, to_srt, to_text, to_vtt

    segments = record["segments"]
    lines = subtitle_lines(segments) if record["engine"] != "whisper" else segments
    files = {"transcript.txt": to_text(segments), "transcript.srt": to_srt(lines), "transcript.vtt": to_vtt(lines),
             "transcript.json": json.dumps(record, ensure_ascii=False, indent=2)}
    return [str(p) for p in write_files({name: text.encode("utf-8") for name, text in files.items()})]


def after_run(kept, lang="en"):
    """Once a transcription has finished: status, the table of words, the downloads, the figures."""
    from core.audio import read_audio
    from core.audio_plots import ctc_figure, spectrogram_figure, waveform_figure

    if not kept:
        return (gr.skip(),) * 7
    record, words = kept["record"], plot_text(lang)
    try:
        sound = read_audio(kept["path"], max(config.AUDIO_MAX_SECONDS.values()))
        figures = (waveform_figure(sound, record["segments"], words), spectrogram_figure(sound, record["segments"], words))
    except Exception:  # noqa: BLE001 - the upload was swept away since: the results stand without figures
        figures = (None, None)
    view = kept.get("emission")
    ctc = ctc_figure(view, words) if view is not None else None
    ctc_note = tr(lang, "ctc.spelled", spelled=view.spelled()[:400], collapsed=view.collapsed()) if view else \
        tr(lang, "ctc.none")
    return (stats_line(lang, record), segment_rows(lang, record["segments"]), downloads(record), *figures, ctc,
            ctc_note)


def play_segment(kept, lang="en", evt: gr.SelectData = None):
    """The stretch of audio of the clicked row, to play."""
    from core.audio import read_audio

    if not kept or evt is None or not isinstance(evt.index, (list, tuple)):
        return gr.skip()
    segments = kept["record"]["segments"]
    row = evt.index[0]
    if not isinstance(row, int) or not 0 <= row < len(segments):
        return gr.skip()
    try:
        sound = read_audio(kept["path"], max(config.AUDIO_MAX_SECONDS.values()))
    except Exception:  # noqa: BLE001 - the upload is gone: nothing to play
        return gr.skip()
    start = max(0, int((segments[row]["start"] - 0.15) * config.SAMPLE_RATE))
    end = int((segments[row]["end"] + 0.15) * config.SAMPLE_RATE)
    return config.SAMPLE_RATE, (sound.samples[start:end] * 32767).astype("int16")

