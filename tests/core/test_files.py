"""Download files: a fresh folder per download, old folders swept away."""

import os
import time

from core import files


def test_each_download_gets_its_own_folder_and_old_ones_are_swept(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "DOWNLOADS_ROOT", tmp_path)
    first = files.write_text_file("run,epoch\n1,1\n", "dllab-history.csv")
    second = files.write_text_file("run,epoch\n2,1\n", "dllab-history.csv")
    assert first.parent != second.parent and first.read_text() == "run,epoch\n1,1\n"

    long_ago = time.time() - files.DOWNLOADS_MAX_AGE_S - 60
    os.utime(first.parent, (long_ago, long_ago))
    monkeypatch.setattr(files, "_last_sweep", [float("-inf")])     # the last sweep was long ago too
    (variant,) = files.write_files({"variant_1.jpg": b"\xff\xd8\xff"})
    assert not first.parent.exists()
    assert second.is_file() and variant.read_bytes() == b"\xff\xd8\xff"
