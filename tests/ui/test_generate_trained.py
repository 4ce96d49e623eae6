"""A model pretrained in this session, in the Generate tab: its place in the model choice, and /generate,
/next_token and /attention with model = its id, through gradio_client in the session that trained it
(another session's id is refused)."""

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from core.corpus import CharVocab, arithmetic_vocab
from core.pretrain import LMRegistry
from core.tinygpt import GPTConfig, TinyGPT
from tabs.generate import views

PRETRAIN = dict(corpus="arithmetic", digits=1, n_layer=1, n_head=2, n_embd=16, block_size=16, steps=20,
                batch_size=16, warmup_steps=0, seed=0)
GENERATE = dict(max_new_tokens=3, strategy="greedy", temperature=1.0, top_k=50, top_p=0.95, num_beams=2,
                repetition_penalty=1.0, no_repeat_ngram_size=0, seed=0, precision="fp32")


def registry_with_two() -> LMRegistry:
    registry = LMRegistry()
    vocab = CharVocab.from_text("深度学习 abc")
    for v, corpus, arithmetic in ((arithmetic_vocab(), "arithmetic", {"digits": 2, "ops": ["+", "-"]}),
                                  (vocab, "text", None)):
        model = TinyGPT(GPTConfig(vocab_size=len(v), n_layer=1, n_head=2, n_embd=8, block_size=16))
        registry.add(model.eval(), v, corpus, "described in English by core", arithmetic)
    return registry


def test_the_model_choice_lists_the_sessions_models_after_the_allowlisted_ones_in_both_languages():
    registry = registry_with_two()
    en = views.model_choices(registry, "en")
    allowed = [v for _, v in views.model_choices(None)]
    assert [v for _, v in en] == allowed + ["tiny-1", "tiny-2"]
    assert en[-2][0].startswith("trained here: tiny-1 (arithmetic +/- on 2-digit numbers")
    assert en[-1][0].startswith("trained here: tiny-2 (text, 8 characters")
    zh = views.model_choices(registry, "zh")
    assert zh[-2][0].startswith("本会话训练：tiny-1（算术 +/-，2 位数") and "个参数" in zh[-1][0]


def test_refreshing_keeps_the_choice_while_the_model_is_kept():
    registry = registry_with_two()
    assert views.refresh_models(registry, "en", "tiny-2")["value"] == "tiny-2"
    assert views.refresh_models(LMRegistry(), "en", "tiny-2")["value"] == views.model_choices(None)[0][1]


def pretrain(client) -> dict:
    return client.predict(**PRETRAIN, api_name="/pretrain")[-1]


def test_a_model_pretrained_through_the_api_generates_in_the_same_session_only(app_url):
    client = Client(app_url, verbose=False)
    model_id = pretrain(client)["model_id"]
    text, status, record = client.predict(prompt="3+4=", model=model_id, **GENERATE, api_name="/generate")
    assert record["model"] == model_id and record["source"] == "trained in this session"
    assert record["new_tokens"] == len(record["steps"]) >= 1 and set(text) <= set(arithmetic_vocab().chars)
    assert "trained in this session" in status
    beam = client.predict(prompt="3+4=", model=model_id, **{**GENERATE, "strategy": "beam"}, api_name="/generate")
    assert beam[2]["strategy"] == "beam" and beam[2]["new_tokens"] >= 1
    candidates = client.predict("3+4=", 1.0, 0, 1.0, model_id, "int8", api_name="/next_token")
    assert len(candidates) >= 10 and {c["token"] for c in candidates} <= set(arithmetic_vocab().chars) | {"<unk>"}
    seen = client.predict("3+4=", "", 0, 1, model_id, api_name="/attention")
    assert seen["tokens"] == ["\n", "3", "+", "4", "="] and seen["layers"] == 1
    assert sum(seen["weights"][-1]) == pytest.approx(1, abs=1e-3)

    stranger = Client(app_url, verbose=False)                   # another session: the id is not its own
    with pytest.raises(AppError, match="Model must be one of") as err:
        stranger.predict(prompt="3+4=", model=model_id, **GENERATE, api_name="/generate")
    assert model_id in str(err.value)
    assert stranger.predict(prompt="Deep", model="openai-community/gpt2", **GENERATE,
                            api_name="/generate")[2]["new_tokens"] == 3          # and it keeps serving
