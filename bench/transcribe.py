"""Speech-to-text speed on a 30-second clip: DL Lab's engines against transformers' ASR pipeline.

    python bench/transcribe.py [--reps 5] [--whisper-tokens 64]

The clip is synthetic: a few English sentences spoken by espeak-ng (converted to 16 kHz mono by sox),
repeated with short pauses and padded with silence to exactly 30 s. Every figure is a real-time factor
(RTF: processing time ÷ 30 s of audio; below 1 is faster than real time), the median of ``--reps``
runs, the sides alternating A B A B in this process on the same model object.

- wav2vec2-base (CTC): DL Lab's path (``core.speech.Transcription``, engine "wav2vec2": models.load,
  the chunk loop of core.wav2vec2, greedy CTC with word times, the classroom filter) against
  ``transformers.pipeline("automatic-speech-recognition")`` built on the same model, tokenizer and
  feature extractor. Both hear the same windows. DL Lab cuts the audio into chunks of
  config.CHUNK_SECONDS (20 s) and hears each with config.CHUNK_OVERLAP_SECONDS (2 s) more on each
  side: on 30 s that is [0, 22) and [18, 30). The pipeline's ``chunk_length_s`` is the whole window
  and ``stride_length_s`` the context on each side, its windows starting every chunk − 2·stride
  seconds from 0; ``chunk_length_s = CHUNK + OVERLAP = 22``, ``stride_length_s = OVERLAP = 2`` gives
  [0, 22) and [18, 30), and it keeps [0, 20) of the first and [20, 30) of the second, as DL Lab does.
  (The mapping is exact for audio up to CHUNK + 2·OVERLAP + CHUNK seconds; on longer audio DL Lab's
  later windows are 24 s and the pipeline's 22 s.) The run checks the windows with the pipeline's own
  ``chunk_iter`` and prints them. Then DL Lab with ``precision="int8"`` (core.quantize).
- Whisper tiny: 30 s is one window for both (the pipeline's short-form path; no ``chunk_length_s``),
  language "auto" on both sides (each runs Whisper's language detection, then ``generate`` with
  timestamps, task "transcribe"), greedy on both sides: the pipeline's own default is a beam search
  of 5 (its default generation config), so it is given ``num_beams=1``. Random weights decode noise
  whose length is luck, so both sides are held to the same ``--whisper-tokens`` new tokens per
  ``generate`` pass: the pipeline through ``generate_kwargs={"max_new_tokens": N}``, DL Lab through
  ``core.whisper.segments(..., max_new_tokens=N)``, which ``Transcription`` does not expose: this
  benchmark wraps ``core.whisper.segments`` with ``functools.partial`` for its own runs (the product
  is untouched), so the rest of DL Lab's path is the one the page takes. transformers' Whisper
  ``generate`` goes on from the last timestamp when a pass ends inside the window, so a run can
  hold more than one pass; the run counts the encoder passes and decoder steps each side takes
  (forward hooks, in one untimed run) and prints them. Whisper int8 is printed beside it.
- pocketsphinx (core.sphinx.recognize): open vocabulary, and the clip's sentences as a phrase list.

The real weights are used when they are in the Hugging Face cache; otherwise the same architectures
with random weights (saved to a temporary directory with a processor of the real vocabulary size and
loaded through core.models): the arithmetic, and so the speed, is the real model's, the text is noise.
The last line: DL Lab RTF ÷ pipeline RTF, the higher of wav2vec2 and Whisper (goal ≤ 1.0), and
wav2vec2's int8 speed-up over DL Lab fp32 (goal ≥ 1.3).
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core import config, models  # noqa: E402
from core.errors import ModelUnavailable  # noqa: E402

CLIP_S = 30.0
PAUSE_S = 0.4
SENTENCES = (
    "Deep learning models learn features from data.",
    "A neural network has layers of weights and biases.",
    "Gradient descent lowers the loss one small step at a time.",
    "The quick brown fox jumps over the lazy dog.",
)
# facebook/wav2vec2-base-960h's config.json, the fields that fix its shape and its arithmetic
WAV2VEC2_BASE_960H = {
    "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
    "conv_dim": (512,) * 7, "conv_kernel": (10, 3, 3, 3, 3, 2, 2), "conv_stride": (5, 2, 2, 2, 2, 2, 2),
    "conv_bias": False, "feat_extract_norm": "group", "do_stable_layer_norm": False,
    "num_conv_pos_embeddings": 128, "num_conv_pos_embedding_groups": 16, "vocab_size": 32, "hidden_act": "gelu",
}
WAV2VEC2_VOCAB = ["<pad>", "<s>", "</s>", "<unk>", "|", *"E T A O N I H S R D L U M W C F G Y P B V K ' X J Q Z".split()]
WHISPER_TINY = dict(d_model=384, encoder_layers=4, decoder_layers=4, encoder_attention_heads=6,
                    decoder_attention_heads=6, encoder_ffn_dim=1536, decoder_ffn_dim=1536, vocab_size=51865,
                    num_mel_bins=80)


# ---------------------------------------------------------------------------------------------- the clip

def speech_clip(folder: Path):
    """The sentences spoken by espeak-ng at 16 kHz, repeated with pauses and padded with silence to
    CLIP_S, as a core.audio.Audio (read as DL Lab reads an upload)."""
    from core.audio import from_array, read_audio

    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"{', '.join(missing)} not found: apt-get install espeak-ng sox")
    pieces = []
    for i, sentence in enumerate(SENTENCES):
        voice, wav = folder / f"{i}.espeak.wav", folder / f"{i}.wav"
        subprocess.run(["espeak-ng", "-w", str(voice), sentence], check=True, capture_output=True, timeout=60)
        subprocess.run(["sox", "-V1", str(voice), "-b", "16", "-r", str(config.SAMPLE_RATE), "-c", "1", str(wav)],
                       check=True, capture_output=True, timeout=60)
        pieces.append(read_audio(wav, CLIP_S).samples)
        pieces.append(np.zeros(int(PAUSE_S * config.SAMPLE_RATE), np.float32))
    once = np.concatenate(pieces)
    total = int(CLIP_S * config.SAMPLE_RATE)
    repeats = total // len(once)
    samples = np.zeros(total, np.float32)
    samples[: repeats * len(once)] = np.tile(once, repeats)
    return from_array(config.SAMPLE_RATE, samples), repeats, len(once) / config.SAMPLE_RATE


# ---------------------------------------------------------------------------------------- stand-in models

def stand_in_wav2vec2(folder: Path) -> str:
    """wav2vec2-base's configuration (Wav2Vec2Config's defaults, with base-960h's 32 letters) with random
    weights, and base-960h's processor: its character vocabulary and its feature extractor."""
    from transformers import (Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC,
                              Wav2Vec2Processor)

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps({token: i for i, token in enumerate(WAV2VEC2_VOCAB)}))
    tokenizer = Wav2Vec2CTCTokenizer(str(folder / "vocab.json"), word_delimiter_token="|")
    extractor = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=config.SAMPLE_RATE, padding_value=0.0,
                                         do_normalize=True, return_attention_mask=False)
    torch.manual_seed(0)
    Wav2Vec2ForCTC(Wav2Vec2Config(vocab_size=len(WAV2VEC2_VOCAB))).save_pretrained(folder)
    Wav2Vec2Processor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    return str(folder)


