"""Transcribe tab: speech to text from the microphone or a file, with the signal, the CTC view and live mode.

The settings column feeds the handlers for a finished recording (run.py: /transcribe, Stop,
the views after it) and for the microphone streamed live (live.py).
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from core import config
from tabs.common import record_accordion, tab_with_intro
from tabs.i18n import Texts, tr
from tabs.transcribe import live as live_mode
from tabs.transcribe import run as runs
from tabs.widgets import CheckedAudio, CheckedDropdown, CheckedRadio

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "speech"
ENGINE_CHOICES = [(f"engine.{e}", e) for e in config.ENGINES]
LIVE_ENGINES = [(f"engine.{e}", e) for e in ("pocketsphinx", "wav2vec2")]
PRECISION_CHOICES = [(f"precision.{p}", p) for p in config.PRECISIONS]


def build(lang: gr.State, switch: gr.Radio) -> Texts:
    """Lay out the Transcribe tab and wire its events; returns its translatable components."""
    tx = Texts()
    private = dict(api_visibility="private")
    with tab_with_intro(tx, "transcribe"):
        kept = gr.State(None)                                   # this session's last transcription
        # its live transcriber; a session that goes away without stopping still hands its decoder back
        listening = gr.State(None, time_to_live=2 * config.LIVE_MAX_SECONDS, delete_callback=live_mode.let_go)
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=330):
                audio = tx.make(CheckedAudio, sources=["microphone", "upload"], type="filepath",
                                label_key="field.audio", elem_id="transcribe-audio")
                examples = gr.Examples([[str(p)] for p in sorted(SAMPLES.glob("*.wav"))], inputs=audio,
                                       label=tr("en", "transcribe.samples"))
                tx.add(examples.dataset, label="transcribe.samples")
                engine = tx.make(CheckedRadio, choice_keys=ENGINE_CHOICES, value="auto", label_key="field.engine",
                                 info_key="help.engine", elem_id="transcribe-engine")
                precision = tx.make(CheckedRadio, choice_keys=PRECISION_CHOICES, value="fp32",
                                    label_key="field.precision", info_key="help.transcribe_precision")
                language = tx.make(CheckedDropdown, choices=list(config.WHISPER_LANGUAGES), value="auto",
                                   label_key="field.language", info_key="help.language", elem_id="transcribe-language")
                phrases = tx.make(gr.Textbox, "", lines=4, label_key="field.phrases", info_key="help.phrases",
                                  placeholder_key="help.phrases_example", max_length=config.MAX_PHRASES_TEXT,
                                  elem_id="transcribe-phrases")
                filter_ = tx.make(gr.Checkbox, value=True, label_key="field.classroom_filter", info_key="help.filter",
                                  elem_id="transcribe-filter")
            with gr.Column(scale=2):
                with gr.Row():
                    start = tx.make(gr.Button, value_key="btn.transcribe", variant="primary",
                                    elem_id="transcribe-button")
                    stop = tx.make(gr.Button, value_key="btn.stop", variant="stop", elem_id="transcribe-stop")
                status = tx.make(gr.Markdown, value_key="transcribe.ready", until_replaced=True,
                                 elem_classes="dl-status", elem_id="transcribe-status")
                text = tx.make(gr.Textbox, lines=4, label_key="field.transcript", interactive=False, buttons=["copy"],
                               elem_id="transcribe-text")
                stop_reply = gr.Textbox(visible=False)
                with gr.Tabs():
                    with tx.make(gr.Tab, label_key="sub.words", id="transcribe-words"):
                        tx.make(gr.Markdown, value_key="help.words", elem_classes="dl-help")
                        rows = gr.Dataframe(interactive=False, elem_id="transcribe-table")
                        player = tx.make(gr.Audio, label_key="field.stretch", interactive=False, autoplay=True,
                                         elem_id="transcribe-player")
                    with tx.make(gr.Tab, label_key="sub.signal", id="transcribe-signal"):
                        tx.make(gr.Markdown, value_key="help.signal", elem_classes="dl-help")
                        wave = tx.make(gr.Plot, label_key="plot.waveform_title", elem_id="transcribe-wave")
                        mel = tx.make(gr.Plot, label_key="plot.spectrogram_title", elem_id="transcribe-mel")
                    with tx.make(gr.Tab, label_key="sub.ctc", id="transcribe-ctc"):
                        tx.make(gr.Markdown, value_key="ctc.intro", elem_classes="dl-help")
                        ctc = tx.make(gr.Plot, label_key="plot.ctc_title", elem_id="transcribe-ctc-plot")
                        ctc_note = gr.Markdown(elem_id="transcribe-ctc-note")
                    with tx.make(gr.Tab, label_key="sub.files", id="transcribe-files"):
                        files = tx.make(gr.File, label_key="field.transcript_files", file_count="multiple",
                                        interactive=False, elem_id="transcribe-files-out")
                    with tx.make(gr.Tab, label_key="sub.live", id="transcribe-live"):
                        tx.make(gr.Markdown, value_key="live.intro", elem_classes="dl-help")
                        live_engine = tx.make(CheckedRadio, choice_keys=LIVE_ENGINES, value="pocketsphinx",
                                              label_key="field.live_engine", elem_id="live-engine")
                        mic = tx.make(gr.Audio, sources=["microphone"], streaming=True, type="numpy",
                                      label_key="field.microphone", elem_id="live-mic")
                        live_status = tx.make(gr.Markdown, value_key="live.ready", until_replaced=True,
                                              elem_classes="dl-status", elem_id="live-status")
                        live_text = tx.make(gr.Textbox, lines=4, label_key="field.transcript", interactive=False,
                                            elem_id="live-text")
                        live_files = tx.make(gr.File, label_key="field.transcript_files", file_count="multiple",
                                             interactive=False, elem_id="live-files")
                with tx.make(gr.Accordion, label_key="acc.segments", open=False):
                    segments = gr.JSON(elem_id="transcribe-segments")
                record = record_accordion(tx, elem_id="transcribe-record")

    heavy, streams = config.concurrency("transcribe"), config.concurrency("live")
    start.click(runs.transcribe, [audio, engine, precision, language, phrases, filter_, lang],
                [text, segments, record, kept], api_name="transcribe", show_progress_on=[text], **heavy) \
        .success(runs.after_run, [kept, lang], [status, rows, files, wave, mel, ctc, ctc_note], **private)
    stop.click(runs.stop_transcribing, lang, stop_reply, api_name="stop_transcribing", queue=False)
    rows.select(runs.play_segment, [kept, lang], player, **private)
    mic.start_recording(live_mode.start, [live_engine, phrases, filter_, lang], [listening, live_status],
                        **private)
    mic.stream(live_mode.listen, [mic, listening, lang], [live_text, listening], stream_every=0.5,
               time_limit=config.LIVE_MAX_SECONDS, **streams, **private)
    mic.stop_recording(live_mode.finish, [listening, lang], [live_text, live_files, live_status, listening],
                       **private)
    return tx
