"""Hand-offs of a finished run: the model as safetensors with a script that evaluates it,
and the plain PyTorch code that reproduces the run from scratch.

Both are built from the real sources in core/architectures.py (read with
``inspect``), so what a student takes home is exactly what DL Lab ran.
"""

from __future__ import annotations

import inspect
import json
import textwrap
import zipfile
from pathlib import Path

import numpy as np

from core import architectures as arch
from core import files
from core.errors import DLLabError

_CLASS_FOR = {"mlp": arch.MLP, "cnn": arch.CNN, "lstm": arch.LSTMClassifier, "transformer": arch.TransformerClassifier}

_PREAMBLE = '''\
import math

import torch
from torch import nn


class InvalidInput(ValueError):
    def __init__(self, field, key, **params):
        super().__init__(f"{{field}}: {{key}} {{params}}")


TRANSFORMER_HEADS = {heads}
'''


def model_source(architecture: str) -> str:
    """Self-contained source that defines the architecture and its initialisation."""
    parts = [_PREAMBLE.format(heads=arch.TRANSFORMER_HEADS), inspect.getsource(arch.SeededDropout),
             inspect.getsource(arch._dropout), inspect.getsource(_CLASS_FOR[architecture]),
             inspect.getsource(arch.init_parameters)]
    return "\n\n".join(textwrap.dedent(p).strip() + "\n" for p in parts)


def rebuild_source() -> str:
    """The source of ``core.architectures.rebuild`` (and ``construct``, which it calls): what
    evaluate.py runs, so the Quantize tab and an exported bundle rebuild a run the same way."""
    return "\n\n".join(textwrap.dedent(inspect.getsource(f)).strip() + "\n" for f in (arch.construct, arch.rebuild))


def _optimizer_line(cfg) -> str:
    lr, wd, m = repr(cfg.learning_rate), repr(cfg.weight_decay), repr(cfg.momentum)
    return {
        "sgd": f"torch.optim.SGD(model.parameters(), lr={lr}, momentum={m}, weight_decay={wd})",
        "adam": f"torch.optim.Adam(model.parameters(), lr={lr}, weight_decay={wd})",
        "adamw": f"torch.optim.AdamW(model.parameters(), lr={lr}, weight_decay={wd})",
        "adagrad": f"torch.optim.Adagrad(model.parameters(), lr={lr}, weight_decay={wd})",
        "rmsprop": f"torch.optim.RMSprop(model.parameters(), lr={lr}, momentum={m}, weight_decay={wd})",
    }[cfg.optimizer]


def _constructor(cfg, n_features, image_shape, n_classes) -> str:
    first = repr(n_features) if cfg.model == "mlp" else repr(tuple(image_shape))
    cls = _CLASS_FOR[cfg.model].__name__
    return f"{cls}({first}, {tuple(cfg.hidden_sizes)!r}, {n_classes}, {cfg.dropout!r}, dropout_gen)"


def _data_source(cfg, csv_name: str | None, label_column: str | None) -> str:
    from core import config

    common = f'''\
x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size={config.VALIDATION_FRACTION!r},
                                          random_state={config.DATA_SEED}, stratify=y)
mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)
std[std < 1e-8] = 1.0            # constant columns stay at zero
x_train = torch.tensor(((x_tr - mean) / std).astype(np.float32))
x_val = torch.tensor(((x_va - mean) / std).astype(np.float32))
y_train, y_val = torch.tensor(y_tr), torch.tensor(y_va)
'''
    seed = config.DATA_SEED
    if cfg.dataset == "csv":
        load = f'''\
# Your CSV file: numeric feature columns and the label column {label_column!r}.
import csv
with open({csv_name!r}, newline="", encoding="utf-8-sig") as f:
    first = f.readline()
    f.seek(0)
    rows = [r for r in csv.reader(f, delimiter=max(",;\\t", key=first.count)) if any(c.strip() for c in r)]
header, rows = [h.strip() for h in rows[0]], rows[1:]
label_at = header.index({label_column!r})
x = np.array([[float(c) for i, c in enumerate(r) if i != label_at] for r in rows])
labels = [r[label_at].strip() for r in rows]


def natural(value):              # numbers in numeric order, then text
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


classes = sorted(set(labels), key=natural)
y = np.array([classes.index(v) for v in labels], dtype=np.int64)
'''
    elif cfg.dataset == "moons":
        load = f"x, y = datasets.make_moons(n_samples={cfg.n_samples}, noise={cfg.noise!r}, random_state={seed})\n"
    elif cfg.dataset == "circles":
        load = (f"x, y = datasets.make_circles(n_samples={cfg.n_samples}, noise={cfg.noise!r} * 0.5, factor=0.5, "
                f"random_state={seed})\n")
    elif cfg.dataset == "classification":
        load = (f"x, y = datasets.make_classification(n_samples={cfg.n_samples}, n_features=10, n_informative=5,\n"
                f"                                    n_redundant=2, n_classes=2, flip_y={cfg.noise!r} * 0.5, "
                f"random_state={seed})\n")
    else:
        load = "digits = datasets.load_digits()\nx, y = digits.data / 16.0, digits.target\n"
    return load + "x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.int64)\n" + common


