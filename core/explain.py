"""What a language model weighed: its next-token distribution, its attention, its tokens,
and the plain code that repeats a run.

Each function takes a ``core.generate.TextModel`` (or the raw values the API sends, checked
here, with the session's registry of models trained in the page) and returns plain records;
the Generate tab draws them.
"""

from __future__ import annotations

import inspect
import textwrap

import torch

from core import config, validate
from core.errors import InvalidInput
from core.generate import (GenerationResult, TextModel, check_model, check_precision, check_prompt,
                           check_temperature, check_top_p, fit_prompt)
from core.lm import HFCausalLM, TextCodec, resolve
from core.sampling import candidates, probabilities, survivors


def candidate_rows(shown, codec) -> list[dict]:
    """``Candidate``s as the API and the page show them: {token, id, prob, kept, renormalized}."""
    return [{"token": codec.piece(c.id), "id": c.id, "prob": c.prob, "kept": c.kept,
             "renormalized": c.renormalized} for c in shown]


def next_token(prompt, temperature=config.TEMPERATURE.default, top_k=config.TOP_K.default,
               top_p=config.TOP_P.default, model=None, precision="fp32", download: bool = True,
               registry=None) -> list[dict]:
    """The model's config.CHART_CANDIDATES most likely tokens after ``prompt``, most likely first:
    ``prob`` after temperature and before any cut, ``kept`` whether top-k and top-p keep it,
    ``renormalized`` its share among the survivors. ``download=False``: a model that is not on
    this machine is refused rather than fetched (the page's live view must not start a download).
    ``model`` may be one of ``registry``'s, as in core.generate.check_model."""
    prompt = check_prompt(prompt)
    temperature, top_p = check_temperature(temperature), check_top_p(top_p)
    top_k = validate.number(top_k, config.TOP_K)
    loaded = resolve(check_model(model, registry), check_precision(precision), download, registry)
    codec = loaded.codec
    ids = codec.encode(prompt)
    if len(ids) <= len(codec.prefix):
        raise InvalidInput("Prompt", "prompt_no_tokens")
    with torch.inference_mode():
        scores = loaded.lm.step(torch.tensor([fit_prompt(ids, codec.prefix, loaded.lm.context)])).logits[0].cpu()
    probs = probabilities(scores, temperature)
    return candidate_rows(candidates(probs, survivors(probs, top_k, top_p), config.CHART_CANDIDATES), codec)


def attention_map(loaded: TextModel, ids: list[int], layer, head) -> dict:
    """Layer ``layer``, head ``head``: how much each of the first config.ATTENTION_MAX_TOKENS
    tokens attends to each earlier one, as returned by the model (rows sum to 1); never more tokens
    than the model reads at once."""
    lm = loaded.lm
    layer = validate.number(layer, config.ATTENTION_LAYER)
    head = validate.number(head, config.ATTENTION_HEAD)
    if layer >= lm.n_layer:
        raise InvalidInput("Layer", "layer_range", value=layer, max=lm.n_layer - 1)
    if head >= lm.n_head:
        raise InvalidInput("Head", "head_range", value=head, max=lm.n_head - 1)
    shown = ids[: min(config.ATTENTION_MAX_TOKENS, lm.context)]
    with torch.inference_mode():
        weights = lm.step(torch.tensor([shown]), attentions=True).attentions[layer][0, head]
    return {"tokens": [loaded.codec.piece(i) for i in shown], "ids": shown,
            "weights": [[round(w, 5) for w in row] for row in weights.float().tolist()],
            "layer": layer, "head": head, "layers": lm.n_layer, "heads": lm.n_head,
            "truncated": len(ids) > len(shown)}


def attention(prompt, text="", layer=0, head=0, model=None, registry=None) -> dict:
    """``attention_map`` for ``prompt`` followed by ``text``, from raw API values."""
    prompt = check_prompt(prompt)
    text = validate.short_text(text, "Text", config.MAX_PROMPT_CHARS) if text is not None else ""
    loaded = resolve(check_model(model, registry), registry=registry)
    ids = loaded.codec.encode(prompt) + loaded.codec.continue_with(text)
    return attention_map(loaded, ids, layer, head)


def token_rows(loaded: TextModel, prompt_ids, output_ids) -> dict:
    """Prompt and output as tokens (piece, id, part), with counts: what the model really reads.
    ``family``: bpe (GPT-2's bytes), char (the Chinese GPT-2's characters) or trained (a model
    trained here: one character per token, whatever the language)."""
    codec = loaded.codec
    family = codec.family if isinstance(codec, TextCodec) else "trained"
    rows = [{"token": codec.piece(i), "id": i, "part": "prompt"} for i in prompt_ids]
    rows += [{"token": codec.piece(i), "id": i, "part": "output"} for i in output_ids]
    prompt_text = codec.decode(list(prompt_ids))
    return {"rows": rows, "prompt_tokens": len(prompt_ids), "output_tokens": len(output_ids),
            "prompt_chars": len(prompt_text), "family": family,
            "chars_per_token": round(len(prompt_text) / max(1, len(prompt_ids) - len(codec.prefix)), 2)}


