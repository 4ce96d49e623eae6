"""The Train tab's four architectures, built for any dataset shape, and their layer tables.

All take a flat feature vector, so one trainer serves them all. The CNN, LSTM and
Transformer need image data (the 8x8 digits): the CNN sees a 1x8x8 picture, the
LSTM and Transformer read it row by row, a sequence of 8 steps of 8 pixels.

Randomness comes only from the generators passed in: parameters are initialised
with PyTorch's default schemes drawn from ``init_generator``, and dropout is
``SeededDropout`` everywhere (the LSTM's and Transformer's built-in dropout use the
global RNG, so they are set to zero and SeededDropout sits between the blocks).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from core.errors import InvalidInput

ARCHITECTURES = ("mlp", "cnn", "lstm", "transformer")
TRANSFORMER_HEADS = 4


class SeededDropout(nn.Module):
    """Inverted dropout whose masks come from a given generator, not the global RNG."""

    def __init__(self, p: float, generator: torch.Generator):
        super().__init__()
        self.p = p
        self.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty_like(x).bernoulli_(1.0 - self.p, generator=self.generator)
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _dropout(p: float, gen: torch.Generator) -> list[nn.Module]:
    return [SeededDropout(p, gen)] if p > 0 else []


class MLP(nn.Sequential):
    def __init__(self, n_inputs, hidden_sizes, n_classes, dropout, gen):
        layers: list[nn.Module] = []
        width = n_inputs
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), *_dropout(dropout, gen)]
            width = size
        layers.append(nn.Linear(width, n_classes))
        super().__init__(*layers)


class CNN(nn.Module):
    """Two conv blocks, then a classifier whose input size is measured, never hard-coded."""

    def __init__(self, image_shape, hidden_sizes, n_classes, dropout, gen):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
        )
        with torch.no_grad():
            flat = self.features(torch.zeros(1, 1, *self.image_shape)).shape[1]
        width = hidden_sizes[0] if hidden_sizes else 64
        self.classifier = nn.Sequential(nn.Linear(flat, width), nn.ReLU(), *_dropout(dropout, gen),
                                        nn.Linear(width, n_classes))

    def forward(self, x):
        return self.classifier(self.features(x.view(-1, 1, *self.image_shape)))


class LSTMClassifier(nn.Module):
    """Reads the image one row per step; the last step's hidden state is classified."""

    def __init__(self, image_shape, hidden_sizes, n_classes, dropout, gen):
        super().__init__()
        self.steps, self.step_size = image_shape
        sizes = hidden_sizes or (64,)
        self.layers = nn.ModuleList()
        width = self.step_size
        for size in sizes:
            self.layers.append(nn.LSTM(width, size, batch_first=True))
            width = size
        self.drop = SeededDropout(dropout, gen)
        self.head = nn.Linear(width, n_classes)

    def forward(self, x):
        h = x.view(-1, self.steps, self.step_size)
        for lstm in self.layers:
            h = self.drop(lstm(h)[0])
        return self.head(h[:, -1])


class TransformerClassifier(nn.Module):
    """Rows become tokens: a linear embedding plus a learned position, encoder layers, mean pooling."""

    def __init__(self, image_shape, hidden_sizes, n_classes, dropout, gen):
        super().__init__()
        self.steps, self.step_size = image_shape
        sizes = hidden_sizes or (32,)
        d_model = sizes[0]
        if d_model % TRANSFORMER_HEADS:
            raise InvalidInput("Hidden layer sizes", "transformer_width", width=d_model, heads=TRANSFORMER_HEADS)
        self.embed = nn.Linear(self.step_size, d_model)
        self.position = nn.Parameter(torch.zeros(1, self.steps, d_model))
        layer = nn.TransformerEncoderLayer(d_model, TRANSFORMER_HEADS, dim_feedforward=2 * d_model,
                                           dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=len(sizes), enable_nested_tensor=False)
        self.drop = SeededDropout(dropout, gen)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, x):
        tokens = self.embed(x.view(-1, self.steps, self.step_size)) + self.position
        return self.head(self.drop(self.encoder(self.drop(tokens)).mean(dim=1)))


