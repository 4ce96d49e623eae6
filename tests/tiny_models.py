"""Tiny stand-ins for the pretrained models, built on the fly so tests never download.

They have the same files and classes as the real ones (GPT-2 with a byte-level BPE
tokenizer, wav2vec2 CTC with its processor), saved with save_pretrained, so
core.models loads them exactly as it loads a real id or directory.
"""

from __future__ import annotations

import json
from pathlib import Path

SENTENCES = [
    "Deep learning models learn features from data.",
    "The quick brown fox jumps over the lazy dog.",
    "A neural network has layers of weights and biases.",
    "Gradient descent lowers the loss one small step at a time.",
    "深度学习从数据中学习特征。",
]


def make_tiny_gpt2(path: Path) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(SENTENCES * 4, vocab_size=400, min_frequency=1,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    tokenizer = GPT2TokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<|endoftext|>",
                                  eos_token="<|endoftext|>", unk_token="<|endoftext|>")
    cfg = GPT2Config(vocab_size=len(tokenizer), n_positions=128, n_embd=32, n_layer=2, n_head=2,
                     bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(cfg)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def make_tiny_wav2vec2(path: Path) -> Path:
    import torch
    from transformers import (Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor,
                              Wav2Vec2ForCTC, Wav2Vec2Processor)

    path.mkdir(parents=True, exist_ok=True)
    letters = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ'")
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, **{c: i + 5 for i, c in enumerate(letters)}}
    (path / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = Wav2Vec2CTCTokenizer(str(path / "vocab.json"), word_delimiter_token="|")
    extractor = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0,
                                         do_normalize=True, return_attention_mask=False)
    cfg = Wav2Vec2Config(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64, conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8),
                         num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2,
                         pad_token_id=0, ctc_loss_reduction="mean")
    torch.manual_seed(0)
    Wav2Vec2ForCTC(cfg).save_pretrained(path)
    Wav2Vec2Processor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(path)
    return path


def install_in_hf_cache(model_dir: Path, hub_cache: Path, repo_id: str) -> None:
    """Lay ``model_dir`` out as the Hub client caches a download of ``repo_id``."""
    revision = "0" * 40
    repo = hub_cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True, exist_ok=True)
    for f in model_dir.iterdir():
        (snapshot / f.name).write_bytes(f.read_bytes())
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)


CHINESE_CHARS = "深度学习从数据中特征神经网络有层权重和偏置梯下降损失一步地的是我们你好世界模型训练生成文本。，！？"


def make_tiny_chinese_gpt2(path: Path) -> Path:
    """The shape of uer/gpt2-chinese-cluecorpussmall: a GPT2LMHeadModel with a BERT character
    tokenizer ([CLS]/[SEP], one token per Chinese character, WordPiece for Latin words) whose
    config keeps GPT-2's special ids (50256), which do not exist in its vocabulary."""
    import torch
    from transformers import BertTokenizer, GPT2Config, GPT2LMHeadModel

    path.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *list(CHINESE_CHARS),
             *"abcdefghijklmnopqrstuvwxyz0123456789", "deep", "learning", "gp", "##t", "##s", "hello", ",", "."]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    assert len(set(vocab)) == len(vocab)
    tokenizer = BertTokenizer(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True)
    # GPT-2's full context, so a test can ask for hundreds of new tokens (the English one has 128)
    cfg = GPT2Config(vocab_size=len(vocab), n_positions=1024, n_embd=32, n_layer=2, n_head=2,
                     bos_token_id=50256, eos_token_id=50256, tokenizer_class="BertTokenizer")
    torch.manual_seed(1)
    GPT2LMHeadModel(cfg).save_pretrained(path)
    tokenizer.save_pretrained(path)
    (path / "tokenizer.json").unlink()     # the real repository has vocab.txt only
    return path


def make_tiny_whisper(path: Path) -> Path:
    """A tiny WhisperForConditionalGeneration with a real processor: the 80-mel feature extractor and a
    byte-level tokenizer carrying Whisper's special tokens (start of transcript, the languages, the
    tasks, no-timestamps) and its 1501 timestamp tokens, in Whisper's order, and a generation config
    that knows them, so language choice and timestamps work as with the real models."""
    import torch
    from transformers import (GenerationConfig, WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration,
                              WhisperProcessor, WhisperTokenizer)
    from transformers.convert_slow_tokenizer import bytes_to_unicode
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    path.mkdir(parents=True, exist_ok=True)
    vocab = {ch: i for i, ch in enumerate(bytes_to_unicode().values())}
    tokenizer = WhisperTokenizer(vocab=vocab, merges=[])
    languages = [f"<|{code}|>" for code in LANGUAGES]
    specials = ["<|endoftext|>", "<|startoftranscript|>", *languages, "<|translate|>", "<|transcribe|>",
                "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
    tokenizer.add_special_tokens({"additional_special_tokens": specials[1:]})
    tokenizer.add_tokens([f"<|{i * 0.02:.2f}|>" for i in range(1501)])
    ids = tokenizer.convert_tokens_to_ids
    extractor = WhisperFeatureExtractor(feature_size=80)
    cfg = WhisperConfig(vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1,
                        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                        num_mel_bins=80, max_source_positions=1500, max_target_positions=448,
                        decoder_start_token_id=ids("<|startoftranscript|>"), eos_token_id=ids("<|endoftext|>"),
                        pad_token_id=ids("<|endoftext|>"), bos_token_id=ids("<|endoftext|>"))
    torch.manual_seed(2)
    model = WhisperForConditionalGeneration(cfg)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=ids("<|startoftranscript|>"), eos_token_id=ids("<|endoftext|>"),
        pad_token_id=ids("<|endoftext|>"), bos_token_id=ids("<|endoftext|>"), max_length=448,
        is_multilingual=True, lang_to_id={lang: ids(lang) for lang in languages},
        task_to_id={"transcribe": ids("<|transcribe|>"), "translate": ids("<|translate|>")},
        no_timestamps_token_id=ids("<|notimestamps|>"), prev_sot_token_id=ids("<|startofprev|>"),
        max_initial_timestamp_index=50, begin_suppress_tokens=[ids("<|endoftext|>")], suppress_tokens=[])
    model.save_pretrained(path)
    WhisperProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(path)
    return path
