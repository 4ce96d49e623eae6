"""What quantization did to each layer: bytes before and after, and the weights on their int8 grid.

Everything here reads a model, fp32 or quantized by any of core.quantize's methods, and
never changes it. Names are those of the fp32 model: the quantizers keep a layer's name
when they replace it, and so does ``conv1d_to_linear``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core import config

INT8_LEVELS = 256


def _conv1d_type():
    try:
        from transformers.pytorch_utils import Conv1D
    except ImportError:                      # transformers absent: no model can hold one
        return ()
    return Conv1D


def tied_linears(model: nn.Module) -> set[str]:
    """Names of the linear layers (nn.Linear or Conv1D) whose weight is an embedding's weight.

    GPT-2's output head reuses the token embedding: the file stores that matrix once.
    """
    embedding_weights = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    return {name for name, m in model.named_modules()
            if isinstance(m, (nn.Linear, _conv1d_type())) and id(getattr(m, "weight", None)) in embedding_weights}


# --- bytes ---------------------------------------------------------------------------------------

def _tensors(value):
    """The tensors torch.save writes for one state-dict value (packed params and torchao included)."""
    if isinstance(value, torch.Tensor):
        if type(value) not in (torch.Tensor, nn.Parameter) and hasattr(value, "__tensor_flatten__"):
            names, _ = value.__tensor_flatten__()          # torchao: qdata, scale, zero_point ...
            for name in names:
                yield from _tensors(getattr(value, name))
        else:
            yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, torch.ScriptObject) and hasattr(value, "__getstate__"):
        yield from _tensors(value.__getstate__())           # a quantized LSTM's packed cells


def _tensor_bytes(tensor: torch.Tensor) -> int:
    if tensor.is_quantized:
        if tensor.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric,
                                torch.per_channel_affine_float_qparams):
            extra = (tensor.q_per_channel_scales().nbytes + tensor.q_per_channel_zero_points().nbytes)
        else:
            extra = 16                                       # one float64 scale and one int64 zero point
        return tensor.numel() * tensor.element_size() + extra
    return tensor.untyped_storage().nbytes()                 # torch.save writes the whole storage


def _bytes_by_row(model: nn.Module, rows: list[str]) -> dict[str, int]:
    """Bytes of each row's state-dict entries; a storage shared by two entries counts once, at the first."""
    by_length = sorted(rows, key=len, reverse=True)
    totals = dict.fromkeys(rows, 0)
    seen: dict = {}                 # holds each tensor: unpacked ones are temporary, and ids get reused
    for key, value in model.state_dict(keep_vars=True).items():
        row = next((r for r in by_length if r == "" or key.startswith(r + ".")), None)
        for tensor in _tensors(value):
            ident = (id(tensor) if tensor.is_quantized or type(tensor) not in (torch.Tensor, nn.Parameter)
                     else tensor.untyped_storage().data_ptr())
            if ident in seen:
                continue
            seen[ident] = tensor
            if row is not None:
                totals[row] += _tensor_bytes(tensor)
    return totals


# --- the table ------------------------------------------------------------------------------------

def _atomic(module: nn.Module) -> bool:
    from torch.nn.utils import parametrize

    return (isinstance(module, nn.RNNBase) or parametrize.is_parametrized(module)
            or type(module).__module__.startswith("torch.ao.nn.quantized"))


def _rows(model: nn.Module) -> list[str]:
    """Modules that own state: leaves with parameters or buffers, and parents that hold some directly;
    an LSTM, a quantized layer or a parametrized one (wav2vec2's weight norm) is one row with all inside."""
    rows, whole = [], []
    for name, module in model.named_modules():
        if any(w == "" or name.startswith(w + ".") for w in whole):
            continue
        own = any(True for _ in module.parameters(recurse=False)) or any(True for _ in module.buffers(recurse=False))
        if _atomic(module):
            whole.append(name)
        if own or _atomic(module):
            rows.append(name)
    return rows


def _storage(module: nn.Module) -> str:
    """How a module's weight is stored when that is not plain fp32: 'Int8Tensor', 'float16' ..."""
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor):
        if type(weight) not in (torch.Tensor, nn.Parameter):
            return type(weight).__name__
        if weight.dtype != torch.float32:
            return str(weight.dtype).removeprefix("torch.")
    for tensor in module.parameters():
        if tensor.dtype != torch.float32:
            return str(tensor.dtype).removeprefix("torch.")
    return ""


def _describe(module: nn.Module | None) -> str:
    if module is None:
        return "—"
    storage = _storage(module)
    return module._get_name() + (f" · {storage}" if storage else "")


def _get(model: nn.Module, name: str) -> nn.Module | None:
    try:
        return model.get_submodule(name)
    except AttributeError:
        return None


def _all_rows(before: nn.Module, after: nn.Module) -> list[dict]:
    names = _rows(before)
    bytes_before, bytes_after = _bytes_by_row(before, names), _bytes_by_row(after, names)
    table = []
    for name in names:
        module = before.get_submodule(name)
        params = sum(p.numel() for p in module.parameters(recurse=_atomic(module)))
        type_before, type_after = _describe(module), _describe(_get(after, name))
        table.append({"name": name, "type_before": type_before, "type_after": type_after, "params": params,
                      "bytes_before": bytes_before[name], "bytes_after": bytes_after[name],
                      "replaced": type_before != type_after})
    return table


