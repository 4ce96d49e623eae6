"""Make a model smaller and faster: int8, half precision and torchao, and what each does to a model.

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

The methods (``config.QUANTIZE_METHODS``), each applied by ``apply`` to a new copy:

- ``dynamic_int8``: Conv1D → Linear, then ``quantize_dynamic`` on nn.Linear and nn.LSTM.
- ``dynamic_int8_naive``: ``quantize_dynamic`` as the tutorial calls it; differs only on GPT-2.
- ``fp16`` / ``bf16``: every floating weight and buffer cast to half precision.
- ``torchao_int8_weight`` / ``torchao_int8_dynamic``: torchao's ``quantize_`` (int8 weights per
  output row; the second also quantizes activations) on nn.Linear only.
- ``torchao_int4_weight``: int4 weights in groups of 128, on a CUDA GPU only (see ``why_not``).

The per-layer view (``module_table``, ``weight_values``, ``layers``...) is in core.quantize_layers
and importable from here.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import io
import logging
import os
import warnings
from typing import Any

import torch
from torch import nn

from core import config, validate
from core.errors import InvalidInput
from core.quantize_layers import (default_layer, layers, module_table, modules_replaced, tied_linears,
                                  weight_values)

__all__ = ["METHODS", "apply", "why_not", "check", "forward", "save", "saved_bytes", "module_table", "modules_replaced",
           "weight_values", "layers", "default_layer", "tied_linears", "conv1d_to_linear", "int8_dynamic",
           "quantized_layers"]

METHODS = config.QUANTIZE_METHODS
HALF = {"fp16": torch.float16, "bf16": torch.bfloat16}
TORCHAO = ("torchao_int8_weight", "torchao_int8_dynamic", "torchao_int4_weight")
INT4_GROUP = 128            # torchao's int4 weights share one scale per group of this many inputs


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


def _quiet_quantize(model: nn.Module, kinds: set[type]) -> nn.Module:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated.*")
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor.*deprecated.*")
        return torch.ao.quantization.quantize_dynamic(model, kinds, dtype=torch.qint8)


def _python_path(module, args):
    """A no-op pre-hook: its presence turns off nn.TransformerEncoderLayer's fused inference path."""


def int8_dynamic(model: nn.Module, convert_conv1d: bool = True) -> nn.Module:
    """An int8 copy of ``model`` (CPU, eval mode): linear and LSTM layers quantized dynamically.

    With ``convert_conv1d`` (the default) GPT-2's Conv1D layers become nn.Linear first,
    so that they are quantized too; without it, the naive call, only real nn.Linear are.
    The original model is left untouched.
    """
    clone = copy.deepcopy(model).to("cpu").eval()
    if convert_conv1d:
        conv1d_to_linear(clone)
    # quantize_dynamic swaps the children of a module: a bare layer is handed over inside a parent.
    bare = isinstance(clone, (nn.Linear, nn.LSTM))
    quantized = _quiet_quantize(nn.Sequential(clone) if bare else clone, {nn.Linear, nn.LSTM})
    quantized = quantized[0] if bare else quantized
    # The encoder layer's fused path reads linear1.weight as a tensor; a quantized Linear's weight
    # is a method, so that path would fail. A hook on the layer makes it take the plain one.
    for module in quantized.modules():
        if isinstance(module, nn.TransformerEncoderLayer):
            module.register_forward_pre_hook(_python_path)
    return quantized


