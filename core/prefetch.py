"""Download DL Lab's pretrained models into the Hugging Face cache, for offline use.

    python -m core.prefetch            # every model the app offers (DLLAB_* settings and defaults)
    python -m core.prefetch text       # only the text-generation models (GPT-2, DistilGPT2, Chinese GPT-2)

Run it once on a machine with internet access before a workshop; afterwards the
app loads the models from the cache (~/.cache/huggingface, or HF_HOME) with no network.
"""

from __future__ import annotations

import argparse
import os
import sys

from core import models

# Configs, tokenizers and safetensors weights; no TensorFlow/Flax/ONNX copies.
ALLOW = ["*.json", "*.txt", "*.model", "*.safetensors"]


def names(kind: str) -> tuple[str, ...]:
    """The models of ``kind`` a user can pick: every text model of the Generate tab's list, else the default."""
    from core import config

    return config.text_models() if kind == "text" else (models.default_name(kind),)


def plan(kinds: list[str]) -> list[tuple[str, str, str]]:
    """(kind, name, action) per model: action is 'download' or 'local' (a directory, nothing to fetch)."""
    out = []
    for kind in kinds:
        for name in names(kind):
            action = "local" if os.path.isdir(os.path.expanduser(name)) else "download"
            out.append((kind, name, action))
    return out


def fetch(name: str) -> str:
    """Download one model repository (with progress bars); returns its snapshot directory."""
    from huggingface_hub import snapshot_download

    path = snapshot_download(name, allow_patterns=ALLOW)
    if not any(f.endswith(".safetensors") for f in os.listdir(path)):
        # Older repositories only have PyTorch pickles; transformers loads them with weights_only.
        path = snapshot_download(name, allow_patterns=ALLOW + ["pytorch_model.bin"])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.prefetch", description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", metavar="KIND",
                        help=f"which models: {', '.join(sorted(models.KINDS))} (default: all)")
    args = parser.parse_args(argv)
    unknown = [k for k in args.kinds if k not in models.KINDS]
    if unknown:
        parser.error(f"unknown kind {unknown[0]!r}; choose from {', '.join(sorted(models.KINDS))}")
    todo = plan(args.kinds or sorted(models.KINDS, key=lambda k: k != "text"))
    if any(action == "download" for _, _, action in todo) and models.offline_mode():
        print("HF_HUB_OFFLINE is set, so nothing can be downloaded. Unset it "
              "(`env -u HF_HUB_OFFLINE python -m core.prefetch`) on a machine with internet access.",
              file=sys.stderr)
        return 3
    failed = 0
    for kind, name, action in todo:
        label = models.KINDS[kind].label
        if action == "local":
            print(f"{label}: '{name}' is a local directory; nothing to download.")
            continue
        print(f"{label}: downloading '{name}' ...", flush=True)
        try:
            path = fetch(name)
        except Exception as exc:  # noqa: BLE001 - report every model, then fail
            failed += 1
            print(f"{label}: could not download '{name}': {exc}", file=sys.stderr)
            continue
        print(f"{label}: ready in {path}")
    if failed:
        print(f"{failed} model(s) could not be downloaded; is the Hugging Face Hub reachable from here?",
              file=sys.stderr)
        return 1
    print("All models are in the Hugging Face cache; DL Lab can now run offline.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
