"""GPT-2 and wav2vec2 for the Quantize tab: the pretrained weights when this machine has them, else
the real architecture with random weights (the same size and speed; accuracy is then not shown).

The weights come through core.models, the loader the Generate and Transcribe tabs share
(its model is shared here too, never modified), and are never downloaded for this tab: a
model that is not on the machine yet is fetched by ``python -m core.prefetch`` or by
those tabs. The stand-ins' configs are module constants (tests make them tiny).
"""

from __future__ import annotations

import functools
import logging
import math
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from core import config
from core.quantize_models import Evaluation, Subject, kept_logits, locked_build, run

log = logging.getLogger(__name__)

GPT2_STAND_IN: dict = {}                        # GPT2Config() arguments: GPT-2 small's shape (124M parameters)
WAV2VEC2_STAND_IN: dict = {"vocab_size": 32}    # Wav2Vec2Config(): wav2vec2-base with the 32 letters of -960h
STAND_IN_SEED = 0
TEXT_TOKENS = 128             # of the paragraph (at most the model's context): next-token agreement, perplexity
EXAMPLE_TOKENS = 64           # GPT-2 is timed on a forward pass over this many tokens
EXAMPLE_SECONDS = 2.0         # wav2vec2 is timed on this much of the clip
SPEECH = Path(__file__).resolve().parent.parent / "assets" / "speech" / "sentence.wav"

PARAGRAPH = (
    "Deep learning is a way of teaching computers to find patterns in data. A neural network is made of "
    "layers, and each layer multiplies its input by a matrix of weights, adds a bias and passes the result "
    "through a simple function. During training, the network makes a guess, measures how wrong it was with "
    "a loss function, and nudges every weight a little in the direction that would have made the loss "
    "smaller. After many such steps on many examples, the network can recognise handwritten digits, "
    "translate sentences or transcribe speech. Large models hold hundreds of millions of weights, stored as "
    "32-bit floating-point numbers. Quantization stores them with fewer bits, for example as 8-bit integers, "
    "so that the model takes less memory and often runs faster, while its answers change only a little."
)


def gpt2(progress: Callable[[str], None]) -> Subject:
    """GPT-2, judged by its next-token predictions on PARAGRAPH (and their perplexity, with real weights)."""
    from core.models import KINDS

    loaded = _pretrained("text", progress)
    if loaded is None:
        progress("building")
        model, blank = _stand_in("GPT2LMHeadModel", GPT2_STAND_IN,
                                 dict(KINDS["text"].options).get("attn_implementation"))
        n = min(TEXT_TOKENS, model.config.max_position_embeddings)
        ids = torch.randint(0, model.config.vocab_size, (1, n), generator=torch.Generator().manual_seed(STAND_IN_SEED))
        label = f"GPT-2's architecture ({_millions(model)} parameters) with random weights"
    else:
        model, blank = _on_cpu(loaded.model)
        n = min(TEXT_TOKENS, model.config.max_position_embeddings)
        ids = loaded.processor(PARAGRAPH, return_tensors="pt").input_ids[:, :n]
        label = f"GPT-2 ({loaded.name}, {_millions(model)} parameters)"
    return Subject(key="gpt2", label=label, kind="gpt2", model=model, example=(ids[:, :EXAMPLE_TOKENS].clone(),),
                   blank=blank, real_weights=loaded is not None,
                   evaluate=functools.partial(_evaluate_text, ids, loaded is not None))


def _evaluate_text(ids: torch.Tensor, real_weights: bool, model: nn.Module) -> Evaluation:
    logits = run(model, (ids,))[0]                       # positions × vocabulary
    perplexity = None
    if real_weights:
        perplexity = math.exp(nn.functional.cross_entropy(logits[:-1], ids[0, 1:]).item())
    return Evaluation(accuracy=None, predictions=logits[:-1].argmax(-1).numpy(), logits=kept_logits(logits),
                      perplexity=perplexity, text=None)


