"""A tiny GPT trained in the page, as a zip and back: safetensors weights, a JSON config and the
vocabulary, nothing pickled. A zip read back is checked against the same bounds as the page's
controls before anything in it is built."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from core import config, corpus, files
from core.errors import InvalidInput
from core.tinygpt import GPTConfig, TinyGPT

MAX_ZIP_BYTES = 64 * 1024 * 1024        # a 5 M-parameter model is 20 MB in fp32
MEMBERS = ("model.safetensors", "config.json", "vocab.json")
_SHAPE = {"n_layer": config.PRETRAIN_LAYERS, "n_head": config.PRETRAIN_HEADS, "n_embd": config.PRETRAIN_WIDTH,
          "block_size": config.PRETRAIN_CONTEXT, "dropout": config.PRETRAIN_DROPOUT}


def export_zip(entry) -> Path:
    """``entry`` (a core.pretrain.TrainedLM) as ``dllab-<id>.zip`` in a fresh download folder."""
    from safetensors.torch import save_model

    folder = files.new_folder()
    save_model(entry.model, str(folder / "model.safetensors"), metadata={"format": "pt", "dl_lab": "tinygpt"})
    meta = {"dl_lab": "tinygpt", "gpt": entry.model.config.to_dict(), "corpus": entry.corpus,
            "describe": entry.describe, "arithmetic": entry.arithmetic}
    (folder / "config.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / "vocab.json").write_text(entry.vocab.to_json(), encoding="utf-8")
    path = folder / f"dllab-{entry.id}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in MEMBERS:
            z.write(folder / name, name)
    return path


def _bad(reason: str) -> InvalidInput:
    return InvalidInput("Model file", "pretrain_zip_bad", reason=reason)


def import_zip(path, registry):
    """Read an export back into ``registry``; returns its new TrainedLM. Refuses anything else clearly."""
    from safetensors.torch import load_model

    if not path:
        raise InvalidInput("Model file", "pretrain_zip_missing")
    path = Path(path)
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise _bad(f"larger than {MAX_ZIP_BYTES // 2**20} MB")
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename.rsplit("/", 1)[-1]: i for i in z.infolist() if not i.is_dir()}
            if sorted(infos) != sorted(MEMBERS):
                raise _bad("it must hold exactly " + ", ".join(MEMBERS))
            if sum(i.file_size for i in infos.values()) > 2 * MAX_ZIP_BYTES:
                raise _bad("its files are too large unpacked")
            raw = {name: z.read(infos[name]) for name in MEMBERS}
    except zipfile.BadZipFile:
        raise _bad("not a zip file") from None
    try:
        meta = json.loads(raw["config.json"].decode("utf-8"))
        vocab = corpus.CharVocab.from_json(raw["vocab.json"].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _bad("its config or vocabulary is not JSON text") from None
    if not isinstance(meta, dict) or meta.get("dl_lab") != "tinygpt" or meta.get("corpus") not in config.PRETRAIN_CORPORA:
        raise _bad("its config.json is not a DL Lab tiny GPT's")
    shape = GPTConfig.from_dict(meta.get("gpt"))
    for name, limit in _SHAPE.items():
        value = getattr(shape, name)
        if not limit.minimum <= value <= limit.maximum:
            raise InvalidInput(limit.label, "out_of_range", label=limit.label, lo=limit.minimum, hi=limit.maximum,
                               value=value)
    if shape.vocab_size != len(vocab) or shape.vocab_size > config.PRETRAIN_MAX_VOCAB:
        raise _bad("its vocabulary does not match its config")
    arithmetic = meta.get("arithmetic")
    if meta["corpus"] == "arithmetic" and not (isinstance(arithmetic, dict) and set(arithmetic) == {"digits", "ops"}):
        raise _bad("its arithmetic settings are missing")
    from core.device import model_building

    with model_building:
        model = TinyGPT(shape)
    if model.parameters_count() > config.PRETRAIN_MAX_PARAMETERS:
        raise InvalidInput("Model file", "pretrain_too_many_parameters", count=f"{model.parameters_count():,}",
                           max=f"{config.PRETRAIN_MAX_PARAMETERS:,}")
    folder = files.new_folder()
    (folder / "model.safetensors").write_bytes(raw["model.safetensors"])
    try:
        missing, unexpected = load_model(model, str(folder / "model.safetensors"), strict=False)
    except Exception:  # noqa: BLE001 - any failure to read the weights is the file's fault
        raise _bad("its weights cannot be read or do not fit its config") from None
    if missing or unexpected:
        raise _bad("its weights do not fit its config")
    describe = str(meta.get("describe", ""))[:200] or "loaded from a file"
    return registry.add(model.eval(), vocab, meta["corpus"], describe, arithmetic)