def saved_bytes(model: nn.Module) -> int:
    """Bytes of ``model``'s state dict as torch.save really writes it (not an estimate)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def quantized_layers(model: nn.Module) -> int:
    """How many modules of ``model`` are dynamically quantized linear or LSTM layers."""
    from torch.ao.nn.quantized import dynamic as qd

    return sum(isinstance(m, (qd.Linear, qd.LSTM)) for m in model.modules())


def save(model: nn.Module, path) -> int:
    """Write ``model``'s state dict to ``path`` with torch.save; returns the file's size in bytes.

    A state dict, not the module: torchao's int8 layers and wav2vec2's weight norm cannot be
    pickled whole, and a state dict is what a reader loads into the same architecture.
    """
    torch.save(model.state_dict(), path)
    return os.path.getsize(path)


# --- the methods ----------------------------------------------------------------------------------

def apply(method: str, model: nn.Module, device: str | torch.device = "cpu") -> nn.Module:
    """A new copy of ``model`` quantized by ``method``, in eval mode; ``model`` itself is never changed.

    The copy is on the CPU, except ``torchao_int4_weight``'s, which lives on ``device`` (a CUDA GPU)
    in bfloat16 as its kernels need. torchao's methods convert GPT-2's Conv1D to nn.Linear first and
    leave a linear layer whose weight is an embedding's (GPT-2's output head) as it is: quantizing it
    would give the head its own copy of the embedding matrix and make the file grow. A method that
    does not apply raises InvalidInput with ``why_not``'s reason (see ``check``).
    """
    check(method, model, device)
    if method in ("dynamic_int8", "dynamic_int8_naive"):
        return int8_dynamic(model, convert_conv1d=method == "dynamic_int8")
    clone = copy.deepcopy(model).to("cpu").eval()
    if method in HALF:
        return clone.to(HALF[method])
    conv1d_to_linear(clone)
    if method == "torchao_int4_weight":
        clone = clone.to(device=device, dtype=torch.bfloat16)
    ao = _torchao()
    settings = {"torchao_int8_weight": lambda: ao.Int8WeightOnlyConfig(set_inductor_config=False),
                "torchao_int8_dynamic": lambda: ao.Int8DynamicActivationInt8WeightConfig(set_inductor_config=False),
                "torchao_int4_weight": lambda: ao.Int4WeightOnlyConfig(
                    group_size=INT4_GROUP, int4_packing_format="tile_packed_to_4d", set_inductor_config=False)}
    chosen = set(_torchao_targets(clone, method))
    ao.quantize_(clone, settings[method](), filter_fn=lambda module, name: name in chosen)
    return clone


def _torchao():
    """torchao's quantization API, imported on first use (it is slow to import, and logs a
    deprecation notice from torch's pytree registry that says nothing to a DL Lab user)."""
    pytree_log = logging.getLogger("torch.utils._pytree")
    level = pytree_log.level
    pytree_log.setLevel(logging.ERROR)
    try:
        import torchao.quantization as ao
    finally:
        pytree_log.setLevel(level)
    return ao


def _torchao_targets(model: nn.Module, method: str) -> list[str]:
    """Names of the nn.Linear layers torchao will quantize (Conv1D counted as converted), tied heads left out."""
    from transformers.pytorch_utils import Conv1D

    tied = tied_linears(model)
    names = []
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.linear.NonDynamicallyQuantizableLinear) or name in tied:
            continue                          # attention's out_proj: read as a raw weight by its parent
        if isinstance(module, nn.Linear):
            n_in = module.in_features
        elif isinstance(module, Conv1D):
            n_in = module.weight.shape[0]
        else:
            continue
        if method != "torchao_int4_weight" or n_in % INT4_GROUP == 0:
            names.append(name)
    return names


def why_not(method: str, model: nn.Module, device: str | torch.device = "cpu") -> tuple[str, dict] | None:
    """None when ``method`` applies to ``model`` on ``device``; else a message key and its parameters."""
    try:
        check(method, model, device)
    except InvalidInput as err:
        return err.key, err.params
    return None


def check(method: str, model: nn.Module, device: str | torch.device = "cpu") -> None:
    """Raise InvalidInput, saying why, when ``method`` does not apply to ``model`` on ``device``."""
    from transformers.pytorch_utils import Conv1D

    validate.choice(method, METHODS, "Method")
    modules = list(model.modules())
    if method == "dynamic_int8_naive" and not any(isinstance(m, Conv1D) for m in modules):
        raise InvalidInput("Method", "quantize_naive_needs_conv1d")
    if method in ("dynamic_int8", "dynamic_int8_naive"):
        if not any(isinstance(m, (nn.Linear, nn.LSTM, Conv1D)) for m in modules):
            raise InvalidInput("Method", "quantize_nothing_for_int8")
    elif method in HALF:
        _check_half_kernels(method, modules, torch.device(device))
    elif method == "torchao_int4_weight":
        device = torch.device(device)
        if device.type != "cuda":
            raise InvalidInput("Method", "quantize_int4_needs_cuda", version=importlib.metadata.version("torchao"))
        capability = torch.cuda.get_device_capability(device)
        if capability[0] < 8:
            raise InvalidInput("Method", "quantize_int4_gpu_too_old", capability=f"{capability[0]}.{capability[1]}")
        if not _torchao_targets(model, method):
            raise InvalidInput("Method", "quantize_int4_no_layer", group=INT4_GROUP)
    elif not _torchao_targets(model, method):
        raise InvalidInput("Method", "quantize_torchao_no_linear")


