"""A model trained in this session, in the Generate tab's core: the same decode loop and views as GPT-2,
chosen by its id among the session's models (core.pretrain.LMRegistry) and refused to any other session."""

import pytest
import torch

from core import config
from core.corpus import CharVocab, arithmetic_vocab
from core.errors import DLLabError
from core.explain import attention, generation_code, next_token, token_rows
from core.generate import GenerateConfig, Generation, check_model
from core.lm import resolve
from core.pretrain import LMRegistry
from core.tinygpt import GPTConfig, TinyGPT

TEXT = "深度学习 deep learning 机器学习 machine"


def tiny(vocab_size, seed=0, **sizes) -> TinyGPT:
    cfg = GPTConfig(**{"vocab_size": vocab_size, "n_layer": 2, "n_head": 2, "n_embd": 16, "block_size": 32,
                       **sizes})
    return TinyGPT(cfg, torch.Generator().manual_seed(seed)).eval()


@pytest.fixture
def session():
    """A session that trained a text model (tiny-1) and an arithmetic one (tiny-2)."""
    registry = LMRegistry()
    vocab = CharVocab.from_text(TEXT)
    registry.add(tiny(len(vocab)), vocab, "text", "trained on text")
    registry.add(tiny(len(arithmetic_vocab()), seed=1), arithmetic_vocab(), "arithmetic", "trained on +",
                 {"digits": 2, "ops": ["+"]})
    return registry


def generate(registry, prompt="深度 deep", **settings):
    cfg = GenerateConfig.from_user(prompt, **{"max_new_tokens": 12, "model": "tiny-1", **settings},
                                   registry=registry)
    generation = Generation(cfg, resolve(cfg.model, cfg.precision, registry=registry))
    records = list(generation.tokens())
    return generation, records, generation.result()


def test_a_session_model_streams_through_the_decode_loop_and_greedy_is_its_own_argmax(session):
    generation, records, result = generate(session)
    entry = session.get("tiny-1")
    assert len(records) == 12 and result.text == "".join(r.text for r in records)
    assert all(len(r.text) == 1 for r in records)                # one character per token, Chinese too
    assert list(generation.prompt_ids) == entry.vocab.encode("深度 deep")
    own = entry.model.generate(torch.tensor([generation.prompt_ids]), 12)[0, len(generation.prompt_ids):]
    assert result.ids == own.tolist()                            # the cached loop = the model's own reading
    summary = result.summary()
    assert (summary["model"], summary["source"], summary["precision"]) == ("tiny-1", "trained in this session",
                                                                          "fp32")
    assert len(summary["steps"][0]["top"]) == config.TOP_SHOWN
    sampled = [generate(session, strategy="sample", seed=5, temperature=1.5)[2].ids for _ in range(2)]
    assert sampled[0] == sampled[1] != result.ids                # seeded, as for GPT-2


def test_beam_search_runs_through_the_generate_path(session):
    _, records, beam = generate(session, strategy="beam", num_beams=3)
    lm = resolve("tiny-1", registry=session).lm
    prompt = session.get("tiny-1").vocab.encode("深度 deep")
    assert beam.ids == lm.beam_search(prompt, 3, 12, 1.0, 0, [], 0)
    assert len(records) == 12 and all(0 < r.prob <= 1 for r in records)
    assert generate(session, strategy="beam", num_beams=1)[2].ids == generate(session)[2].ids


def test_the_arithmetic_model_reads_after_a_newline_and_its_newline_ends_the_answer(session):
    generation, _, _ = generate(session, prompt="12+34=", model="tiny-2")
    assert generation.prompt_ids == arithmetic_vocab().encode("\n12+34=")
    assert generation.model.codec.eos == arithmetic_vocab().encode("\n")