def check_wav2vec2_base(model) -> None:
    """Fail unless ``model`` has wav2vec2-base-960h's shape."""
    different = {k: (getattr(model.config, k), v) for k, v in WAV2VEC2_BASE_960H.items()
                 if (tuple(getattr(model.config, k)) if isinstance(v, tuple) else getattr(model.config, k)) != v}
    if different:
        sys.exit(f"the wav2vec2 stand-in is not wav2vec2-base-960h's shape: {different}")


def stand_in_whisper(folder: Path) -> str:
    """whisper-tiny's configuration with random weights, Whisper's 80-mel feature extractor, and a
    byte-level BPE tokenizer laid out like Whisper's multilingual one: 50,257 text tokens (256 bytes
    and synthetic merges of two bytes), then <|endoftext|>, <|startoftranscript|>, 99 languages, the
    tasks and the other special tokens, and 1501 timestamps: 51,865 ids; a generation config that
    knows them (suppressing no tokens, where the real one suppresses a few dozen)."""
    from transformers import (GenerationConfig, WhisperConfig, WhisperFeatureExtractor,
                              WhisperForConditionalGeneration, WhisperProcessor, WhisperTokenizer)
    from transformers.convert_slow_tokenizer import bytes_to_unicode
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    folder.mkdir(parents=True, exist_ok=True)
    alphabet = list(bytes_to_unicode().values())
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    merges = []
    for a in alphabet:
        for b in alphabet:
            if len(vocab) == 50257:
                break
            merges.append((a, b))
            vocab[a + b] = len(vocab)
    tokenizer = WhisperTokenizer(vocab=vocab, merges=merges)
    languages = [f"<|{code}|>" for code in list(LANGUAGES)[:99]]      # whisper-tiny's 99 ('yue' came later)
    tokenizer.add_special_tokens({"additional_special_tokens": [
        "<|startoftranscript|>", *languages, "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
        "<|nospeech|>", "<|notimestamps|>"]})
    tokenizer.add_tokens([f"<|{i * 0.02:.2f}|>" for i in range(1501)])
    if len(tokenizer) != WHISPER_TINY["vocab_size"]:
        sys.exit(f"the Whisper stand-in tokenizer has {len(tokenizer)} ids, not {WHISPER_TINY['vocab_size']}")
    ids = tokenizer.convert_tokens_to_ids
    special = dict(decoder_start_token_id=ids("<|startoftranscript|>"), eos_token_id=ids("<|endoftext|>"),
                   pad_token_id=ids("<|endoftext|>"), bos_token_id=ids("<|endoftext|>"))
    torch.manual_seed(2)
    model = WhisperForConditionalGeneration(WhisperConfig(**WHISPER_TINY, **special))
    model.generation_config = GenerationConfig(
        **special, max_length=448, is_multilingual=True, lang_to_id={lang: ids(lang) for lang in languages},
        task_to_id={"transcribe": ids("<|transcribe|>"), "translate": ids("<|translate|>")},
        no_timestamps_token_id=ids("<|notimestamps|>"), prev_sot_token_id=ids("<|startofprev|>"),
        max_initial_timestamp_index=50, begin_suppress_tokens=[220, ids("<|endoftext|>")], suppress_tokens=[])
    model.save_pretrained(folder)
    WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80), tokenizer=tokenizer).save_pretrained(folder)
    return str(folder)


