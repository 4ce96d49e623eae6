"""Files a user downloads (exported models, CSV history, recipes, code, preview images).

Each call writes into a fresh folder under DOWNLOADS_ROOT, so two users never share a
file; folders older than DOWNLOADS_MAX_AGE_S are swept away, at most once a minute.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

DOWNLOADS_ROOT = Path(tempfile.gettempdir()) / "dllab-exports"
DOWNLOADS_MAX_AGE_S = 3600

_last_sweep = [0.0]


def new_folder() -> Path:
    """A fresh, empty folder for one download (old ones are swept first)."""
    sweep_old_downloads()
    folder = DOWNLOADS_ROOT / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def write_text_file(text: str, filename: str) -> Path:
    """Put ``text`` into a fresh file for download (CSV history, recipes, code)."""
    return write_files({filename: text.encode("utf-8")})[0]


def write_files(files: dict[str, bytes]) -> list[Path]:
    """Put each {name: content} into one fresh folder (cleaned up after a while); returns the paths."""
    folder = new_folder()
    paths = []
    for name, content in files.items():
        (folder / name).write_bytes(content)
        paths.append(folder / name)
    return paths


def sweep_old_downloads() -> None:
    """Remove download folders older than DOWNLOADS_MAX_AGE_S (a scan a minute is plenty)."""
    if not DOWNLOADS_ROOT.is_dir() or time.monotonic() - _last_sweep[0] < 60:
        return
    _last_sweep[0] = time.monotonic()
    cutoff = time.time() - DOWNLOADS_MAX_AGE_S
    for child in DOWNLOADS_ROOT.iterdir():
        try:
            if child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            pass
