"""core.corpus: the character vocabulary and codec, the arithmetic corpus, a student's text, splits and batches."""

import json
import math
import re

import pytest
import torch

from core import config
from core.corpus import (ARITHMETIC_CHARS, CharCodec, CharVocab, Problem, arithmetic_codec, arithmetic_problems,
                         arithmetic_text, arithmetic_vocab, batches, exact_match, loss_floor, read_answer,
                         score_answer, split, text_corpus, text_from_file)
from core.errors import InvalidInput

LINE = re.compile(r"^(\d+)([+-])(\d+)=(\d+)\n$")


@pytest.mark.parametrize("digits,ops", [(1, "+"), (2, "+"), (2, ["+", "-"]), (3, "-"), (4, "+, -")])
def test_arithmetic_lines_are_right_reversed_and_all_the_same_length(digits, ops):
    problems = arithmetic_problems(digits, ops, 300, seed=5)
    lines = arithmetic_text(problems).splitlines(keepends=True)
    assert len(lines) == len(set(lines)) == min(300, len(problems)) and len({len(x) for x in lines}) == 1
    assert len(lines[0]) == 3 * digits + 4
    for line, problem in zip(lines, problems):
        a, op, b, answer = LINE.match(line).groups()
        assert len(a) == len(b) == digits and len(answer) == digits + 1
        value = int(a) + int(b) if op == "+" else int(a) - int(b)
        assert int(answer[::-1]) == value == read_answer(answer) == problem.result >= 0
        assert line == problem.line and line.startswith(problem.prompt) and problem.answer == answer
    assert arithmetic_vocab().missing(arithmetic_text(problems)) == {}


def test_the_documented_example():
    problem = Problem(37, "+", 48, 2)
    assert (problem.prompt, problem.answer, problem.line) == ("37+48=", "580", "37+48=580\n")
    assert Problem(7, "-", 5, 2).line == "07-05=200\n" and Problem(61, "-", 29, 2).answer == "230"
    assert score_answer(problem, "580\n12+") and not score_answer(problem, "58") and not score_answer(problem, "085")
    assert read_answer("58x") is None


def test_problems_are_seeded_distinct_and_cover_every_operation():
    assert arithmetic_problems(2, "+", 50, 1) == arithmetic_problems(2, "+", 50, 1)
    assert arithmetic_problems(2, "+", 50, 1) != arithmetic_problems(2, "+", 50, 2)
    every = arithmetic_problems(1, "+", 1000, 0)                # 100 sums exist: all of them, shuffled
    assert len(every) == 100 and {(p.a, p.b) for p in every} == {(a, b) for a in range(10) for b in range(10)}
    differences = arithmetic_problems(1, "-", 1000, 0)
    assert len(differences) == 55 and all(p.a >= p.b for p in differences)
    both = arithmetic_problems(3, ["+", "-"], 3000, 0)
    share = sum(p.op == "+" for p in both) / len(both)
    assert 0.6 < share < 0.73                                   # 10⁶ sums against 500,500 differences
    with pytest.raises(InvalidInput, match="Digits must be between 1 and 4"):
        arithmetic_problems(9, "+", 10, 0)
    with pytest.raises(InvalidInput, match="Operations must be one of"):
        arithmetic_problems(2, "*", 10, 0)


def test_the_loss_floor_is_the_randomness_of_the_operands():
    assert loss_floor(1, "+") == pytest.approx(math.log(100) / 7)
    assert loss_floor(2, ["+", "-"]) == pytest.approx(math.log(10_000 + 5_050) / 10)


def test_vocabulary_encodes_decodes_and_marks_unknown_characters():
    vocab = CharVocab.from_text("hello 世界\n")
    assert len(vocab) == 9 and vocab.chars == tuple(sorted("helo 世界\n"))
    assert vocab.decode(vocab.encode("hello 世界")) == "hello 世界"
    ids = vocab.encode("hey, 世人")
    assert ids[2] == ids[3] == ids[6] == vocab.unk_id == 0
    assert vocab.decode(ids) == "he\ufffd\ufffd 世\ufffd" and vocab.token(0) == "<unk>" and vocab.token(99) == "<unk>"
    assert vocab.missing("hey, 世人 yy") == {"y": 3, ",": 1, "人": 1}
    assert list(vocab.missing("hey, 世人 yy")) == ["y", ",", "人"]          # most frequent first
    again = CharVocab.from_json(vocab.to_json())
    assert again == vocab and again.encode("世界\n") == vocab.encode("世界\n")
    assert arithmetic_vocab().chars == tuple(ARITHMETIC_CHARS)