def load_or_stand_in(kind: str, make, folder: Path) -> tuple[object, bool]:
    """(the fp32 model of ``kind`` as DL Lab loads it, whether its weights are real)."""
    try:
        return models.load(kind), True
    except ModelUnavailable:
        os.environ[models.KINDS[kind].env_var] = make(folder)
        return models.load(kind), False


# ------------------------------------------------------------------------------------------------ runs

def dl_lab(audio, engine: str, precision: str) -> tuple[float, object]:
    """Seconds of DL Lab's path, from the config the page sends to the finished transcript."""
    from core.speech import TranscribeConfig, Transcription

    start = time.perf_counter()
    run = Transcription(TranscribeConfig.from_user(engine=engine, precision=precision), audio)
    for _ in run.steps():
        pass
    transcript = run.result()
    return time.perf_counter() - start, transcript


def pipeline_run(pipe, samples: np.ndarray, **options) -> tuple[float, dict]:
    start = time.perf_counter()
    out = pipe(samples.copy(), **options)
    return time.perf_counter() - start, out


def pipeline_windows(pipe, n_samples: int, chunk_s: float, stride_s: float) -> list[tuple[float, float]]:
    """The windows (seconds) the pipeline's own chunk_iter hears, found by feeding it sample indices."""
    from transformers.pipelines.automatic_speech_recognition import chunk_iter

    seen = []

    class Recorder:
        sampling_rate = config.SAMPLE_RATE

        def __call__(self, chunk, **_):
            seen.append((chunk[0] / config.SAMPLE_RATE, (chunk[-1] + 1) / config.SAMPLE_RATE))
            return {}

    align = pipe._align_to
    size = lambda s: int(round(s * config.SAMPLE_RATE / align) * align)  # noqa: E731 - the pipeline's rounding
    for _ in chunk_iter(np.arange(n_samples, dtype=np.float64), Recorder(), size(chunk_s), size(stride_s),
                        size(stride_s)):
        pass
    return seen


def words(text: str, unspoken=()) -> str:
    """``text`` lower-cased, without ``unspoken`` tokens, one space between words."""
    for token in unspoken:
        text = text.replace(token, "")
    return " ".join(text.lower().split())