def wav2vec2(progress: Callable[[str], None]) -> Subject:
    """wav2vec2 (CTC), judged by its best letter in each frame of assets/speech/sentence.wav (and its
    transcript, with real weights)."""
    from core.audio import read_audio

    loaded = _pretrained("asr", progress)
    samples = torch.from_numpy(read_audio(SPEECH, config.AUDIO_MAX_SECONDS["wav2vec2"]).samples.copy())
    transcribe = None
    if loaded is None:
        progress("building")
        model, blank = _stand_in("Wav2Vec2ForCTC", WAV2VEC2_STAND_IN)
        inputs = ((samples - samples.mean()) / torch.sqrt(samples.var() + 1e-7))[None]   # as its processor would
        label = f"wav2vec2's architecture ({_millions(model)} parameters) with random weights"
    else:
        model, blank = _on_cpu(loaded.model)
        inputs = loaded.processor(samples.numpy(), sampling_rate=config.SAMPLE_RATE, return_tensors="pt").input_values
        transcribe = functools.partial(_transcript, loaded.processor,
                                       math.prod(model.config.conv_stride) / config.SAMPLE_RATE)
        label = f"wav2vec2 ({loaded.name}, {_millions(model)} parameters)"
    example = (inputs[:, :int(EXAMPLE_SECONDS * config.SAMPLE_RATE)].clone(),)
    return Subject(key="wav2vec2", label=label, kind="wav2vec2", model=model, example=example, blank=blank,
                   real_weights=loaded is not None, evaluate=functools.partial(_evaluate_speech, inputs, transcribe))


def _evaluate_speech(inputs: torch.Tensor, transcribe, model: nn.Module) -> Evaluation:
    logits = run(model, (inputs,))[0]                    # frames × letters
    return Evaluation(accuracy=None, predictions=logits.argmax(-1).numpy(), logits=kept_logits(logits),
                      perplexity=None, text=transcribe(logits) if transcribe else None)


def _transcript(processor, frame_s: float, logits: torch.Tensor) -> str:
    """Greedy CTC, as the Transcribe tab writes it (core.ctc)."""
    from core.ctc import words_from_path
    from core.wav2vec2 import alphabet

    tokens, blank, delimiter, silent = alphabet(processor)
    words = words_from_path(logits.argmax(-1).numpy(), tokens, blank, delimiter, frame_s, silent)
    return " ".join(w.text.lower() for w in words)


# --- weights that load, or the architecture with random ones ------------------------------------

def _pretrained(kind: str, progress: Callable[[str], None]):
    """The loaded model of ``kind`` if its weights are on this machine, else None (said in the log)."""
    from core import models
    from core.errors import ModelUnavailable

    progress("loading")
    try:
        return models.load(kind, download=False)
    except ModelUnavailable as missing:
        log.info("Quantize: random weights stand in: %s", missing.message)
        return None


def hf_blank(class_name: str, config_dict: dict, attention: str | None) -> nn.Module:
    """A ``transformers`` model of ``class_name`` from its config (as to_dict() gives it), with its own
    initial weights, in eval mode: the picklable recipe core.latency rebuilds a model from."""
    import transformers

    cls = getattr(transformers, class_name)
    cfg = cls.config_class.from_dict(config_dict)
    if attention:
        cfg._attn_implementation = attention
    return locked_build(cls, cfg).eval()


def _on_cpu(model: nn.Module) -> tuple[nn.Module, Callable]:
    """The loader's model itself when it is on the CPU (shared), else a CPU copy; and its blank."""
    blank = functools.partial(hf_blank, type(model).__name__, model.config.to_dict(), model.config._attn_implementation)
    if all(p.device.type == "cpu" for p in model.parameters()):
        return model, blank
    copy = blank()
    copy.load_state_dict(model.state_dict())
    return copy, blank


def _stand_in(class_name: str, overrides: dict, attention: str | None = None) -> tuple[nn.Module, Callable]:
    """The architecture with seeded random weights, and its blank."""
    import transformers

    config_dict = getattr(transformers, class_name).config_class(**overrides).to_dict()
    blank = functools.partial(hf_blank, class_name, config_dict, attention)
    # transformers draws initial weights from torch's global generator: seeded here for the same
    # stand-in in every process, and forked so that the process's own state is left as it was.
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(STAND_IN_SEED)
        return blank(), blank


def _millions(model: nn.Module) -> str:
    n = sum(p.numel() for p in model.parameters())
    return f"{n / 1e6:.0f}M" if n >= 1e6 else f"{n:,}"
