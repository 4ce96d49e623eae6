"""Make a model smaller and faster on the CPU: int8 dynamic quantization, and what it takes for GPT-2.

``quantize_dynamic`` stores each ``nn.Linear`` weight as int8 with one scale, and at run
time quantizes the activations on the fly; the matrix products then read a quarter of
the bytes, which is what a memory-bound decoder needs.

GPT-2's blocks are built from ``transformers``' ``Conv1D`` (a linear layer whose weight
is stored transposed), which PyTorch's quantizer does not know: left as they are, only
the tied output head is quantized, and since it is a copy of the embedding the saved
model grows. ``conv1d_to_linear`` swaps every Conv1D for the equivalent ``nn.Linear``
first, with identical outputs.

``torch.ao.quantization.quantize_dynamic`` warns that it is deprecated in the pinned
torch; it stays because it is the fastest int8 path that installs here (torchao's
weight-only int8 decodes slower than fp32 on this CPU in eager mode). The warning is
silenced where DL Lab calls it, and said once in the README.
"""

from __future__ import annotations

import copy
import io
import warnings

import torch
from torch import nn


def conv1d_to_linear(model: nn.Module) -> int:
    """Replace every ``transformers`` Conv1D in ``model`` (in place) by an equal nn.Linear; returns how many.

    Conv1D computes ``x @ W + b`` with ``W`` of shape (in, out); nn.Linear computes
    ``x @ W.T + b`` with ``W`` of shape (out, in): the weight is transposed once here.
    """
    from transformers.pytorch_utils import Conv1D

    swapped = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, Conv1D):
                n_in, n_out = child.weight.shape
                linear = nn.Linear(n_in, n_out, device=child.weight.device, dtype=child.weight.dtype)
                with torch.no_grad():
                    linear.weight.copy_(child.weight.t())
                    linear.bias.copy_(child.bias)
                setattr(parent, name, linear)
                swapped += 1
    return swapped


def _quiet_quantize(model: nn.Module, layers: set[type]) -> nn.Module:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated.*")
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor.*deprecated.*")
        return torch.ao.quantization.quantize_dynamic(model, layers, dtype=torch.qint8)


def int8_dynamic(model: nn.Module, convert_conv1d: bool = True) -> nn.Module:
    """An int8 copy of ``model`` (CPU, eval mode): linear layers quantized dynamically.

    With ``convert_conv1d`` (the default) GPT-2's Conv1D layers become nn.Linear first,
    so that they are quantized too; without it, the naive call, only real nn.Linear are.
    The original model is left untouched.
    """
    clone = copy.deepcopy(model).to("cpu").eval()
    if convert_conv1d:
        conv1d_to_linear(clone)
    return _quiet_quantize(clone, {nn.Linear, nn.LSTM})


def saved_bytes(model: nn.Module) -> int:
    """Bytes of ``model``'s state dict as torch.save really writes it (not an estimate)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def quantized_layers(model: nn.Module) -> int:
    """How many modules of ``model`` are dynamically quantized linear or LSTM layers."""
    from torch.ao.nn.quantized import dynamic as qd

    return sum(isinstance(m, (qd.Linear, qd.LSTM)) for m in model.modules())
