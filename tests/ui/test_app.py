"""The app shell."""

import hashlib
import time
from pathlib import Path

import httpx
from gradio_client import Client, handle_file

from core import config, images
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


def test_an_uploaded_photo_is_decoded_before_the_event_that_uses_it_arrives(tmp_path, monkeypatch):
    """Gradio takes an upload in one request and the event that uses it in another; the
    app decodes the photo in between. Other uploads pass through untouched."""
    import app

    decoded = []                                # the bytes behind each real decode
    real = images._read_image
    monkeypatch.setattr(images, "_read_image", lambda data, max_side: decoded.append(data) or real(data, max_side))
    photo = Path(sample_photos()["china"]).read_bytes()
    key = hashlib.blake2b(photo, digest_size=16).digest(), config.PREVIEW_MAX_SIDE
    images._decoded.pop(key, None)
    table = tmp_path / "points.csv"
    table.write_text("x,y,label\n1,2,a\n")
    demo = app.build_demo()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(),
                            **app.launch_options())
    try:
        reply = httpx.post(url + "gradio_api/upload", files=[("files", ("table.csv", table.read_bytes()))])
        assert reply.status_code == 200 and Path(reply.json()[0]).read_bytes() == table.read_bytes()
        reply = httpx.post(url + "gradio_api/upload", files=[("files", ("china.jpg", photo))])
        assert reply.status_code == 200 and Path(reply.json()[0]).read_bytes() == photo
        deadline = time.monotonic() + 10
        while key not in images._decoded and time.monotonic() < deadline:
            time.sleep(0.02)
        assert decoded == [photo]               # the photo, once, before any event; not the table
        client = Client(url, verbose=False, download_files=False)
        gallery, _, record = client.predict(handle_file(sample_photos()["china"]), '[{"op": "hflip"}]', 2, 0, "",
                                            api_name="/augment")
        assert len(gallery) == 2 and record["preview_size"] == list(images._decoded[key].size)
        assert decoded == [photo]               # the event found it decoded
    finally:
        demo.close()
        deadline = time.monotonic() + 10
        while images._ahead_queued and time.monotonic() < deadline:
            time.sleep(0.02)
        images._decoded.pop(key, None)


def test_every_capability_warms_up_without_error(caplog):
    import app

    app.warm_up()
    assert "failed" not in caplog.text


def test_one_failing_warm_up_is_logged_and_the_others_still_run(monkeypatch, caplog):
    import app
    from core import pipeline, train

    ran = []

    def broken():
        raise RuntimeError("no torch here")

    monkeypatch.setattr(train, "warm_up", broken)
    monkeypatch.setattr(pipeline, "warm_up", lambda: ran.append("pipeline"))
    app.warm_up()
    assert ran == ["pipeline"] and "warm-up core.train.warm_up failed" in caplog.text


def test_each_tab_queues_its_heavy_events_as_configured(monkeypatch):
    import app

    monkeypatch.setenv("DLLAB_TRAIN_CONCURRENCY", "3")
    monkeypatch.delenv("DLLAB_AUGMENT_CONCURRENCY", raising=False)
    events = {fn.api_name: fn for fn in app.build_demo().fns.values()}
    for name in ("train", "sweep", "scratch"):
        assert (events[name].concurrency_id, events[name].concurrency_limit) == ("train", 3)
    assert (events["augment"].concurrency_id, events["augment"].concurrency_limit) == ("augment", 2)


def test_every_child_of_a_tab_bar_is_a_tab():
    """Gradio's tab bar numbers a tab by its place among *all* children of gr.Tabs, but lists the
    first tabs by their place among the tabs only: anything else placed directly in gr.Tabs (a
    gr.State made after a tab's ``with`` block, say) makes the tab after it show twice once clicked."""
    import gradio as gr

    import app

    demo = app.build_demo()
    strays = [(tabs.elem_id or tabs._id, type(child).__name__)
              for tabs in demo.blocks.values() if isinstance(tabs, gr.Tabs)
              for child in tabs.children if not isinstance(child, gr.Tab)]
    assert strays == []


def test_the_cluster_line_says_where_runs_compute_in_both_languages(monkeypatch):
    from core import cluster
    from tabs.cluster import line

    monkeypatch.setattr(cluster, "_status", cluster.Status("off", None))
    assert line("en") == ("", False)
    monkeypatch.setattr(cluster, "_status", cluster.Status("connecting", "local"))
    assert line("en") == ("⏳ Connecting to the Ray cluster at `local`. Until it answers, everything computes on "
                          "this server.", True)
    monkeypatch.setattr(cluster, "_status", cluster.Status("unavailable", "ray://head:10001", "ConnectionError: timeout"))
    text, connecting = line("zh")
    assert not connecting and "ray://head:10001" in text and "ConnectionError: timeout" in text and "本服务器" in text
    monkeypatch.setattr(cluster, "_status", cluster.Status("ready", "auto"))
    assert line("en")[0] == "🛰️ Training, pretraining, generation and transcription compute on the Ray cluster at `auto`."