# --- half precision: does each kind of layer have a kernel here? ------------------------------------

def _half_probes() -> dict[type, tuple]:
    """A tiny instance and input of each layer kind DL Lab's models are made of."""
    from transformers.pytorch_utils import Conv1D

    return {
        nn.Linear: (lambda: nn.Linear(8, 8), (2, 8)),
        Conv1D: (lambda: Conv1D(8, 8), (2, 8)),
        nn.LSTM: (lambda: nn.LSTM(8, 8, batch_first=True), (2, 3, 8)),
        nn.Conv1d: (lambda: nn.Conv1d(2, 4, 3), (1, 2, 16)),
        nn.Conv2d: (lambda: nn.Conv2d(1, 4, 3), (1, 1, 8, 8)),
        nn.MaxPool2d: (lambda: nn.MaxPool2d(2), (1, 1, 8, 8)),
        nn.GroupNorm: (lambda: nn.GroupNorm(2, 4), (1, 4, 16)),
        nn.LayerNorm: (lambda: nn.LayerNorm(8), (2, 8)),
        nn.GELU: (lambda: nn.GELU(), (2, 8)),
        nn.TransformerEncoderLayer: (lambda: nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), (2, 3, 8)),
    }


@functools.lru_cache(maxsize=None)
def _half_kernel_missing(kind: type, dtype: torch.dtype, device_type: str) -> bool:
    """Whether a tiny ``kind`` layer fails to run in ``dtype`` on this device (checked once per process)."""
    build, shape = _half_probes()[kind]
    with torch.device("meta"):                # built without drawing from the global RNG
        layer = build()
    layer = layer.to_empty(device=device_type).to(dtype).eval()
    with torch.no_grad():
        for tensor in [*layer.parameters(), *layer.buffers()]:
            tensor.fill_(0.5)
        try:
            with torch.inference_mode():
                layer(torch.full(shape, 0.5, dtype=dtype, device=device_type))
        except (RuntimeError, NotImplementedError):
            return True
    return False


def _check_half_kernels(method: str, modules: list[nn.Module], device: torch.device) -> None:
    probes = _half_probes()
    for kind in {type(m) for m in modules}:
        if kind in probes and _half_kernel_missing(kind, HALF[method], device.type):
            raise InvalidInput("Method", "quantize_half_unsupported", dtype=str(HALF[method]).removeprefix("torch."),
                               layer=kind.__name__, torch=torch.__version__.split("+")[0], device=device.type.upper())


# --- running a quantized model ----------------------------------------------------------------------

def _float_dtype_and_device(model: nn.Module) -> tuple[torch.dtype, torch.device]:
    for tensor in [*model.parameters(), *model.buffers()]:
        if tensor.is_floating_point():
            return tensor.dtype, tensor.device
    return torch.float32, torch.device("cpu")


def _to_float32(out: Any) -> Any:
    if isinstance(out, torch.Tensor):
        return out.float().cpu() if out.is_floating_point() else out.cpu()
    if isinstance(out, (tuple, list)):
        return type(out)(_to_float32(item) for item in out)
    return out


def forward(model: nn.Module, inputs: tuple) -> torch.Tensor | Any:
    """``model(*inputs)`` without autograd, for any method's copy.

    Floating inputs are cast to the model's floating dtype (fp16, bf16) and moved to its device;
    floating outputs come back as float32 on the CPU. A transformers model returns its logits
    (and keeps no key-value cache: nothing reads it).
    """
    dtype, device = _float_dtype_and_device(model)
    args = tuple(x.to(device=device, dtype=dtype if x.is_floating_point() else x.dtype)
                 if isinstance(x, torch.Tensor) else x for x in inputs)
    from transformers import PreTrainedModel

    caches = isinstance(model, PreTrainedModel) and getattr(model.config, "use_cache", False)
    kwargs = {"use_cache": False} if caches else {}
    with torch.inference_mode():
        out = model(*args, **kwargs)
    logits = getattr(out, "logits", None)
    return _to_float32(logits if isinstance(logits, torch.Tensor) else out)
