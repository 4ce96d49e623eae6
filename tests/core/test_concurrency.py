"""How many heavy requests each tab serves at once: one table in core.config, DLLAB_<TAB>_CONCURRENCY over it."""

import pytest

from core import config


def test_each_tab_has_its_own_queue_with_a_default(monkeypatch):
    for tab in ("train", "augment", "generate"):
        monkeypatch.delenv(f"DLLAB_{tab.upper()}_CONCURRENCY", raising=False)
    assert config.concurrency("train") == {"concurrency_limit": 8, "concurrency_id": "train"}   # in turns
    assert config.concurrency("augment") == {"concurrency_limit": 2, "concurrency_id": "augment"}
    assert config.concurrency("quantize") == {"concurrency_limit": 1, "concurrency_id": "quantize"}


def test_the_threads_heavy_work_shares_are_the_cores_unless_set(monkeypatch):
    import os

    monkeypatch.delenv("DLLAB_THREADS", raising=False)
    assert config.cores() == (os.cpu_count() or 1)
    monkeypatch.setenv("DLLAB_THREADS", "1")
    assert config.cores() == 1


def test_the_environment_sets_a_tab_s_limit(monkeypatch):
    monkeypatch.setenv("DLLAB_AUGMENT_CONCURRENCY", "3")
    assert config.concurrency("augment")["concurrency_limit"] == 3
    assert config.settings().augment_concurrency == 3
    monkeypatch.setenv("DLLAB_GENERATE_CONCURRENCY", "0")
    with pytest.raises(ValueError, match="DLLAB_GENERATE_CONCURRENCY must be at least 1"):
        config.concurrency("generate")
