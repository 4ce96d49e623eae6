"""Every limit and setting of DL Lab, in one place.

The UI reads these to set slider ranges and defaults; core's validation reads the
same objects, so a control can never offer a value that validation refuses.
Settings come from ``DLLAB_*`` environment variables, read when asked for so that
tests and launchers can change them without reloading the module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class NumberLimit:
    """An allowed closed range for one numeric control, with its default."""

    label: str
    minimum: float
    maximum: float
    default: float
    integer: bool = False


# --- Train tab -------------------------------------------------------------
DATASETS = ("moons", "circles", "classification", "digits")
ARCHITECTURES = ("mlp", "cnn", "lstm", "transformer")
OPTIMIZERS = ("sgd", "adam", "adamw", "adagrad", "rmsprop")
LOSSES = ("cross_entropy", "mse")

TRAIN_SAMPLES = NumberLimit("Samples", 100, 5000, 1000, integer=True)
TRAIN_NOISE = NumberLimit("Noise", 0.0, 1.0, 0.2)
LEARNING_RATE = NumberLimit("Learning rate", 1e-6, 10.0, 0.01)
EPOCHS = NumberLimit("Epochs", 1, 300, 40, integer=True)
BATCH_SIZE = NumberLimit("Batch size", 1, 1024, 32, integer=True)
DROPOUT = NumberLimit("Dropout", 0.0, 0.9, 0.0)
WEIGHT_DECAY = NumberLimit("Weight decay", 0.0, 1.0, 0.0)
L1 = NumberLimit("L1", 0.0, 0.1, 0.0)
MOMENTUM = NumberLimit("Momentum", 0.0, 0.99, 0.9)
SEED = NumberLimit("Seed", 0, 2**31 - 1, 0, integer=True)

MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_UNITS = 512
DEFAULT_HIDDEN_SIZES = "64, 64"
MAX_TEXT_FIELD_CHARS = 200      # longest text a short field (like hidden sizes) may hold
MAX_TRAIN_STEPS = 150_000       # optimizer steps per run: epochs x batches per epoch
MAX_SWEEP_RUNS = 12             # learning rates x optimizers in one sweep
DEFAULT_SWEEP_RATES = "0.001, 0.01, 0.1"
MAX_HISTORY_RUNS = 20           # finished runs kept per browser session (oldest dropped first)
MAX_FUSION_RUNS = 8
TENSORBOARD_TEXT_CHARS = 4000   # longest text sample (a generated one, say) a TensorBoard log keeps
VALIDATION_FRACTION = 0.25
DATA_SEED = 0                   # data and split are fixed, so runs differ only by model seed
PLOT_INTERVAL_S = 0.4           # live plots refresh at most this often
REDRAW_SHARE = 0.08            # and cost at most this share of the run's compute (tabs.common.throttled)
BOUNDARY_GRID = 60              # decision-boundary grid resolution per axis

# --- Your own data (CSV upload) -------------------------------------------------
CSV_MAX_BYTES = 5 * 1024 * 1024
CSV_MAX_ROWS = 20_000
CSV_MAX_FEATURES = 100
CSV_MAX_CLASSES = 20
CSV_MIN_ROWS = 20

# --- Augment tab ------------------------------------------------------------------
@dataclass(frozen=True)
class RangeParam:
    """A numeric augmentation parameter: the user gives a range [low, high] inside
    [minimum, maximum] (or one number for both), and each variant draws from it."""

    minimum: float
    maximum: float
    default: tuple[float, float]
    step: float
    integer: bool = False


BORDER_MODES = ("constant", "reflect", "replicate", "wrap")
_BORDER = ("border", BORDER_MODES, "constant")

# op -> its parameters: RangeParam, or (name, choices, default) for a choice, or (name, bool default) for a flag.
AUGMENT_OPS: dict[str, dict] = {
    "rotate": {"angle": RangeParam(-180, 180, (-15, 15), 1), "border": _BORDER, "expand": False},
    "scale": {"factor": RangeParam(0.25, 4, (0.8, 1.2), 0.05), "border": _BORDER},
    "translate": {"x": RangeParam(-0.5, 0.5, (-0.1, 0.1), 0.01), "y": RangeParam(-0.5, 0.5, (-0.1, 0.1), 0.01),
                  "border": _BORDER},
    "affine": {"angle": RangeParam(-180, 180, (-10, 10), 1), "scale": RangeParam(0.25, 4, (0.9, 1.1), 0.05),
               "shear": RangeParam(-45, 45, (-10, 10), 1), "border": _BORDER},
    "perspective": {"distortion": RangeParam(0, 0.4, (0.05, 0.15), 0.01), "border": _BORDER},
    "hflip": {},
    "vflip": {},
    "random_resized_crop": {"area": RangeParam(0.05, 1, (0.3, 1), 0.05),
                            "ratio": RangeParam(0.25, 4, (0.75, 1.33), 0.05)},
    "brightness_contrast": {"brightness": RangeParam(-1, 1, (-0.2, 0.2), 0.05),
                            "contrast": RangeParam(0, 3, (0.8, 1.2), 0.05)},
    "hue_saturation": {"hue": RangeParam(-180, 180, (-20, 20), 2), "saturation": RangeParam(0, 3, (0.7, 1.3), 0.05),
                       "value": RangeParam(0, 3, (0.9, 1.1), 0.05)},
    "gamma": {"gamma": RangeParam(0.1, 5, (0.7, 1.5), 0.05)},
    "gaussian_blur": {"sigma": RangeParam(0.1, 10, (0.5, 2), 0.1)},
    "gaussian_noise": {"std": RangeParam(0, 100, (5, 20), 1)},
    "sharpen": {"amount": RangeParam(0, 3, (0.5, 1.5), 0.05)},
    "clahe": {"clip_limit": RangeParam(0.5, 20, (1, 4), 0.5), "tile_grid": RangeParam(2, 16, (8, 8), 1, True)},
    "grayscale": {},
    "cutout": {"holes": RangeParam(1, 20, (1, 3), 1, True), "size": RangeParam(0.02, 0.5, (0.1, 0.25), 0.01),
               "fill": RangeParam(0, 255, (0, 0), 1, True)},
}
GEOMETRIC_OPS = ("rotate", "scale", "translate", "affine", "perspective", "hflip", "vflip", "random_resized_crop")
DEFAULT_RECIPE = (
    {"op": "hflip", "p": 0.5, "params": {}},
    {"op": "rotate", "p": 0.8, "params": {"angle": [-20, 20], "border": "reflect", "expand": False}},
    {"op": "random_resized_crop", "p": 0.5, "params": {"area": [0.5, 1], "ratio": [0.75, 1.33]}},
    {"op": "brightness_contrast", "p": 0.8, "params": {"brightness": [-0.2, 0.2], "contrast": [0.8, 1.2]}},
    {"op": "hue_saturation", "p": 0.5, "params": {"hue": [-20, 20], "saturation": [0.7, 1.3], "value": [0.9, 1.1]}},
    {"op": "gaussian_blur", "p": 0.2, "params": {"sigma": [0.5, 2]}},
    {"op": "cutout", "p": 0.3, "params": {"holes": [1, 3], "size": [0.1, 0.25], "fill": [0, 0]}},
)
AUGMENT_SAMPLES = NumberLimit("Variants", 1, 16, 8, integer=True)
AUGMENT_P = NumberLimit("Probability", 0.0, 1.0, 1.0)
MAX_RECIPE_STEPS = 20
MAX_RECIPE_CHARS = 20_000       # recipe JSON text, pasted or uploaded
PREVIEW_MAX_SIDE = 1280         # larger images are downscaled (long side) for the preview
MAX_CANVAS_SIDE = 4096          # rotations with expand=true may grow the canvas up to this
IMAGE_MAX_BYTES = 25 * 1024 * 1024
IMAGE_MAX_PIXELS = 50_000_000   # refused before decoding: a 12000x12000 image never reaches memory
IMAGE_MIN_SIDE = 8
# Gradio keeps every served file (uploads, gallery JPEGs, downloads) until the server stops;
# on a Space that runs for days, files older than this are swept away every CACHE_SWEEP_S.
CACHE_MAX_AGE_S = 2 * 3600
CACHE_SWEEP_S = 15 * 60
IMAGE_CACHE_ENTRIES = 16        # decoded uploads kept for re-rolls and edits (≤ 5 MB each at 1280 px)
IMAGE_DECODE_WAIT_S = 10        # longest wait for the same bytes being decoded in another thread
DECODE_AHEAD_QUEUE = 4          # uploads queued to be decoded ahead; more are left to their request
DECODE_AHEAD_MAX_PIXELS = 16_000_000   # bigger uploads are decoded only when a request asks
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "BMP")

# --- Pretrained models -------------------------------------------------------
DEFAULT_TEXT_MODEL = "openai-community/gpt2"
DEFAULT_ASR_MODEL = "facebook/wav2vec2-base-960h"
DEFAULT_WHISPER_MODEL = "openai/whisper-tiny"
# The text models the page and the API may load; the operator's DLLAB_TEXT_MODEL joins them
# (see text_models()). Never a free-form id or path from a user.
TEXT_MODELS = ("openai-community/gpt2", "distilbert/distilgpt2", "uer/gpt2-chinese-cluecorpussmall")
PRECISIONS = ("fp32", "int8")
HUB_PROBE_TIMEOUT_S = 3.0       # how long to wait before calling the hub unreachable

# --- Generate tab -------------------------------------------------------------------
STRATEGIES = ("greedy", "sample", "beam")
MAX_NEW_TOKENS = NumberLimit("Max new tokens", 1, 512, 64, integer=True)
TEMPERATURE = NumberLimit("Temperature", 0.05, 5.0, 1.0)      # 0 or below gets its own message
TOP_K = NumberLimit("Top-k", 0, 1000, 50, integer=True)      # 0: no top-k cut
TOP_P = NumberLimit("Top-p", 0.01, 1.0, 0.95)               # (0, 1]; 1: no top-p cut
NUM_BEAMS = NumberLimit("Beams", 1, 8, 4, integer=True)
REPETITION_PENALTY = NumberLimit("Repetition penalty", 1.0, 3.0, 1.0)
NO_REPEAT_NGRAM = NumberLimit("No-repeat n-gram size", 0, 10, 0, integer=True)   # 0: off
ATTENTION_LAYER = NumberLimit("Layer", 0, 47, 0, integer=True)    # also checked against the model's depth
ATTENTION_HEAD = NumberLimit("Head", 0, 31, 0, integer=True)      # and its number of heads
MAX_PROMPT_CHARS = 8_000        # longer prompts are refused before tokenizing
MAX_BEAM_POSITIONS = 4_096      # beams x (prompt + new tokens): bounds the beams' key/value cache
ATTENTION_MAX_TOKENS = 128      # the attention view covers at most this many tokens
TOP_SHOWN = 5                   # candidates kept with every generated token
CHART_CANDIDATES = 20           # bars in the next-token chart
MAX_COMPARE = 3                 # strategies side by side
DEFAULT_PROMPT = "Deep learning is"
STREAM_INTERVAL_S = 0.05        # the streamed text refreshes at most this often
STREAM_SHARE = 0.5             # ... and costs at most this share of the decoding: text is cheap to send, unlike plots
GENERATE_MAX_BATCH = 8          # sequences one model decodes together (core.batching); more requests wait to join


# --- Pretrain tab -----------------------------------------------------------------------------
ARITHMETIC_DIGITS = NumberLimit("Digits", 1, 4, 2, integer=True)   # length of each operand
ARITHMETIC_OPS = ("+", "-")
PRETRAIN_TEXT_MAX_CHARS = 1_000_000     # a pasted or uploaded corpus, after decoding
PRETRAIN_TEXT_MAX_BYTES = 4 * 1024 * 1024   # an uploaded .txt (UTF-8 spends up to 4 bytes on a character)
PRETRAIN_VALIDATION_FRACTION = 0.1      # the end of a text (or the last problems) is held out for validation
# A text needs this many context lengths (block_size + 1 characters each), so that the held-out tenth
# still holds one whole context.
PRETRAIN_TEXT_MIN_CONTEXTS = 10
PRETRAIN_MAX_VOCAB = 3_000              # different characters a corpus may use, <unk> included
PRETRAIN_CORPORA = ("arithmetic", "text")
ARITHMETIC_PROBLEMS = 10_000            # problems drawn per run (2-digit addition has exactly 10,000)
PRETRAIN_LAYERS = NumberLimit("Layers", 1, 8, 2, integer=True)
PRETRAIN_HEADS = NumberLimit("Heads", 1, 8, 4, integer=True)
PRETRAIN_WIDTH = NumberLimit("Width", 8, 384, 64, integer=True)
PRETRAIN_CONTEXT = NumberLimit("Context length", 8, 256, 32, integer=True)
PRETRAIN_DROPOUT = NumberLimit("Dropout", 0.0, 0.5, 0.0)
PRETRAIN_LEARNING_RATE = NumberLimit("Learning rate", 1e-5, 0.1, 3e-3)
PRETRAIN_WARMUP = NumberLimit("Warm-up steps", 0, 2_000, 50, integer=True)
PRETRAIN_BATCH = NumberLimit("Batch size", 1, 256, 64, integer=True)
PRETRAIN_STEPS = NumberLimit("Steps", 1, 20_000, 1_500, integer=True)
PRETRAIN_MAX_PARAMETERS = 5_000_000     # a model the page trains on a CPU in minutes, not hours
PRETRAIN_MAX_TOKENS = 60_000_000        # steps × batch size × context: the work one run may ask for
PRETRAIN_EVAL_EVERY = 100               # steps between evaluations: validation loss, exact match, a sample
PRETRAIN_EVAL_BATCHES = 4
PRETRAIN_SAMPLE_CHARS = 120             # a sample's length
PRETRAIN_EXACT_MATCH_PROBLEMS = 500     # held-out problems answered at each evaluation
PRETRAIN_MODELS_KEPT = 3                # models a session keeps for Generate and fine-tuning
ARITHMETIC_BATCH = 192                  # arithmetic starts with many one-line windows per batch


def arithmetic_context(digits) -> int:
    """The context arithmetic starts with: one line, '37+48=580' and its newline (3 · digits + 4)."""
    return max(3 * int(digits) + 4, int(PRETRAIN_CONTEXT.minimum))


# --- Transcribe tab ---------------------------------------------------------------------------
ENGINES = ("auto", "wav2vec2", "whisper", "pocketsphinx")
SAMPLE_RATE = 16_000            # what every engine hears: mono, 16 kHz, float32 in [-1, 1]
AUDIO_MAX_BYTES = 32 * 1024 * 1024      # an upload (Gradio refuses bigger ones before they arrive)
AUDIO_MAX_SECONDS = {"wav2vec2": 600, "whisper": 600, "pocketsphinx": 600}   # per engine, from the header
AUDIO_MIN_SECONDS = 0.25        # shorter audio holds no word
AUDIO_MAX_CHANNELS = 8
AUDIO_MIN_RATE = 4_000          # sample rates read, in Hz: below this no speech survives, and above ...
AUDIO_MAX_RATE = 384_000        # ... this no recorder writes (the header could say anything)
AUDIO_FORMATS = ("WAV", "FLAC", "OGG", "MP3")   # what soundfile reads without ffmpeg
N_MELS = 80
PLOT_MAX_POINTS = 4_000         # waveform points drawn, however long the audio
PLOT_MAX_FRAMES = 800           # spectrogram columns drawn
SILENCE_DBFS = -50.0            # RMS level below which the audio is called silent
CLIPPED_SHARE = 0.001           # share of samples at full scale above which it is called clipped
CHUNK_SECONDS = 20.0            # long audio is recognised in chunks of this length ...
CHUNK_OVERLAP_SECONDS = 2.0     # ... overlapping by this much on each side
CTC_VIEW_SECONDS = 3.0          # the CTC emission view covers the first seconds
MAX_PHRASES = 50                # pocketsphinx phrase list: phrases, characters each, and in all
MAX_PHRASE_CHARS = 100
MAX_PHRASES_TEXT = 5_000
LIVE_MAX_SECONDS = 300          # a live session keeps at most this much audio
LIVE_INTERVAL_S = 1.0           # the live transcript refreshes about this often
WHISPER_LANGUAGES = ("auto", "en", "zh", "de", "es", "fr", "it", "ja", "ko", "pt", "ru", "ar", "hi", "nl", "pl",
                     "sv", "tr", "uk", "vi", "id")
# The classroom filter masks these in every transcript (whole words, any case): an open-vocabulary
# recogniser can hear one in plain speech, in front of a class.
CLASSROOM_BLOCKLIST = ("fuck", "fucking", "shit", "bitch", "bastard", "cunt", "dick", "cock", "pussy", "asshole",
                       "whore", "slut", "nigger", "faggot", "retard", "他妈的", "傻逼", "操你")

# --- Quantize tab ---------------------------------------------------------------------------
# "trained" is the newest run of the session's Train history; "trained:<id>" names one.
QUANTIZE_MODELS = ("trained", "mlp", "mlp_mnist", "lstm", "lstm_lm", "gpt2", "wav2vec2")
QUANTIZE_METHODS = ("dynamic_int8", "dynamic_int8_naive", "fp16", "bf16", "torchao_int8_weight",
                    "torchao_int8_dynamic", "torchao_int4_weight")
QUANTIZE_LATENCY_BUDGET_S = 2.0     # timed runs per method and thread setting stop after this long ...
QUANTIZE_LATENCY_REPS = 20          # ... or after this many (the median is shown)
QUANTIZE_WORKER_TIMEOUT_S = 300     # the latency worker process is ended after this long
QUANTIZE_MAX_TABLE_ROWS = 40        # modules listed per method; the rest are summed in one row
QUANTIZE_HISTOGRAM_BINS = 120

# core/scheduler.py: heavy work runs in short units, at most cores() threads at once, the job with
# the least compute so far first. Jobs beyond MAX_ACTIVE_JOBS are refused with "the class is busy".
MAX_ACTIVE_JOBS = 24
WAIT_REPORT_S = 0.5            # a waiting job's place in line is reported this often
UNIT_S = 0.05                  # a long unit (an epoch) gives its core to a waiting job after this long
HANDOFF_S = 0.02               # between two units a run keeps its place in line this long
LONG_UNIT_S = 0.25             # units longer than this (a pocketsphinx utterance) leave the last core to shorter ones

# core/cluster.py, DLLAB_RAY_ADDRESS=local: runs computing on the instance at once (more wait in Ray's
# queue). Each is a worker process of about 0.5 GB that stays once started (torch's own, and a model).
RAY_LOCAL_RUNS = 10
# A unit there is computed in another process and passes to this one as Ray objects (about 1.2 ms of CPU
# a unit, both processes together): the items of this long go as one unit, a third of UNIT_S's hand-offs.
RAY_UNIT_S = 0.15


def cores() -> int:
    """The threads heavy work may use at once: DLLAB_THREADS, else every core."""
    return settings().threads or max(1, os.cpu_count() or 1)


# Heavy requests served at once per tab (DLLAB_<TAB>_CONCURRENCY overrides); further users
# wait in the tab's queue, which shows them their place.
# "explain" serves the Generate tab's short forward passes (next-token chart, attention), so that
# they are not queued behind a long generation.
# "live" serves the microphone streams of live transcription: many short events, one per half second.
# Train, Pretrain and Transcribe compute in turns under core/scheduler.py, which keeps the threads
# computing at once within cores(): these limits say how many runs share the cores, not how many
# compute at once. Quantize measures latency alone (an exclusive turn).
CONCURRENCY = {"train": 8, "augment": 2, "generate": 8, "explain": 1, "transcribe": 3, "live": 2, "quantize": 1,
               "pretrain": 3}
QUEUE_MAX_SIZE = 64            # requests waiting in Gradio's queues, all tabs together; beyond it: "busy"


@dataclass(frozen=True)
class Settings:
    text_model: str
    asr_model: str
    whisper_model: str
    device: str
    threads: int | None
    ray_decoders: int
    train_concurrency: int
    augment_concurrency: int


def _int_env(name: str, default: int | None) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def settings() -> Settings:
    """The current settings, read from the environment."""
    return Settings(
        text_model=os.environ.get("DLLAB_TEXT_MODEL", "").strip() or DEFAULT_TEXT_MODEL,
        asr_model=os.environ.get("DLLAB_ASR_MODEL", "").strip() or DEFAULT_ASR_MODEL,
        whisper_model=os.environ.get("DLLAB_WHISPER_MODEL", "").strip() or DEFAULT_WHISPER_MODEL,
        device=os.environ.get("DLLAB_DEVICE", "").strip().lower() or "auto",
        threads=_int_env("DLLAB_THREADS", None),
        ray_decoders=_int_env("DLLAB_RAY_DECODERS", 1),
        train_concurrency=_concurrency_limit("train"),
        augment_concurrency=_concurrency_limit("augment"),
    )


def _concurrency_limit(tab: str) -> int:
    return _int_env(f"DLLAB_{tab.upper()}_CONCURRENCY", CONCURRENCY[tab])


def concurrency(tab: str) -> dict:
    """Gradio's queue settings for ``tab``'s heavy events: one queue per tab, serving at most
    DLLAB_<TAB>_CONCURRENCY requests at once (default from CONCURRENCY)."""
    return dict(concurrency_limit=_concurrency_limit(tab), concurrency_id=tab)


def default_text_model() -> str:
    """DLLAB_TEXT_MODEL when set (an id or a local directory), else openai-community/gpt2."""
    return settings().text_model


def text_models() -> tuple[str, ...]:
    """The text models a user may choose: the default first, then the rest of TEXT_MODELS."""
    default = default_text_model()
    return (default, *(m for m in TEXT_MODELS if m != default))