def _source(fn) -> str:
    return textwrap.dedent(inspect.getsource(fn)).strip() + "\n"


def generation_code(result: GenerationResult) -> str | None:
    """Plain transformers + PyTorch that repeats ``result``: the same model, prompt, rules and seed.
    None for a model trained in this session, which transformers cannot load."""
    from core import lm as lm_module, quantize, sampling

    if not isinstance(result.model.lm, HFCausalLM):
        return None
    cfg, codec = result.config, result.model.codec
    encode = 'tokenizer(PROMPT, add_special_tokens=False)["input_ids"]'
    if codec.prefix:
        encode = f"[tokenizer.cls_token_id] + {encode}"
    prompt_line = f"prompt_ids = ({encode})"
    if len(codec.encode(cfg.prompt)) > len(result.prompt_ids):        # cut to fit the context, as DL Lab did
        keep = len(result.prompt_ids) - len(codec.prefix)
        prompt_line = f"prompt_ids = {codec.prefix!r} + ({encode})[{len(codec.prefix)}:][-{keep}:]"
    parts = [f'"""Repeats a DL Lab Generate run: {cfg.strategy}, seed {cfg.seed}, {result.model.precision}."""\n'
             "import torch\nfrom torch import nn\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n",
             f"MODEL = {result.model.name!r}\nPROMPT = {cfg.prompt!r}\n"
             "tokenizer = AutoTokenizer.from_pretrained(MODEL)\n"
             "# eager attention: the kind that can return its weights, as in DL Lab\n"
             "model = AutoModelForCausalLM.from_pretrained(MODEL, attn_implementation=\"eager\", "
             "dtype=torch.float32).eval()\n"]
    if result.model.precision == "int8":
        parts += [_source(quantize.conv1d_to_linear),
                  "conv1d_to_linear(model)      # GPT-2's Conv1D layers become nn.Linear, so they quantize too\n"
                  "model = torch.ao.quantization.quantize_dynamic(model, {nn.Linear, nn.LSTM}, dtype=torch.qint8)\n"]
    specials = sorted(codec.special)
    parts.append(f"{prompt_line}\nSPECIAL = set({specials!r})   # special tokens, left out of the text\n")
    if codec.family == "char":
        parts += [_source(lm_module._is_word_char), _source(lm_module.join_wordpieces),
                  "def decode(ids):\n    return join_wordpieces(tokenizer.convert_ids_to_tokens("
                  "[i for i in ids if i not in SPECIAL]))\n"]
    else:
        parts.append("def decode(ids):\n    return tokenizer.decode([i for i in ids if i not in SPECIAL], "
                     "skip_special_tokens=True, clean_up_tokenization_spaces=False)\n")
    steps = len(result.steps) if result.stopped else cfg.max_new_tokens
    if cfg.strategy == "beam":
        parts.append(
            "ids = torch.tensor([prompt_ids])\n"
            f"out = model.generate(ids, attention_mask=torch.ones_like(ids), num_beams={cfg.num_beams}, "
            f"do_sample=False, max_new_tokens={steps},\n                     early_stopping=True, "
            f"repetition_penalty={cfg.repetition_penalty!r}, no_repeat_ngram_size={cfg.no_repeat_ngram_size},\n"
            f"                     eos_token_id={codec.eos!r} or None, pad_token_id={codec.pad!r}, bos_token_id=None)\n"
            "new = out[0, len(prompt_ids):].tolist()\n"
            f"if {codec.eos!r} and {codec.eos!r}[0] in new:\n    new = new[: new.index({codec.eos!r}[0]) + 1]\n"
            "print(decode(new))\n")
        return "\n\n".join(p.rstrip() + "\n" for p in parts)
    parts += [_source(f) for f in (sampling.penalize, sampling.probabilities, sampling.survivors, sampling.choose)]
    parts.append(
        f"END = {codec.eos!r}                 # the end-of-text token\n"
        f"generator = torch.Generator().manual_seed({cfg.seed})\n"
        f"greedy = {cfg.strategy == 'greedy'}\n"
        "history, new = torch.tensor(prompt_ids), []\n"
        "with torch.inference_mode():\n"
        "    out = model(input_ids=history.view(1, -1), use_cache=True, logits_to_keep=1)\n"
        f"    for _ in range({steps}):\n"
        f"        scores = penalize(out.logits[0, -1].float(), history, {cfg.repetition_penalty!r}, "
        f"{cfg.no_repeat_ngram_size})\n"
        f"        probs = probabilities(scores, {cfg.temperature!r})\n"
        f"        keep = None if greedy else survivors(probs, {cfg.top_k}, {cfg.top_p!r})\n"
        "        token = choose(scores, probs, keep, greedy, generator)\n"
        "        new.append(token)\n"
        "        if token in END:\n            break\n"
        "        history = torch.cat([history, torch.tensor([token])])\n"
        "        out = model(input_ids=torch.tensor([[token]]), past_key_values=out.past_key_values, use_cache=True,\n"
        "                    logits_to_keep=1)\n"
        "print(decode(new))\n")
    return "\n\n".join(p.rstrip() + "\n" for p in parts)