def passes(model, run) -> tuple[int, int]:
    """(encoder passes, decoder steps) a Whisper ``model`` takes in one call of ``run``."""
    counts = {"encoder": 0, "decoder": 0}
    hooks = [getattr(model.model, part).register_forward_pre_hook(
        lambda *_, part=part: counts.__setitem__(part, counts[part] + 1)) for part in counts]
    try:
        run()
    finally:
        for hook in hooks:
            hook.remove()
    return counts["encoder"], counts["decoder"]


def median_rtf(seconds: list[float]) -> float:
    return statistics.median(seconds) / CLIP_S


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--whisper-tokens", type=int, default=64)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    from core import sphinx, whisper
    from core.ctc import chunk_plan

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    scratch = Path(tempfile.mkdtemp(prefix="dllab-bench-transcribe-"))
    try:
        audio, repeats, once_s = speech_clip(scratch)
        samples = audio.samples
        print(f"clip: synthetic speech (espeak-ng, {len(SENTENCES)} sentences, {once_s:.1f} s) said {repeats} times "
              f"with {PAUSE_S} s pauses, padded with silence to {audio.duration_s:.1f} s at {config.SAMPLE_RATE} Hz")
        w2v, w2v_real = load_or_stand_in("asr", stand_in_wav2vec2, scratch / "wav2vec2-base")
        check_wav2vec2_base(w2v.model)
        wh, wh_real = load_or_stand_in("whisper", stand_in_whisper, scratch / "whisper-tiny")
        random_words = "random weights (the Hub is not reachable here): speed is the real architecture's, the text is noise"
        for label, loaded, real in (("wav2vec2-base", w2v, w2v_real), ("whisper-tiny", wh, wh_real)):
            params = sum(p.numel() for p in loaded.model.parameters()) / 1e6
            print(f"model: {label} architecture, {params:.1f} M parameters, "
                  + ("real weights (Hugging Face cache)" if real else random_words))
        print(f"machine: {os.cpu_count()} CPU threads, torch uses {torch.get_num_threads()}; device {w2v.device}; "
              f"load average {os.getloadavg()[0]:.1f} (other work on the machine slows both sides)")

        # ---- wav2vec2
        chunk_s, overlap_s = config.CHUNK_SECONDS, config.CHUNK_OVERLAP_SECONDS
        ours = [(c.window_start / config.SAMPLE_RATE, c.window_end / config.SAMPLE_RATE)
                for c in chunk_plan(len(samples), config.SAMPLE_RATE, chunk_s, overlap_s)]
        asr = pipeline("automatic-speech-recognition", model=w2v.model, tokenizer=w2v.processor.tokenizer,
                       feature_extractor=w2v.processor.feature_extractor, device=w2v.device)
        theirs = pipeline_windows(asr, len(samples), chunk_s + overlap_s, overlap_s)
        shown = ", ".join(f"{a:g}–{b:g} s" for a, b in ours)
        print(f"wav2vec2 windows heard: DL Lab {shown}; pipeline "
              + ("the same" if theirs == ours else ", ".join(f"{a:g}–{b:g} s" for a, b in theirs) + " (DIFFERENT)"))
        chunked = dict(chunk_length_s=chunk_s + overlap_s, stride_length_s=overlap_s)
        pipeline_run(asr, samples, **chunked), dl_lab(audio, "wav2vec2", "fp32"), dl_lab(audio, "wav2vec2", "int8")
        w_pipe, w_ours, w_int8 = [], [], []
        same = True
        # the pipeline writes <unk>, <s> and </s> into its text; DL Lab hears them but never writes them
        unspoken = [t for t in w2v.processor.tokenizer.all_special_tokens if t != w2v.processor.tokenizer.pad_token]
        for _ in range(args.reps):
            seconds, out = pipeline_run(asr, samples, **chunked)
            w_pipe.append(seconds)
            seconds, transcript = dl_lab(audio, "wav2vec2", "fp32")
            w_ours.append(seconds)
            same &= words(out["text"], unspoken) == words(transcript.text)
            w_int8.append(dl_lab(audio, "wav2vec2", "int8")[0])
        agree = words(transcript.text) == words(dl_lab(audio, "wav2vec2", "int8")[1].text)
        p, o, q = median_rtf(w_pipe), median_rtf(w_ours), median_rtf(w_int8)
        print(f"wav2vec2-base, median of {args.reps} (RTF = processing ÷ {CLIP_S:g} s):")
        print(f"  pipeline fp32   RTF {p:.3f}")
        print(f"  DL Lab fp32     RTF {o:.3f}  same words as the pipeline (its <unk>, <s>, </s> left out): "
              f"{'yes' if same else 'NO'}")
        print(f"  DL Lab int8     RTF {q:.3f}  ({o / q:.2f}× DL Lab fp32; same words as fp32: {'yes' if agree else 'no'})")

        # ---- Whisper
        tokens = args.whisper_tokens
        speech_pipe = pipeline("automatic-speech-recognition", model=wh.model, tokenizer=wh.processor.tokenizer,
                               feature_extractor=wh.processor.feature_extractor, device=wh.device)
        decoding = dict(return_timestamps=True,
                        generate_kwargs={"max_new_tokens": tokens, "task": "transcribe", "num_beams": 1})
        original = whisper.segments
        whisper.segments = functools.partial(original, max_new_tokens=tokens)
        try:
            work_pipe = passes(wh.model, lambda: pipeline_run(speech_pipe, samples, **decoding))
            work_ours = passes(wh.model, lambda: dl_lab(audio, "whisper", "fp32"))
            dl_lab(audio, "whisper", "int8")
            work_int8 = passes(models.load("whisper", precision="int8").model, lambda: dl_lab(audio, "whisper", "int8"))
            h_pipe, h_ours, h_int8 = [], [], []
            same = True
            for _ in range(args.reps):
                seconds, out = pipeline_run(speech_pipe, samples, **decoding)
                h_pipe.append(seconds)
                seconds, transcript = dl_lab(audio, "whisper", "fp32")
                h_ours.append(seconds)
                same &= "".join(out["text"].split()) == "".join(transcript.text.split())
                h_int8.append(dl_lab(audio, "whisper", "int8")[0])
        finally:
            whisper.segments = original
        hp, ho, hq = median_rtf(h_pipe), median_rtf(h_ours), median_rtf(h_int8)
        print(f"whisper-tiny, one 30-s window, language auto (detected: {transcript.language}), timestamps, greedy, "
              f"at most {tokens} new tokens a pass, median of {args.reps}:")
        print(f"  pipeline fp32   RTF {hp:.3f}  (encoder passes, decoder steps: {work_pipe[0]}, {work_pipe[1]})")
        print(f"  DL Lab fp32     RTF {ho:.3f}  (encoder passes, decoder steps: {work_ours[0]}, {work_ours[1]}) "
              f"same text as the pipeline: {'yes' if same else 'NO'}")
        print(f"  DL Lab int8     RTF {hq:.3f}  (encoder passes, decoder steps: {work_int8[0]}, {work_int8[1]}; "
              f"{ho / hq:.2f}× DL Lab fp32, as measured: int8 decodes its own noise)")

        # ---- pocketsphinx
        phrases = sphinx.parse_phrases("\n".join(SENTENCES))
        sphinx.recognize(samples[: 2 * config.SAMPLE_RATE]), sphinx.recognize(samples[: 2 * config.SAMPLE_RATE], phrases)
        s_open, s_list = [], []
        for _ in range(args.reps):
            start = time.perf_counter()
            heard = sphinx.recognize(samples)
            s_open.append(time.perf_counter() - start)
            start = time.perf_counter()
            listed = sphinx.recognize(samples, phrases)
            s_list.append(time.perf_counter() - start)
        print(f"pocketsphinx, median of {args.reps}:")
        print(f"  open vocabulary RTF {median_rtf(s_open):.3f}  ({len(heard.words)} words heard)")
        print(f"  phrase list     RTF {median_rtf(s_list):.3f}  ({len(phrases)} phrases, the clip's sentences; the "
              f"clip is one utterance, so one phrase at most: {listed.text or 'none'!r})")

        worst = max(o / p, ho / hp)
        print(f"DL Lab ÷ pipeline RTF: wav2vec2 {o / p:.2f}, Whisper {ho / hp:.2f} (goal ≤ 1.0 each)")
        print(f"ratio: {worst:.2f} (goal ≤ 1.0, DL Lab RTF ÷ pipeline RTF, the higher of wav2vec2 and Whisper; "
              f"wav2vec2 int8 speed-up {o / q:.2f}, goal ≥ 1.3)")
    finally:
        models.clear_cache()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
