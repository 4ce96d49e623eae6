"""Subtitle files a video player reads: exact SubRip and WebVTT, and lines a viewer can follow."""

from dataclasses import dataclass

import pytest

from core.subtitles import SubtitleLine, join_words, subtitle_lines, to_srt, to_text, to_vtt


@dataclass
class Word:                 # what a speech engine gives: any object with start, end and text
    start: float
    end: float
    text: str


PHRASES = [{"start": 1.5, "end": 2.25, "text": "hello world"}, Word(3.0, 4.5, "this is a test")]


def test_srt_is_exact():
    assert to_srt(PHRASES) == ("1\n00:00:01,500 --> 00:00:02,250\nhello world\n\n"
                               "2\n00:00:03,000 --> 00:00:04,500\nthis is a test\n\n")


def test_vtt_is_exact():
    assert to_vtt(PHRASES) == ("WEBVTT\n\n"
                               "00:00:01.500 --> 00:00:02.250\nhello world\n\n"
                               "00:00:03.000 --> 00:00:04.500\nthis is a test\n\n")


def test_no_segments_give_valid_empty_files():
    assert to_srt([]) == "" and to_vtt([]) == "WEBVTT\n\n" and to_text([]) == ""


def test_hours_past_99_minutes():
    late = [Word(5999.5, 6001.25, "the end of a long lecture"), Word(36_000, 36_001, "ten hours in")]
    assert to_srt(late) == ("1\n01:39:59,500 --> 01:40:01,250\nthe end of a long lecture\n\n"
                            "2\n10:00:00,000 --> 10:00:01,000\nten hours in\n\n")
    assert "01:39:59.500 --> 01:40:01.250" in to_vtt(late)


@pytest.mark.parametrize("start, end, expected", [
    (1.0004, 1.0006, "00:00:01,000 --> 00:00:01,001"),     # each rounded to the nearest millisecond
    (1.0006, 1.0004, "00:00:01,001 --> 00:00:01,001"),     # an end before the start becomes the start
    (2.9996, 3.0001, "00:00:03,000 --> 00:00:03,000"),     # rounding up carries into the seconds
    (59.9999, 60.0, "00:01:00,000 --> 00:01:00,000"),      # ... and into the minutes
    (-0.02, 0.5, "00:00:00,000 --> 00:00:00,500"),         # never before the start of the audio
])
def test_times_rounded_to_the_millisecond_never_end_before_they_start(start, end, expected):
    assert to_srt([Word(start, end, "x")]) == f"1\n{expected}\nx\n\n"


def test_text_that_would_break_the_format_is_tidied():
    segments = [Word(0, 1, "  first line\n\n\nsecond line  "), Word(1, 2, "   "), Word(2, 3, "a --> b <i> & c")]
    assert to_srt(segments) == ("1\n00:00:00,000 --> 00:00:01,000\nfirst line\nsecond line\n\n"
                                "2\n00:00:02,000 --> 00:00:03,000\na -> b <i> & c\n\n")    # numbered without gaps
    assert to_vtt(segments).endswith("00:00:02.000 --> 00:00:03.000\na -&gt; b &lt;i&gt; &amp; c\n\n")


def test_plain_text_is_one_paragraph():
    words = [Word(0, 0.4, "Hello"), Word(0.5, 0.9, "world."), Word(1, 1.2, " How\nare "), Word(1.3, 1.5, "you?")]
    assert to_text(words) == "Hello world. How are you?\n"


def test_chinese_is_joined_without_spaces():
    assert join_words(["你好", "，", "世界", "DL", "Lab", "很", "好"]) == "你好，世界 DL Lab 很好"
    assert to_text([Word(0, 1, "深度"), Word(1, 2, "学习")]) == "深度学习\n"


def words_of(sentence, start=0.0, step=0.3):
    return [Word(round(start + i * step, 3), round(start + i * step + 0.25, 3), w)
            for i, w in enumerate(sentence.split())]


def test_lines_are_at_most_42_characters():
    words = words_of("students change a setting press a button and watch a neural network learn from "
                     "first principles in the browser", step=0.1)
    lines = subtitle_lines(words)
    assert [line.text for line in lines] == [
        "students change a setting press a button", "and watch a neural network learn from",
        "first principles in the browser"]
    assert all(len(line.text) <= 42 for line in lines)
    assert (lines[0].start, lines[0].end) == (0.0, 0.85) and (lines[1].start, lines[1].end) == (0.7, 1.55)
    assert " ".join(line.text for line in lines) == " ".join(w.text for w in words)   # nothing lost


def test_lines_are_at_most_five_seconds():
    lines = subtitle_lines(words_of("one two three four five six seven eight", step=1.0))
    assert [line.text for line in lines] == ["one two three four five", "six seven eight"]
    assert lines[0] == SubtitleLine(0.0, 4.25, "one two three four five")


def test_a_sentence_end_or_a_pause_starts_a_new_line():
    words = [Word(0, 0.3, "Hi."), Word(0.4, 0.7, "I'm"), Word(0.8, 1.0, "here"), Word(2.5, 2.8, "again")]
    assert [line.text for line in subtitle_lines(words)] == ["Hi.", "I'm here", "again"]


def test_a_word_wider_than_a_line_gets_its_own_and_chinese_counts_double():
    long_word = "pneumonoultramicroscopicsilicovolcanoconiosis"
    assert [line.text for line in subtitle_lines(words_of(f"a {long_word} b"))] == ["a", long_word, "b"]
    chinese = [Word(i * 0.2, i * 0.2 + 0.2, c) for i, c in enumerate("深度学习让学生在浏览器里看着神经网络一步一步地学习")]
    lines = subtitle_lines(chinese, max_chars=20)
    assert [line.text for line in lines] == ["深度学习让学生在浏览", "器里看着神经网络一步", "一步地学习"]


def test_subtitle_lines_feed_the_files():
    lines = subtitle_lines([{"start": 0.5, "end": 0.9, "text": "hello"}, {"start": 1.0, "end": 1.6, "text": "world"}])
    assert to_srt(lines) == "1\n00:00:00,500 --> 00:00:01,600\nhello world\n\n"
    assert subtitle_lines([]) == []
