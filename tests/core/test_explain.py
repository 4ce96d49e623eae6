"""core.explain and GenerateConfig: the next-token view, attention, tokens, the shown code and bad input."""

import math
import os
import subprocess
import sys

import pytest

from core import config, models
from core.errors import DLLabError, InvalidInput, ResourceLimit
from core.explain import attention, generation_code, next_token, token_rows
from core.generate import GenerateConfig, Generation
from core.lm import text_model


@pytest.fixture(autouse=True)
def tiny_default(tiny_gpt2_dir, monkeypatch):
    """The tiny GPT-2 is the operator's model: it joins the allowlist and is the default."""
    monkeypatch.setenv("DLLAB_TEXT_MODEL", str(tiny_gpt2_dir))
    models.clear_cache()
    yield str(tiny_gpt2_dir)
    models.clear_cache()


def test_next_token_probabilities_cuts_and_renormalisation():
    full = next_token("Deep learning", temperature=1.0, top_k=0, top_p=1.0)
    assert len(full) == config.CHART_CANDIDATES and all(c["kept"] for c in full)
    probs = [c["prob"] for c in full]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
    cut = next_token("Deep learning", temperature=1.0, top_k=5, top_p=1.0)
    assert [c["id"] for c in cut] == [c["id"] for c in full] and [c["prob"] for c in cut] == probs
    assert [c["kept"] for c in cut] == [True] * 5 + [False] * (len(cut) - 5)
    assert math.isclose(sum(c["renormalized"] for c in cut[:5]), 1, rel_tol=1e-5)
    assert all(c["renormalized"] == 0 for c in cut[5:])
    assert math.isclose(cut[0]["renormalized"], probs[0] / sum(probs[:5]), rel_tol=1e-5)


def test_temperature_sharpens_and_flattens_the_distribution():
    cold = next_token("Deep learning", temperature=0.3, top_k=0, top_p=1.0)[0]["prob"]
    warm = next_token("Deep learning", temperature=3.0, top_k=0, top_p=1.0)[0]["prob"]
    normal = next_token("Deep learning", temperature=1.0, top_k=0, top_p=1.0)[0]["prob"]
    assert cold > normal > warm


def test_top_p_keeps_the_smallest_set_that_reaches_p():
    probs = [c["prob"] for c in next_token("The quick brown", temperature=0.5, top_k=0, top_p=1.0)]
    p = sum(probs[:3]) + probs[3] / 2            # reached inside the fourth token
    got = next_token("The quick brown", temperature=0.5, top_k=0, top_p=p)
    assert [c["kept"] for c in got] == [True] * 4 + [False] * (len(got) - 4)
    assert math.isclose(sum(c["renormalized"] for c in got), 1, rel_tol=1e-5)


def test_attention_rows_sum_to_one_and_never_look_ahead():
    record = attention("Deep learning models learn", " features from data", layer=1, head=1)
    weights = record["weights"]
    n = len(record["tokens"])
    assert n == len(weights) == len(weights[0]) and n > 4
    for i, row in enumerate(weights):
        assert math.isclose(sum(row), 1, abs_tol=1e-3)
        assert all(w == 0 for w in row[i + 1:])
    assert record["layers"] == 2 and record["heads"] == 2 and not record["truncated"]


def test_attention_is_bounded_and_checks_layer_and_head():
    record = attention("Deep learning models learn features from data. " * 30, "", layer=0, head=0)
    assert len(record["tokens"]) == config.ATTENTION_MAX_TOKENS and record["truncated"]
    with pytest.raises(InvalidInput, match="layers 0 to 1; there is no layer 2"):
        attention("Deep learning", "", layer=2, head=0)
    with pytest.raises(InvalidInput, match="heads 0 to 1"):
        attention("Deep learning", "", layer=0, head=5)
    with pytest.raises(InvalidInput, match="Layer must be between"):
        attention("Deep learning", "", layer=1e308, head=0)


def test_token_rows_show_what_the_model_reads(tiny_default):
    loaded = text_model(tiny_default)
    ids = loaded.codec.encode("猫和狗")              # characters its byte-level merges never saw
    view = token_rows(loaded, ids, [5, 6])
    assert view["prompt_tokens"] == len(ids) >= 6 and view["output_tokens"] == 2
    assert [r["part"] for r in view["rows"]] == ["prompt"] * len(ids) + ["output"] * 2
    assert view["family"] == "bpe" and view["chars_per_token"] < 1       # Chinese costs several byte tokens


