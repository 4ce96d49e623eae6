"""The few lines of plain PyTorch that apply one quantization method to a model and weigh the result.

The model part is built from the same sources DL Lab runs: a Train-tab architecture comes with
the very source of its class and of ``core.architectures.rebuild`` (as Export's evaluate.py does),
the word-LM with its class, GPT-2 and wav2vec2 from their configuration. Only the weights differ
(initial ones; the size does not depend on their values), so running the code prints the byte
count the page shows, which a test checks method by method.
"""

from __future__ import annotations

import inspect
import textwrap

from core import quantize

# Config fields that say where a model came from, not what shape it is.
_NOT_SHAPE = {"transformers_version", "architectures", "_name_or_path", "torch_dtype", "dtype", "model_type",
              "task_specific_params", "id2label", "label2id", "output_attentions", "return_dict"}


def code_for(subject, method: str) -> str:
    """A runnable script: build ``subject``'s architecture, apply ``method`` as core.quantize.apply
    does, print the bytes of the saved state dict."""
    header, build = _model_part(subject)
    steps = _method_part(subject, method)
    return f'''\
"""DL Lab: {subject.label}, quantized with {method}; prints the bytes of the saved state dict."""
import io

import torch
from torch import nn
{header}
{build}
model.eval()
{steps}
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)      # what the page weighs: the state dict as saved
print(f"{{buffer.tell():,}} bytes")
'''


def _source(*objects) -> str:
    return "\n\n".join(textwrap.dedent(inspect.getsource(o)).strip() + "\n" for o in objects)


def _model_part(subject) -> tuple[str, str]:
    """(definitions, the lines that make ``model``) for the subject's architecture."""
    blank = subject.blank
    if subject.kind == "classifier":
        from core import export

        meta = blank.args[1]
        return (f"\n{export.model_source(meta['model'])}\n{export.rebuild_source()}",
                f"meta = {meta!r}\n"
                f"model = rebuild(meta, None)   # a run exported from the Train tab: rebuild(meta, load_file(...))")
    if subject.kind == "word_lm":
        from core.quantize_small import WordLanguageModel

        shape = ", ".join(f"{k}={v!r}" for k, v in blank.keywords.items())
        return f"\n\n{_source(WordLanguageModel)}", f"model = WordLanguageModel({shape})"
    class_name, config_dict = blank.args[0], blank.args[1]
    import transformers

    cls = getattr(transformers, class_name)
    config_name = cls.config_class.__name__
    default = cls.config_class().to_dict()
    shape = {k: v for k, v in config_dict.items()
             if k not in _NOT_SHAPE and not k.startswith("_") and default.get(k, object()) != v}
    args = ", ".join(f"{k}={v!r}" for k, v in sorted(shape.items()))
    note = "the trained weights: .from_pretrained(name); the same size" if subject.real_weights else \
        "random weights: the same size as the trained ones"
    return (f"from transformers import {class_name}, {config_name}",
            f"model = {class_name}({config_name}({args}))   # {note}")


def _method_part(subject, method: str) -> str:
    has_conv1d = subject.kind == "gpt2"
    convert = ""
    if has_conv1d and method != "dynamic_int8_naive" and method not in quantize.HALF:
        convert = (f"\n{_source(quantize.conv1d_to_linear)}\n"
                   "conv1d_to_linear(model)     # GPT-2's Conv1D layers become nn.Linear, which quantizers know\n")
    if method in ("dynamic_int8", "dynamic_int8_naive"):
        return convert + ("# PyTorch warns that torch.ao.quantization is deprecated (torchao is its successor); it still\n"
                          "# works, and on a CPU it is the fastest int8 there is.\n"
                          "model = torch.ao.quantization.quantize_dynamic(model, {nn.Linear, nn.LSTM}, "
                          "dtype=torch.qint8)")
    if method in quantize.HALF:
        return f"model = model.to(torch.{str(quantize.HALF[method]).split('.')[-1]})"
    config = {"torchao_int8_weight": "Int8WeightOnlyConfig()",
              "torchao_int8_dynamic": "Int8DynamicActivationInt8WeightConfig()",
              "torchao_int4_weight": f"Int4WeightOnlyConfig(group_size={quantize.INT4_GROUP}, "
                                     "int4_packing_format=\"tile_packed_to_4d\")"}[method]
    device = ""
    group = ""
    if method == "torchao_int4_weight":
        device = 'model = model.to(device="cuda", dtype=torch.bfloat16)   # int4 kernels need a CUDA GPU\n'
        group = f" and module.in_features % {quantize.INT4_GROUP} == 0"
    return convert + device + f'''\
from torchao.quantization import {config.split("(")[0]}, quantize_

embeddings = {{id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}}


def takes(module, name):
    """torchao quantizes plain linear layers; a head that shares the embedding's matrix stays as it is
    (quantizing it would store that matrix twice), and so does attention's out_proj."""
    return type(module) is nn.Linear and id(module.weight) not in embeddings{group}


quantize_(model, {config}, filter_fn=takes)'''