def build_model(architecture: str, n_features: int, image_shape, hidden_sizes, n_classes: int,
                dropout: float, init_generator: torch.Generator, dropout_generator: torch.Generator) -> nn.Module:
    """The named architecture with every parameter drawn from ``init_generator``."""
    from core.device import model_building

    if architecture != "mlp" and image_shape is None:
        raise InvalidInput("Model", "needs_images", model=architecture.upper())
    with model_building:                # never while transformers is loading a model (see core.device)
        model = construct(architecture, n_features, image_shape, hidden_sizes, n_classes, dropout,
                          dropout_generator)
        init_parameters(model, init_generator)
    return model


def construct(architecture, n_features, image_shape, hidden_sizes, n_classes, dropout, dropout_generator):
    """The named architecture with PyTorch's default initial weights (build_model redraws them
    from its generator, rebuild loads trained ones over them)."""
    if architecture == "mlp":
        return MLP(n_features, hidden_sizes, n_classes, dropout, dropout_generator)
    if architecture == "cnn":
        return CNN(image_shape, hidden_sizes, n_classes, dropout, dropout_generator)
    if architecture == "lstm":
        return LSTMClassifier(image_shape, hidden_sizes, n_classes, dropout, dropout_generator)
    if architecture == "transformer":
        return TransformerClassifier(image_shape, hidden_sizes, n_classes, dropout, dropout_generator)
    raise ValueError(f"unknown architecture {architecture!r}")


def run_meta(config, data) -> dict:
    """What ``rebuild`` needs to know of a run: its TrainConfig and the Dataset it was trained on."""
    return {"model": config.model, "n_features": data.n_features,
            "image_shape": list(data.image_shape) if data.image_shape else None,
            "hidden_sizes": list(config.hidden_sizes), "n_classes": data.n_classes, "dropout": config.dropout}


def rebuild(meta, weights):
    """A trained model from what its run recorded, in eval mode: ``meta`` names the architecture and
    its shape (model, n_features, image_shape, hidden_sizes, n_classes, dropout; see run_meta) and
    ``weights`` is its state dict. With ``weights`` None the architecture keeps its initial weights.

    The Quantize tab rebuilds a run with it, and Export's evaluate.py carries this very source.
    """
    image_shape = tuple(meta["image_shape"]) if meta["image_shape"] else None
    model = construct(meta["model"], meta["n_features"], image_shape, tuple(meta["hidden_sizes"]),
                      meta["n_classes"], meta["dropout"], torch.Generator())
    if weights is not None:
        model.load_state_dict(weights)
    return model.eval()


def init_parameters(model: nn.Module, gen: torch.Generator) -> None:
    """PyTorch's default initialisation for each layer type, drawn from ``gen``."""
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=gen)
            if module.bias is not None:
                fan_in = module.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                nn.init.uniform_(module.bias, -bound, bound, generator=gen)
        elif isinstance(module, nn.LSTM):
            bound = 1.0 / math.sqrt(module.hidden_size)
            for p in module.parameters(recurse=False):
                nn.init.uniform_(p, -bound, bound, generator=gen)
        elif isinstance(module, nn.MultiheadAttention):
            nn.init.xavier_uniform_(module.in_proj_weight, generator=gen)
            nn.init.zeros_(module.in_proj_bias)
            nn.init.zeros_(module.out_proj.bias)   # out_proj's weight is a Linear: handled above
        elif isinstance(getattr(module, "position", None), nn.Parameter):   # learned positional embedding
            nn.init.normal_(module.position, std=0.02, generator=gen)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_table(model: nn.Module, n_features: int) -> list[dict]:
    """One row per layer, in the order data flows: name, type, output shape for one example, parameters.

    Leaf modules are listed, except that a Transformer encoder layer is one row.
    """
    targets, whole = [], []
    for name, module in model.named_modules():
        if not name or any(name.startswith(w + ".") for w in whole):
            continue
        if isinstance(module, nn.TransformerEncoderLayer):
            whole.append(name)
            targets.append((name, module))
        elif not list(module.children()):
            targets.append((name, module))
    rows: list[dict] = []

    def hook_for(name):
        def record(mod, _inputs, output):
            out = output[0] if isinstance(output, tuple) else output
            rows.append({"name": name, "type": type(mod).__name__, "output_shape": list(out.shape[1:]),
                         "params": sum(p.numel() for p in mod.parameters())})
        return record

    hooks = [module.register_forward_hook(hook_for(name)) for name, module in targets]
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, n_features, device=device))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    if isinstance(model, TransformerClassifier):
        rows.insert(1, {"name": "position", "type": "Parameter", "output_shape": list(model.position.shape[1:]),
                        "params": model.position.numel()})
    return rows
