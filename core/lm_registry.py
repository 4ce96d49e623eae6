"""The language models a browser session has pretrained: at most config.PRETRAIN_MODELS_KEPT, the
newest kept, each usable by the Generate tab and as the base of a fine-tune.

Imports nothing heavy (the app builds its per-session registry at start-up without torch)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from core import config, validate
from core.errors import InvalidInput


@dataclass(frozen=True)
class TrainedLM:
    id: str                     # "tiny-1": what Generate's model choice and init_from name
    model: Any                  # a core.tinygpt.TinyGPT, CPU, eval mode; nobody modifies it (fine-tuning trains a copy)
    vocab: Any                  # a core.corpus.CharVocab
    corpus: str                 # "arithmetic" or "text"
    describe: str               # words for the model list: what it learned from
    arithmetic: dict | None = None      # digits and ops, when it learned arithmetic

    def codec(self):
        from core import corpus

        return corpus.arithmetic_codec(self.vocab) if self.corpus == "arithmetic" else corpus.CharCodec(self.vocab)

    def text_model(self):
        """The model as the Generate tab's decode loop drives it (a core.lm.TextModel)."""
        from core.lm import SESSION_SOURCE, TextModel
        from core.tinygpt import TinyCausalLM

        return TextModel(TinyCausalLM(self.model), self.codec(), self.id, SESSION_SOURCE, "cpu", "fp32")


@dataclass
class LMRegistry:
    """A browser session's trained models: at most config.PRETRAIN_MODELS_KEPT, the newest kept."""

    models: list[TrainedLM] = field(default_factory=list)
    next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __deepcopy__(self, memo):       # Gradio copies a state's initial value once per session
        return LMRegistry()

    def add(self, model, vocab, corpus_name: str, describe: str, arithmetic=None) -> TrainedLM:
        with self._lock:
            entry = TrainedLM(f"tiny-{self.next_id}", model, vocab, corpus_name, describe, arithmetic)
            self.next_id += 1
            self.models.append(entry)
            del self.models[:-config.PRETRAIN_MODELS_KEPT]
            return entry

    def get(self, model_id) -> TrainedLM:
        text = validate.short_text(model_id, "Model", 40) if isinstance(model_id, str) else None
        with self._lock:
            found = [m for m in self.models if m.id == text]
        if not found:
            raise InvalidInput("Model", "pretrain_model_missing", value=validate.show(model_id))
        return found[0]

    def ids(self) -> list[str]:
        with self._lock:
            return [m.id for m in self.models]

    def all(self) -> list[TrainedLM]:
        with self._lock:
            return list(self.models)


def new_registry() -> LMRegistry:
    return LMRegistry()