def reproduce_code(result, n_features: int, image_shape, n_classes: int, csv_name: str | None = None,
                   label_column: str | None = None) -> str:
    """Plain PyTorch code that repeats this run: data, model, optimizer, loop. Prints the accuracy."""
    cfg = result.config
    l1 = ""
    if cfg.l1 > 0:
        l1 = (f"        weights = [p for n, p in model.named_parameters() if not n.endswith('bias')]\n"
              f"        loss = loss + {cfg.l1!r} * sum(p.abs().sum() for p in weights)   # L1 penalty\n")
    stop_note = (f"# This run was stopped after epoch {result.epochs_completed}; the loop below stops there too.\n"
                 if result.stopped else "")
    return f'''\
"""DL Lab run: {cfg.label()} on {result.dataset_identity}.
Reported validation accuracy: {result.metrics["accuracy"]:.4f}. Running this file repeats the run exactly (on a CPU)."""
import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split

{model_source(cfg.model)}

# ---- data: generated, split and standardized as DL Lab does -----------------------
{_data_source(cfg, csv_name, label_column)}
# ---- model: every random draw comes from a generator seeded with the run's seed -----
init_gen = torch.Generator().manual_seed({cfg.seed})
shuffle_gen = torch.Generator().manual_seed({cfg.seed} + 1)
dropout_gen = torch.Generator().manual_seed({cfg.seed} + 2)
model = {_constructor(cfg, n_features, image_shape, n_classes)}
init_parameters(model, init_gen)
optimizer = {_optimizer_line(cfg)}
loss_fn = nn.CrossEntropyLoss()

# ---- training loop -----------------------------------------------------------------
{stop_note}epochs, batch_size = {result.epochs_completed}, {cfg.batch_size}
for epoch in range(1, epochs + 1):
    model.train()
    order = torch.randperm(len(y_train), generator=shuffle_gen)
    for i in range(0, len(y_train), batch_size):
        idx = order[i:i + batch_size]
        loss = loss_fn(model(x_train[idx]), y_train[idx])
{l1}        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
    print(f"epoch {{epoch:3d}}  validation accuracy {{val_accuracy:.4f}}")

print(f"accuracy: {{val_accuracy:.4f}}")
'''


def _evaluate_script(meta: dict) -> str:
    return f'''\
"""Rebuild the DL Lab model, load its weights and evaluate it on the saved validation set.

    pip install torch safetensors && python evaluate.py
"""
import json
from pathlib import Path

from safetensors.torch import load_file

{model_source(meta["model"])}

{rebuild_source()}

here = Path(__file__).resolve().parent
meta = json.loads((here / "run.json").read_text())
model = rebuild(meta, load_file(here / "model.safetensors"))

validation = load_file(here / "validation.safetensors")
with torch.no_grad():
    predicted = model(validation["x"]).argmax(1)
accuracy = (predicted == validation["y"]).float().mean().item()
print(f"accuracy: {{accuracy:.4f}}")
print(f"reported by DL Lab: {{meta['accuracy']:.4f}}")
'''


def export_bundle(record) -> Path:
    """A zip with model.safetensors, validation.safetensors, run.json, evaluate.py and train.py."""
    import torch
    from safetensors.torch import save_file

    if record is None or record.weights is None:
        raise DLLabError("nothing_to_export")
    res, data = record.result, record.data
    cfg = res.config
    meta = {
        "dl_lab_run": record.id, "dataset": res.dataset_identity, **arch.run_meta(cfg, data),
        "class_names": list(res.class_names), "optimizer": cfg.optimizer, "learning_rate": cfg.learning_rate,
        "epochs_completed": res.epochs_completed, "batch_size": cfg.batch_size, "seed": cfg.seed,
        "accuracy": res.metrics["accuracy"], "f1": res.metrics["f1"], "auc": res.metrics["auc"],
        "feature_mean": np.asarray(data.mean).tolist(), "feature_std": np.asarray(data.std).tolist(),
    }
    folder = files.new_folder()
    stem = f"dllab-run{record.id}-{cfg.model}-{cfg.dataset}"
    save_file({k: v.contiguous() for k, v in record.weights.items()}, folder / "model.safetensors",
              metadata={"format": "pt", "dl_lab": "model"})
    save_file({"x": torch.tensor(np.asarray(data.x_val)), "y": torch.tensor(np.asarray(data.y_val))},
              folder / "validation.safetensors")
    (folder / "run.json").write_text(json.dumps(meta, indent=2))
    (folder / "evaluate.py").write_text(_evaluate_script(meta))
    (folder / "train.py").write_text(code_for(record))
    zip_path = folder / f"{stem}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("model.safetensors", "validation.safetensors", "run.json", "evaluate.py", "train.py"):
            z.write(folder / name, f"{stem}/{name}")
    return zip_path


def code_for(record, csv_name: str = "your_data.csv") -> str:
    """The reproduce-code of a history record (a CSV run reads its data from ``csv_name``)."""
    res, data = record.result, record.data
    identity = res.dataset_identity
    label_column = identity.rsplit(":", 1)[-1] if identity.startswith("csv:") else None
    return reproduce_code(res, data.n_features, data.image_shape, data.n_classes,
                          csv_name=csv_name, label_column=label_column)
