"""The few lines of plain PyTorch that apply one quantization method to a model and weigh the result.

The script opens with ``quantize(model)``, the method itself; then the model, built from the same
sources DL Lab runs (a Train-tab architecture or the word-LM with the very source of its class,
GPT-2 and wav2vec2 from their configuration). Only the weights differ (initial ones; the size
does not depend on their values), so running it prints the byte count the page shows, which a
test checks method by method.
"""

from __future__ import annotations

import inspect
import textwrap

from core import quantize

# Config fields that say where a model came from, not what shape it is.
_NOT_SHAPE = {"transformers_version", "architectures", "_name_or_path", "torch_dtype", "dtype", "model_type",
              "task_specific_params", "id2label", "label2id", "output_attentions", "return_dict"}

_INVALID_INPUT = '''\
class InvalidInput(ValueError):
    def __init__(self, field, key, **params):
        super().__init__(f"{field}: {key} {params}")
'''


def code_for(subject, method: str) -> str:
    """A runnable script: ``subject``'s architecture, ``method`` applied as core.quantize.apply does,
    the bytes of the saved state dict printed."""
    imports = {"import io", "import torch", "from torch import nn"}
    steps, helpers = _method_part(subject, method, imports)
    definitions, build = _model_part(subject, imports)
    def order(line):                    # by module; "import x" before "from x import y"
        return line.split()[1].split(".")[0], line.startswith("from")

    stdlib = sorted((i for i in imports if order(i)[0] in ("io", "math")), key=order)
    others = sorted((i for i in imports if i not in stdlib), key=order)
    body = "\n".join(f"    {line}" if line else "" for line in steps.splitlines())
    return f'''\
"""DL Lab: {subject.label}, quantized with {method}; prints the bytes of the saved state dict."""
{chr(10).join(stdlib)}

{chr(10).join(others)}


def quantize(model):
    """{method}: what the page measured."""
{body}
    return model
{helpers}

# --- the model ---------------------------------------------------------------------------------
{definitions}
{build}
model = quantize(model.eval())
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)      # what the page weighs: the state dict as saved
print(f"{{buffer.tell():,}} bytes")
'''


def _source(*objects) -> str:
    return "\n\n".join(textwrap.dedent(inspect.getsource(o)).strip() + "\n" for o in objects)


def _method_part(subject, method: str, imports: set) -> tuple[str, str]:
    """(the body of quantize(model), the functions it calls)."""
    helpers = ""
    convert = ""
    if subject.kind == "gpt2" and method != "dynamic_int8_naive" and method not in quantize.HALF:
        convert = "conv1d_to_linear(model)   # GPT-2's Conv1D layers become nn.Linear, which quantizers know\n"
        helpers += f"\n\n{_source(quantize.conv1d_to_linear)}"
    if method in ("dynamic_int8", "dynamic_int8_naive"):
        return convert + (
            "# PyTorch warns that torch.ao.quantization is deprecated (torchao is its successor);\n"
            "# it still works, and on a CPU it is the fastest int8 there is.\n"
            "model = torch.ao.quantization.quantize_dynamic(model, {nn.Linear, nn.LSTM}, dtype=torch.qint8)"), helpers
    if method in quantize.HALF:
        return f"model = model.to(torch.{str(quantize.HALF[method]).split('.')[-1]})", helpers
    config = {"torchao_int8_weight": "Int8WeightOnlyConfig()",
              "torchao_int8_dynamic": "Int8DynamicActivationInt8WeightConfig()",
              "torchao_int4_weight": f"Int4WeightOnlyConfig(group_size={quantize.INT4_GROUP}, "
                                     "int4_packing_format=\"tile_packed_to_4d\")"}[method]
    imports.add(f"from torchao.quantization import {config.split('(')[0]}, quantize_")
    device, group = "", ""
    if method == "torchao_int4_weight":
        device = 'model = model.to(device="cuda", dtype=torch.bfloat16)   # int4 kernels need a CUDA GPU\n'
        group = f" and module.in_features % {quantize.INT4_GROUP} == 0"
    return convert + device + f'''\
embeddings = {{id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}}

def takes(module, name):
    """torchao quantizes plain linear layers; a head that shares the embedding's matrix stays as it
    is (quantizing it would store that matrix twice), and so does attention's out_proj."""
    return type(module) is nn.Linear and id(module.weight) not in embeddings{group}

quantize_(model, {config}, filter_fn=takes)''', helpers


def _model_part(subject, imports: set) -> tuple[str, str]:
    """(definitions, the lines that make ``model``) for the subject's architecture."""
    blank = subject.blank
    if subject.kind == "classifier":
        return _classifier(blank.args[1], imports)
    if subject.kind == "word_lm":
        from core.quantize_small import WordLanguageModel

        shape = ", ".join(f"{k}={v!r}" for k, v in blank.keywords.items())
        source = _source(WordLanguageModel)
        if "math." in source:
            imports.add("import math")
        return f"\n{source}\n", f"model = WordLanguageModel({shape})"
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
    imports.add(f"from transformers import {class_name}, {config_name}")
    return "", f"model = {class_name}({config_name}({args}))   # {note}"


def _classifier(meta: dict, imports: set) -> tuple[str, str]:
    """A Train-tab architecture: the source of its class (and what the class uses), and its constructor
    with the run's shape, as core.architectures.rebuild builds it."""
    from core import architectures as arch

    cls = {"mlp": arch.MLP, "cnn": arch.CNN, "lstm": arch.LSTMClassifier,
           "transformer": arch.TransformerClassifier}[meta["model"]]
    source = _source(arch.SeededDropout, arch._dropout, cls)
    prelude = ""
    if meta["model"] == "transformer":
        prelude = f"TRANSFORMER_HEADS = {arch.TRANSFORMER_HEADS}\n\n\n{_INVALID_INPUT}\n\n"
    if "math." in source:
        imports.add("import math")
    first = meta["n_features"] if meta["model"] == "mlp" else tuple(meta["image_shape"])
    build = (f"model = {cls.__name__}({first!r}, {tuple(meta['hidden_sizes'])!r}, {meta['n_classes']!r}, "
             f"{meta['dropout']!r}, torch.Generator())\n"
             "# a run exported from the Train tab: model.load_state_dict(load_file(\"model.safetensors\"))")
    return f"\n{prelude}{source}\n", build
