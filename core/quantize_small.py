"""The small models of the Quantize tab: three classifiers trained briefly on first use, and the
shape of PyTorch's word-language-model tutorial with random weights.

The classifiers are Train-tab architectures (core.architectures) trained by the Train tab's
own loop (core.train.TrainingRun), whose every random draw comes from generators seeded
with SEED, so their accuracy before and after quantization is real and the same in
every process. Measured on 2 cores: the tutorial MLP trains in 0.2 s (87.6% validation
accuracy), the MNIST-sized MLP in 0.4 s (97.1%), the LSTM in 3.6 s (82.2%: a subset of
the digits, two epochs; see lstm_classifier), plus ~1 s for torch's first training step
in a process.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace
from typing import Callable

import numpy as np
import torch
from torch import nn

from core import architectures, datasets
from core.quantize_models import Evaluation, Subject, classifier_subject, kept_logits, locked_build, run

SEED = 0


def tutorial_mlp(progress: Callable[[str], None]) -> Subject:
    """The tutorial's 10-64-64-2 MLP on make_classification (the Train tab's "classification" data:
    1,000 points, 10 features). With so few weights, the packed format's per-tensor overhead
    dominates what int8 saves."""
    data = datasets.make_dataset("classification")
    return _trained("mlp", "Tutorial MLP (10-64-64-2) on make_classification", data,
                    model="mlp", hidden_sizes=(64, 64), epochs=20, learning_rate=0.01, progress=progress)


def mnist_mlp(progress: Callable[[str], None]) -> Subject:
    """An MNIST-sized MLP (784-512-512-10) on scikit-learn's 8×8 digits upscaled to 28×28."""
    return _trained("mlp_mnist", "MNIST-sized MLP (784-512-512-10) on the digits at 28×28", digits_28(),
                    model="mlp", hidden_sizes=(512, 512), epochs=5, learning_rate=0.001, progress=progress)


LSTM_TRAIN_ROWS = 800        # of the 1,347 training digits: keeps the first build to a few seconds


def lstm_classifier(progress: Callable[[str], None]) -> Subject:
    """Two LSTM layers of 512 reading the 28×28 digits row by row (28 steps of 28 pixels).

    Trained for 2 epochs on LSTM_TRAIN_ROWS of the training digits (~3.5 s on 2 cores), which is
    enough for 82% validation accuracy; judged on the full validation split (450 digits).
    """
    full = digits_28()
    data = replace(full, x_train=full.x_train[:LSTM_TRAIN_ROWS], y_train=full.y_train[:LSTM_TRAIN_ROWS])
    return _trained("lstm", "LSTM classifier (2 layers of 512) reading the digits at 28×28 row by row", data,
                    model="lstm", hidden_sizes=(512, 512), epochs=2, learning_rate=0.003, progress=progress)


def _trained(key: str, label: str, data: datasets.Dataset, progress, **settings) -> Subject:
    from core.train import TrainConfig, TrainingRun

    progress("training")
    cfg = TrainConfig(dataset=data.name, model=settings.pop("model"), dropout=0.0, optimizer="adam",
                      batch_size=32, weight_decay=0.0, l1=0.0, seed=SEED, **settings)
    run_ = TrainingRun(cfg, data=data)
    for _ in run_.epochs():
        pass
    weights = {k: v.detach().cpu() for k, v in run_.model.state_dict().items()}
    return classifier_subject(key, label, architectures.run_meta(cfg, data), weights, data)


@functools.lru_cache(maxsize=1)
def digits_28() -> datasets.Dataset:
    """scikit-learn's 1,797 digits, upscaled from 8×8 to MNIST's 28×28 (bilinear), split and
    standardized as the Train tab does its datasets."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = torch.tensor(digits.data / 16.0, dtype=torch.float32).view(-1, 1, 8, 8)
    big = nn.functional.interpolate(small, size=(28, 28), mode="bilinear", align_corners=False)
    arrays = datasets.split_and_standardize(big.reshape(len(big), -1).numpy().astype(np.float64),
                                            digits.target.astype(np.int64))
    return datasets.Dataset(name="digits28", n_classes=10, class_names=tuple(str(d) for d in range(10)),
                            identity="digits at 28x28", image_shape=(28, 28), **arrays)


# --- the word-language-model tutorial's shape ------------------------------------------------------

WORD_LM_SHAPE = dict(ntoken=33_278, ninp=512, nhid=256, nlayers=5)   # the tutorial's LSTMModel(...)
WORD_LM_TOKENS = 128          # the fixed random sequence whose next words are compared
WORD_LM_EXAMPLE = 35          # the tutorial's bptt: the timed input


class WordLanguageModel(nn.Module):
    """The model of PyTorch's word_language_model example, in the shape its dynamic-quantization
    tutorial builds (``LSTMModel(ntoken=33278, ninp=512, nhid=256, nlayers=5)``, 113.9 MB in fp32):
    an embedding of the 33,278 words of WikiText-2, the LSTM and a linear decoder back to words.
    The names (encoder, rnn, decoder) are the tutorial's; dropout, a no-op in eval mode, is left out.
    """

    def __init__(self, ntoken: int, ninp: int, nhid: int, nlayers: int):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:    # (sequence, batch) word ids
        output, _ = self.rnn(self.encoder(tokens))
        return self.decoder(output)

    def init_weights(self, generator: torch.Generator) -> None:
        """The tutorial's initialisation (uniform ±0.1, zero decoder bias; the LSTM's default), from ``generator``."""
        with torch.no_grad():
            self.encoder.weight.uniform_(-0.1, 0.1, generator=generator)
            self.decoder.weight.uniform_(-0.1, 0.1, generator=generator)
            self.decoder.bias.zero_()
            bound = 1.0 / math.sqrt(self.rnn.hidden_size)
            for p in self.rnn.parameters():
                p.uniform_(-bound, bound, generator=generator)


def word_lm(progress: Callable[[str], None]) -> Subject:
    """The tutorial's word-LM shape with random weights: not trained (accuracy is not shown), but
    its next-word predictions on a fixed random sequence still show what quantization changes."""
    progress("building")
    blank = functools.partial(locked_build, WordLanguageModel, **WORD_LM_SHAPE)
    model = blank()
    model.init_weights(torch.Generator().manual_seed(SEED))
    tokens = torch.randint(0, WORD_LM_SHAPE["ntoken"], (WORD_LM_TOKENS, 1),
                           generator=torch.Generator().manual_seed(SEED + 1))
    return Subject(key="lstm_lm", label="Word-language-model shape of PyTorch's tutorial (33,278-word embedding, "
                                        "5 LSTM layers of 256), random weights",
                   kind="word_lm", model=model.eval(), example=(tokens[:WORD_LM_EXAMPLE].clone(),), blank=blank,
                   real_weights=False, evaluate=functools.partial(_evaluate_word_lm, tokens))


def _evaluate_word_lm(tokens: torch.Tensor, model: nn.Module) -> Evaluation:
    logits = run(model, (tokens,))
    return Evaluation(accuracy=None, predictions=logits.argmax(-1).reshape(-1).numpy(), logits=kept_logits(logits),
                      perplexity=None, text=None)