def run_code(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.parametrize("settings", [
    dict(strategy="greedy", repetition_penalty=1.3, no_repeat_ngram_size=2),
    dict(strategy="sample", temperature=0.8, top_k=20, top_p=0.9, seed=5),
    dict(strategy="sample", precision="int8", seed=2),
    dict(strategy="beam", num_beams=3),
])
@pytest.mark.parametrize("which", ["tiny_gpt2_dir", "tiny_chinese_gpt2_dir"])
def test_the_shown_code_reproduces_the_text(which, settings, request):
    name = str(request.getfixturevalue(which))
    cfg = GenerateConfig(prompt="深度学习 the model", max_new_tokens=16, model=name, **settings)
    generation = Generation(cfg, text_model(name, cfg.precision))
    list(generation.tokens())
    result = generation.result()
    assert run_code(generation_code(result)) == result.text + "\n"


def test_the_code_of_a_long_prompt_and_of_a_stopped_run(tiny_default):
    cfg = GenerateConfig(prompt="Deep learning models learn. " * 60, max_new_tokens=40, strategy="sample",
                         model=tiny_default)
    generation = Generation(cfg, text_model(tiny_default), should_stop=lambda: len(generation.steps) >= 7)
    list(generation.tokens())
    result = generation.result()
    assert result.stopped and len(result.steps) == 7 and result.notes
    assert run_code(generation_code(result)) == result.text + "\n"


BAD = [
    (dict(prompt=""), "prompt_empty"),
    (dict(prompt="   \n "), "prompt_empty"),
    (dict(prompt=None), "prompt_empty"),
    (dict(prompt=123), "not_text"),
    (dict(prompt="x" * 200_000), "too_long"),
    (dict(prompt="deep \ud800 learning"), "not_unicode"),
    (dict(max_new_tokens=513), "out_of_range"),
    (dict(max_new_tokens="many"), "not_number"),
    (dict(max_new_tokens=None), "required"),
    (dict(max_new_tokens=float("nan")), "not_finite"),
    (dict(max_new_tokens=1e308), "out_of_range"),
    (dict(top_k=1001), "out_of_range"),
    (dict(num_beams=9), "out_of_range"),
    (dict(temperature=0), "temperature_zero"),
    (dict(temperature=-1, strategy="sample"), "temperature_zero"),
    (dict(top_p=0), "top_p_range"),
    (dict(top_p=1.5), "top_p_range"),
    (dict(strategy="creative"), "choice"),
    (dict(precision="int4"), "choice"),
    (dict(model="gpt2-xl"), "model_not_allowed"),
    (dict(model="/etc"), "model_not_allowed"),
    (dict(model=["openai-community/gpt2"]), "model_not_allowed"),
    (dict(seed=-1), "out_of_range"),
]


@pytest.mark.parametrize("settings, key", BAD, ids=[k + str(i) for i, (_, k) in enumerate(BAD)])
def test_bad_input_gets_a_message_that_names_the_problem(settings, key):
    with pytest.raises(DLLabError) as err:
        GenerateConfig.from_user(**{"prompt": "Deep learning", **settings})
    assert err.value.key == key and len(err.value.message) < 400


def test_an_omitted_model_means_the_operators_default(tiny_default):
    assert GenerateConfig.from_user("Deep learning").model == tiny_default
    assert GenerateConfig.from_user("Deep learning", model="uer/gpt2-chinese-cluecorpussmall").model == \
        "uer/gpt2-chinese-cluecorpussmall"


def test_beams_times_length_past_the_budget_is_refused(tiny_default, monkeypatch):
    monkeypatch.setattr(config, "MAX_BEAM_POSITIONS", 400)
    cfg = GenerateConfig.from_user("Deep learning", max_new_tokens=60, strategy="beam", num_beams=8)
    with pytest.raises(ResourceLimit) as err:
        Generation(cfg, text_model(tiny_default))
    assert err.value.key == "beam_budget" and "the limit is 400" in err.value.message
    Generation(GenerateConfig.from_user("Deep learning", max_new_tokens=60, strategy="beam", num_beams=4),
               text_model(tiny_default))                       # 4 beams fit


def test_max_new_tokens_that_fill_the_context_are_refused(tiny_default):
    cfg = GenerateConfig.from_user("Deep learning", max_new_tokens=200)
    with pytest.raises(ResourceLimit) as err:
        Generation(cfg, text_model(tiny_default))
    assert err.value.key == "context_too_small" and "128" in err.value.message


def test_a_model_that_is_not_here_says_what_to_do():
    with pytest.raises(DLLabError) as err:
        next_token("Deep learning", model="distilbert/distilgpt2")
    assert err.value.key == "model_not_cached_offline" and "python -m core.prefetch" in err.value.message


def test_next_token_keeps_cls_when_it_cuts_a_long_prompt(tiny_chinese_gpt2_dir, monkeypatch):
    loaded = text_model(str(tiny_chinese_gpt2_dir))
    monkeypatch.setenv("DLLAB_TEXT_MODEL", str(tiny_chinese_gpt2_dir))
    seen = []
    real = loaded.lm.step
    monkeypatch.setattr(type(loaded.lm), "step", lambda self, ids, cache=None, attentions=False:
                        seen.append(ids[0].tolist()) or real(ids, cache, attentions))
    next_token("深度学习" * 400)
    assert len(seen[0]) == loaded.lm.context and seen[0][0] == loaded.codec.tokenizer.cls_token_id