def module_table(before: nn.Module, after: nn.Module) -> list[dict]:
    """One row per module that holds weights: what it was, what it became, and its bytes before and after.

    Rows are leaf modules with parameters or buffers; an nn.LSTM (quantized or not) is one row, as is a
    weight-normed convolution; parameters owned directly by a parent (a learned position) are its row.
    ``type_before``/``type_after`` name the class and, when not plain fp32, how the weight is stored
    ("DynamicQuantizedLinear", "Linear · Int8Tensor", "Linear · float16"); ``replaced`` is True when the
    two differ. ``bytes_*`` are a tensor-bytes count of the row's state-dict entries: storages as
    torch.save writes them, int8 weights with their scales and zero points, packed LSTM cells unpacked. A
    storage shared by two layers counts once, at the first: GPT-2's output head shows 0 bytes while tied
    to the embedding, and the bytes of its own copy once the naive int8 call has quantized it. The sums
    come a little under the saved file, which adds the pickled structure and aligns each tensor.

    At most config.QUANTIZE_MAX_TABLE_ROWS rows: the largest modules (by the larger of their two byte
    counts) in model order, the others summed in a last row named "…" with ``rest``, how many it holds.
    """
    table = _all_rows(before, after)
    limit = config.QUANTIZE_MAX_TABLE_ROWS
    if len(table) <= limit:
        return table
    ranked = sorted(range(len(table)), key=lambda i: (-max(table[i]["bytes_before"], table[i]["bytes_after"]), i))
    keep = sorted(ranked[:limit - 1])
    rest = [table[i] for i in ranked[limit - 1:]]
    summary = {"name": "…", "type_before": "", "type_after": "", "params": sum(r["params"] for r in rest),
               "bytes_before": sum(r["bytes_before"] for r in rest),
               "bytes_after": sum(r["bytes_after"] for r in rest),
               "replaced": any(r["replaced"] for r in rest), "rest": len(rest)}
    return [table[i] for i in keep] + [summary]


def modules_replaced(before: nn.Module, after: nn.Module) -> int:
    """How many of the table's modules (all of them, not only the rows shown) the method replaced."""
    return sum(row["replaced"] for row in _all_rows(before, after))


# --- one layer's weights --------------------------------------------------------------------------

def layers(model: nn.Module) -> list[str]:
    """The weights that can be drawn: every Linear or Conv1D (by module name) and each LSTM matrix
    ("rnn.weight_hh_l0"), in model order, fp32 or quantized alike."""
    from torch.ao.nn.quantized import dynamic as qd

    names = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, qd.Linear, _conv1d_type())):
            names.append(name)
        elif isinstance(module, (nn.LSTM, qd.LSTM)):
            names += [f"{name}.{w}" if name else w for w in _lstm_weights(module)]
    return names


def _lstm_weights(module) -> dict[str, torch.Tensor]:
    if hasattr(module, "get_weight"):                     # a dynamically quantized LSTM
        return module.get_weight()
    return {n: p for n, p in module.named_parameters() if n.startswith("weight_")}


def default_layer(model: nn.Module) -> str | None:
    """The largest weight matrix not tied to an embedding: the layer whose histogram says the most."""
    tied = tied_linears(model)
    sizes = {name: _weight(model, name).numel() for name in layers(model) if name not in tied}
    return max(sizes, key=sizes.get) if sizes else None


def _weight(model: nn.Module, layer: str) -> torch.Tensor:
    module = _get(model, layer)
    if module is None:
        parent, _, matrix = layer.rpartition(".")
        return _lstm_weights(model.get_submodule(parent))[matrix]
    weight = module.weight
    if callable(weight):                                  # a dynamically quantized Linear: weight()
        return weight()
    return weight.t() if isinstance(module, _conv1d_type()) else weight     # Conv1D stores (in, out)


def weight_values(model: nn.Module, layer: str) -> dict:
    """The named layer's weight as float32 values, and the int8 grid it sits on when it has one.

    ``values``: float32 array of the weight's shape, (out, in) (dequantized when int8; Conv1D's stored
    (in, out) weight transposed, as conv1d_to_linear does). ``storage``: 'float32', 'float16', 'bfloat16', 'qint8' (quantize_dynamic) or 'Int8Tensor'
    (torchao). With a grid: ``codes`` (the int8 values), ``scale`` (a float per tensor, or an array with
    one per output row), ``zero_point`` (likewise), ``levels`` (256): value = (code - zero_point) × scale.
    Without one these four are None. Raises KeyError for a name ``layers(model)`` does not list.
    """
    if layer not in layers(model):
        raise KeyError(layer)
    weight = _weight(model, layer).detach()
    grid = {"codes": None, "scale": None, "zero_point": None, "levels": None}
    if weight.is_quantized:
        storage = str(weight.dtype).removeprefix("torch.")
        per_channel = weight.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric)
        grid = {"codes": weight.int_repr().numpy(),
                "scale": weight.q_per_channel_scales().numpy() if per_channel else float(weight.q_scale()),
                "zero_point": (weight.q_per_channel_zero_points().numpy() if per_channel
                               else int(weight.q_zero_point())),
                "levels": INT8_LEVELS}
        values = weight.dequantize()
    elif type(weight) not in (torch.Tensor, nn.Parameter) and hasattr(weight, "dequantize"):
        storage = type(weight).__name__
        values = weight.dequantize()
        qdata = getattr(weight, "qdata", None)
        if qdata is not None and qdata.dtype == torch.int8:
            scale = weight.scale.float().reshape(-1)
            zero = getattr(weight, "zero_point", None)
            zero = zero.reshape(-1).int() if zero is not None else torch.zeros_like(scale, dtype=torch.int32)
            grid = {"codes": qdata.cpu().numpy(), "scale": scale.cpu().numpy() if scale.numel() > 1 else float(scale),
                    "zero_point": zero.cpu().numpy() if zero.numel() > 1 else int(zero),
                    "levels": INT8_LEVELS}
    else:
        storage = str(weight.dtype).removeprefix("torch.")
        values = weight
    return {"values": np.asarray(values.float().cpu().numpy(), dtype=np.float32), "storage": storage, **grid}
