"""Subtitle files from timed segments: SubRip (.srt), WebVTT (.vtt) and plain text.

A segment is anything with ``start``, ``end`` (seconds) and ``text``, as an attribute or a
dict key: a word, a phrase or a whole sentence from a speech engine. ``subtitle_lines``
groups word-level segments into lines a viewer can read in time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

SENTENCE_END = (".", "?", "!", "。", "？", "！", "…")


@dataclass(frozen=True)
class SubtitleLine:
    start: float
    end: float
    text: str


def as_span(segment) -> tuple[float, float, str]:
    """(start, end, text) of a segment given as an object or a dict."""
    if isinstance(segment, dict):
        return float(segment["start"]), float(segment["end"]), str(segment["text"])
    return float(segment.start), float(segment.end), str(segment.text)


def _cues(segments: Iterable) -> list[tuple[int, int, list[str]]]:
    """(start ms, end ms, lines) of each segment with text. Times are rounded to the millisecond,
    never below zero, and a segment never ends before it starts."""
    cues = []
    for segment in segments:
        start, end, text = as_span(segment)
        lines = [line.strip() for line in text.replace("-->", "->").splitlines() if line.strip()]
        if lines:       # a blank line would end the cue early, and an empty cue ends the file for some players
            start_ms = max(0, round(start * 1000))
            cues.append((start_ms, max(start_ms, round(end * 1000)), lines))
    return cues


def _timestamp(ms: int, separator: str) -> str:
    """Hours, minutes, seconds and milliseconds: 01:40:00,000 is 100 minutes."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def to_srt(segments: Iterable) -> str:
    """SubRip: numbered cues ``1\\n00:00:01,500 --> 00:00:02,250\\ntext\\n\\n``; no segments, an empty file."""
    return "".join(f"{i}\n{_timestamp(start, ',')} --> {_timestamp(end, ',')}\n" + "\n".join(lines) + "\n\n"
                   for i, (start, end, lines) in enumerate(_cues(segments), 1))


def _vtt_escape(line: str) -> str:
    """WebVTT reads tags and entities in cue text, so <, > and & are written as entities."""
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(segments: Iterable) -> str:
    """WebVTT: ``WEBVTT``, a blank line, then cues ``00:00:01.500 --> 00:00:02.250\\ntext\\n\\n``."""
    return "WEBVTT\n\n" + "".join(
        f"{_timestamp(start, '.')} --> {_timestamp(end, '.')}\n" + "\n".join(map(_vtt_escape, lines)) + "\n\n"
        for start, end, lines in _cues(segments))


def _is_wide(char: str) -> bool:
    """Chinese, Japanese and Korean characters and their punctuation, written without spaces."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def join_words(words: Iterable[str]) -> str:
    """Words joined by spaces, except between two wide (CJK) characters: "你好 世界" is "你好世界"."""
    out = ""
    for word in words:
        word = word.strip()
        if not word:
            continue
        if out and not (_is_wide(out[-1]) and _is_wide(word[0])):
            out += " "
        out += word
    return out


def to_text(segments: Iterable) -> str:
    """The transcript as one paragraph, ending in a newline (empty for no segments)."""
    text = join_words(re.sub(r"\s+", " ", as_span(s)[2]) for s in segments)
    return text + "\n" if text else ""


def _width(text: str) -> int:
    """Columns on screen: a CJK character takes two."""
    return sum(2 if _is_wide(c) else 1 for c in text)


def subtitle_lines(words: Iterable, max_chars: int = 42, max_seconds: float = 5.0,
                   max_gap: float = 1.0) -> list[SubtitleLine]:
    """Word-level segments grouped into subtitle lines, in order. A line ends when the next word
    would make it wider than ``max_chars`` columns (a CJK character counts two) or longer than
    ``max_seconds``, after a word that ends a sentence, and at a pause over ``max_gap`` seconds.
    A single word wider than ``max_chars`` gets a line of its own."""
    lines: list[SubtitleLine] = []
    current: list[tuple[float, float, str]] = []
    for segment in words:
        start, end, text = as_span(segment)
        text = " ".join(text.split())
        if not text:
            continue
        if current:
            first, last = current[0], current[-1]
            wider = _width(join_words([*(w[2] for w in current), text])) > max_chars
            if wider or end - first[0] > max_seconds or start - last[1] > max_gap or last[2].endswith(SENTENCE_END):
                lines.append(SubtitleLine(first[0], last[1], join_words(w[2] for w in current)))
                current = []
        current.append((start, end, text))
    if current:
        lines.append(SubtitleLine(current[0][0], current[-1][1], join_words(w[2] for w in current)))
    return lines