def test_next_token_attention_and_tokens_views_of_a_session_model(session):
    shown = next_token("深度 deep", temperature=1.0, top_k=0, top_p=1.0, model="tiny-1", registry=session)
    entry = session.get("tiny-1")
    with torch.no_grad():
        probs = torch.softmax(entry.model(torch.tensor([entry.vocab.encode("深度 deep")]))[0][0, -1], dim=-1)
    assert shown[0]["id"] == int(probs.argmax()) and shown[0]["prob"] == pytest.approx(float(probs.max()), abs=1e-5)
    assert shown[0]["token"] == entry.vocab.token(shown[0]["id"])

    record = attention("深度 deep", "learning", layer=1, head=1, model="tiny-1", registry=session)
    assert (record["layers"], record["heads"]) == (2, 2) and record["tokens"][:2] == ["深", "度"]
    for i, row in enumerate(record["weights"]):
        assert sum(row) == pytest.approx(1, abs=1e-3) and all(w == 0 for w in row[i + 1:])
    long = attention("深度学习" * 20, model="tiny-1", registry=session)          # 80 characters, 32 fit
    assert len(long["tokens"]) == 32 and long["truncated"]

    loaded = resolve("tiny-1", registry=session)
    view = token_rows(loaded, loaded.codec.encode("深度学习"), [])
    assert view["family"] == "trained" and view["prompt_tokens"] == 4 and view["chars_per_token"] == 1


def test_int8_quantizes_a_copy_once_and_leaves_the_sessions_model_alone(session):
    entry = session.get("tiny-1")
    before = {k: v.clone() for k, v in entry.model.state_dict().items()}
    loaded = resolve("tiny-1", "int8", registry=session)
    assert loaded.precision == "int8" and type(loaded.lm.model.head) is not torch.nn.Linear
    assert resolve("tiny-1", "int8", registry=session).lm.model is loaded.lm.model      # made once
    assert type(entry.model.head) is torch.nn.Linear
    assert all(torch.equal(v, entry.model.state_dict()[k]) for k, v in before.items())
    fp32 = next_token("深度 deep", top_k=0, top_p=1.0, model="tiny-1", registry=session)
    int8 = next_token("深度 deep", top_k=0, top_p=1.0, model="tiny-1", precision="int8", registry=session)
    assert int8[0]["prob"] == pytest.approx(fp32[0]["prob"], abs=0.05)
    _, _, result = generate(session, precision="int8")
    assert result.summary()["precision"] == "int8" and len(result.ids) == 12


def test_another_sessions_model_is_refused_with_the_models_this_one_may_use(session):
    for other in (LMRegistry(), None):
        with pytest.raises(DLLabError) as err:
            GenerateConfig.from_user("12+34=", model="tiny-1", registry=other)
        assert err.value.key == "model_not_allowed" and config.DEFAULT_TEXT_MODEL in err.value.message
        with pytest.raises(DLLabError):
            next_token("12+34=", model="tiny-1", registry=other)
        with pytest.raises(DLLabError):
            attention("12+34=", model="tiny-1", registry=other)
    with pytest.raises(DLLabError) as err:
        check_model("tiny-9", session)
    assert "tiny-1, tiny-2" in err.value.message and config.DEFAULT_TEXT_MODEL in err.value.message
    with pytest.raises(DLLabError) as err:                  # checked here, then dropped before it was loaded
        resolve("tiny-2", registry=LMRegistry())
    assert err.value.key == "pretrain_model_missing"


def test_a_session_model_has_no_transformers_code(session):
    assert generation_code(generate(session, max_new_tokens=3)[2]) is None


def test_past_a_tiny_context_the_window_slides_and_only_beam_search_is_refused(session):
    generation, records, _ = generate(session, max_new_tokens=40)
    assert len(records) == 40 and {"note": "window_slides", "context": 32} in generation.notes
    with pytest.raises(DLLabError) as err:
        generate(session, max_new_tokens=40, strategy="beam", num_beams=2)
    assert err.value.key == "context_too_small" and "32" in err.value.message
