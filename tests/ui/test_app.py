"""The app shell."""

import time
from pathlib import Path

from gradio_client import Client, handle_file

from core import config
from core.images import sample_photos
from tests.conftest import free_port


def test_served_files_are_swept_away_after_a_while(monkeypatch):
    """Without delete_cache Gradio keeps every upload and preview file until the server stops."""
    import app

    assert app.demo.delete_cache == (config.CACHE_SWEEP_S, config.CACHE_MAX_AGE_S)
    monkeypatch.setattr(config, "CACHE_SWEEP_S", 1)
    monkeypatch.setattr(config, "CACHE_MAX_AGE_S", 2)
    demo = app.build_demo()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port())
    try:
        client = Client(url, verbose=False, download_files=False)
        gallery, _, _ = client.predict(handle_file(sample_photos()["flower"]), '[{"op": "hflip"}]', 2, 0, "",
                                       api_name="/augment")
        served = [Path(item["image"]["path"]) for item in gallery]
        assert all(p.is_file() for p in served)
        deadline = time.monotonic() + 20
        while any(p.exists() for p in served) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(p.exists() for p in served)
    finally:
        demo.close()