@pytest.mark.parametrize("text", ["not json", json.dumps([1, 2]), json.dumps({"kind": "bpe", "chars": ["a"]}),
                                  json.dumps({"kind": "char", "chars": ["ab"]}),
                                  json.dumps({"kind": "char", "chars": ["a", "a"]}),
                                  json.dumps({"kind": "char", "chars": [chr(0x4e00 + i) for i in range(5000)]})])
def test_a_bad_vocabulary_is_refused(text):
    with pytest.raises(InvalidInput, match="not a DL Lab vocabulary"):
        CharVocab.from_json(text)


def test_the_codec_speaks_the_generate_tabs_interface():
    vocab = CharVocab.from_text("ab你\n")
    codec = CharCodec(vocab)
    assert (codec.family, codec.prefix, codec.eos, codec.pad, codec.special) == ("char", [], [], 0, frozenset({0}))
    assert codec.encode("a你") == codec.continue_with("a你") == vocab.encode("a你") and codec.continue_with("") == []
    assert codec.piece(vocab.encode("你")[0]) == "你" and codec.piece(0) == "<unk>"
    assert CharCodec(vocab, prefix="\n", end="\n").eos == CharCodec(vocab, prefix="\n").prefix == vocab.encode("\n")
    stream = codec.stream()
    assert [stream.add(i) for i in vocab.encode("a你x")] == ["a", "你", "\ufffd"]
    assert stream.finish() == "" and stream.text == codec.decode(stream.ids) == "a你\ufffd"


def test_a_text_corpus_is_checked_with_clear_messages():
    block = 16
    enough = "The cat sat on the mat. " * 10
    assert text_corpus("  " + enough + "\n", block) == enough.strip()
    assert text_corpus("深度学习很有趣。" * 30, block).startswith("深度")
    with pytest.raises(InvalidInput, match="empty") as err:
        text_corpus(" \n\t ", block)
    assert err.value.key == "pretrain_text_empty"
    with pytest.raises(InvalidInput, match=r"has 5 characters; with a context of 16 it needs at least 170"):
        text_corpus("hello", block)
    with pytest.raises(InvalidInput, match="too long"):
        text_corpus("a" * (config.PRETRAIN_TEXT_MAX_CHARS + 1), block)
    with pytest.raises(InvalidInput, match="must be text"):
        text_corpus(b"bytes", block)
    many = "".join(chr(0x4e00 + i) for i in range(config.PRETRAIN_MAX_VOCAB))
    with pytest.raises(InvalidInput, match=f"uses {config.PRETRAIN_MAX_VOCAB} different characters"):
        text_corpus(many, block)


def test_a_text_file_must_be_utf8_text_and_not_too_big(tmp_path):
    good = tmp_path / "good.txt"
    good.write_bytes("\ufeff春眠不觉晓\r\n处处闻啼鸟\n".encode("utf-8"))
    assert text_from_file(good) == "春眠不觉晓\n处处闻啼鸟\n"
    for name, data in [("latin.txt", "café".encode("latin-1")), ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00")]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InvalidInput, match="not UTF-8 text"):
            text_from_file(tmp_path / name)
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (config.PRETRAIN_TEXT_MAX_BYTES + 1))
    with pytest.raises(InvalidInput, match="MB; the limit is 4 MB"):
        text_from_file(big)
    with pytest.raises(InvalidInput, match="Upload a .txt file"):
        text_from_file(None)


def test_the_split_holds_out_the_end():
    ids = torch.arange(100)
    train, val = split(ids, 0.1)
    assert torch.equal(train, ids[:90]) and torch.equal(val, ids[90:])
    problems = arithmetic_problems(1, "+", 100, 0)
    train, val = split(problems)
    assert (len(train), len(val)) == (90, 10) and not set(train) & set(val)
    assert split([1, 2], 0.01) == ([1], [2]) and split([1, 2, 3], 0.99) == ([1], [2, 3])
    with pytest.raises(InvalidInput, match="at least 2"):
        split([1])


def test_batches_are_seeded_windows_inside_the_corpus():
    ids = torch.arange(50)
    x, y = next(batches(ids, 8, 32, torch.Generator().manual_seed(0)))
    assert x.shape == y.shape == (32, 8) and torch.equal(y, x + 1)        # targets: the next token
    assert int(x.min()) >= 0 and int(y.max()) <= 49
    again = next(batches(ids, 8, 32, torch.Generator().manual_seed(0)))
    other = next(batches(ids, 8, 32, torch.Generator().manual_seed(1)))
    assert torch.equal(again[0], x) and not torch.equal(other[0], x)
    assert int(next(batches(torch.arange(9), 8, 4, torch.Generator()))[1].max()) == 8
    with pytest.raises(InvalidInput, match="has 8 tokens, too few for a context of 8"):
        next(batches(torch.arange(8), 8, 4, torch.Generator()))


def test_arithmetic_batches_are_whole_random_lines_after_a_newline():
    vocab = arithmetic_vocab()
    problems = arithmetic_problems(1, "+", 100, seed=0)
    ids = torch.tensor(vocab.encode(arithmetic_text(problems)))
    lines = {p.line for p in problems}
    x, y = next(batches(ids, 16, 64, torch.Generator().manual_seed(0), line_length=7))
    assert x.shape == y.shape == (64, 16)
    for inputs, targets in zip(x.tolist(), y.tolist()):
        text = vocab.decode(targets[:14])
        assert text[:7] in lines and text[7:] in lines and targets[14:] == [-1, -1]   # a cut line is not scored
        assert inputs[0] == vocab.encode("\n")[0] and inputs[1:15] == targets[:14]    # a newline, then the lines
    again = next(batches(ids, 16, 64, torch.Generator().manual_seed(0), line_length=7))
    assert torch.equal(again[0], x) and torch.equal(again[1], y)
    firsts = {vocab.decode(t[:7]) for t in next(batches(ids, 7, 2000, torch.Generator(), line_length=7))[1].tolist()}
    assert firsts == lines                                   # every line is drawn, nothing else
    with pytest.raises(InvalidInput, match="A context of 6 cannot hold one problem: a line is 7 characters"):
        next(batches(ids, 6, 4, torch.Generator(), line_length=7))


class Oracle(torch.nn.Module):
    """Writes the right answer when ``right``, else zeros: enough to check the scoring."""

    def __init__(self, vocab, problems, right):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.vocab, self.answers, self.right = vocab, {p.prompt: p.answer for p in problems}, right

    def generate(self, idx, n):
        assert all(row[0] == self.vocab.encode("\n")[0] for row in idx.tolist())   # read after a newline
        written = [self.answers[self.vocab.decode(row[1:])] if self.right(i) else "0" * n
                   for i, row in enumerate(idx.tolist())]
        return torch.cat([idx, torch.tensor([self.vocab.encode(w) for w in written])], dim=1)


def test_exact_match_scores_the_answers_written_after_each_prompt():
    vocab = arithmetic_vocab()
    problems = [Problem(37, "+", 48, 2), Problem(5, "+", 5, 2), Problem(99, "+", 1, 2), Problem(0, "+", 0, 2)]
    assert exact_match(Oracle(vocab, problems, lambda i: True), problems, vocab) == 1.0
    assert exact_match(Oracle(vocab, problems, lambda i: i % 2 == 0), problems, vocab) == 0.75   # 0+0 is 000
    assert exact_match(Oracle(vocab, problems, lambda i: True), [], vocab) == 0.0
    codec = arithmetic_codec()
    assert codec.encode("37+48=") == vocab.encode("\n37+48=") and codec.eos == vocab.encode("\n")
