"""The Transcribe tab's figures: bounded however long the audio, words marked where they were heard."""

from dataclasses import dataclass

import numpy as np
import pytest

from core import audio_plots, config
from core.audio import from_array


@dataclass
class Word:
    start: float
    end: float
    text: str


def traces(fig):
    return {trace.meta: trace for trace in fig.data}


@pytest.fixture(scope="module")
def lecture():
    """Ten minutes of quiet noise with one click at 6 min 17.5 s."""
    wave = (np.random.default_rng(0).standard_normal(600 * 16_000) * 300).astype(np.int16)
    wave[int(377.5 * 16_000)] = 30_000
    return from_array(16_000, wave)


def test_a_ten_minute_waveform_is_bounded_and_shows_a_click(lecture):
    fig = audio_plots.waveform_figure(lecture)
    high, low = traces(fig)["high"], traces(fig)["waveform"]
    assert len(high.x) + len(low.x) <= config.PLOT_MAX_POINTS
    assert max(high.y) == pytest.approx(30_000 / 32_768, abs=1e-3)
    assert high.x[int(np.argmax(high.y))] == pytest.approx(377.5, abs=600 / config.PLOT_MAX_POINTS)
    assert tuple(fig.layout.xaxis.range) == (0, 600) and fig.layout.yaxis.range[1] > 0.9
    assert len(fig.to_json()) < 100_000


def test_a_ten_minute_spectrogram_is_bounded(lecture):
    fig = audio_plots.spectrogram_figure(lecture)
    heat = traces(fig)["spectrogram"]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape[0] == config.N_MELS
    assert np.asarray(heat.z).shape[1] == len(heat.x) <= config.PLOT_MAX_FRAMES
    assert heat.x[-1] == pytest.approx(600, abs=0.5) and (heat.zmin, heat.zmax) == (0, 80)
    assert np.asarray(heat.z).max() == 80 and np.asarray(heat.z).min() >= 0     # 0: 80 dB below the loudest
    assert len(fig.to_json()) < 2 * config.N_MELS * config.PLOT_MAX_FRAMES      # about a byte a cell


SEGMENTS = [{"start": 0.1, "end": 0.4, "text": "hello"}, Word(0.5, 0.9, "world")]


@pytest.mark.parametrize("figure", [audio_plots.waveform_figure, audio_plots.spectrogram_figure])
def test_words_are_spans_labelled_with_their_text(figure):
    sound = from_array(16_000, np.zeros(16_000, np.int16))
    fig = figure(sound, SEGMENTS)
    spans, words = traces(fig)["segments"], traces(fig)["words"]
    assert list(spans.x) == [0.1, 0.1, 0.4, 0.4, 0.1, None, 0.5, 0.5, 0.9, 0.9, 0.5, None]
    assert list(words.text) == ["hello", "world"] and list(words.x) == [0.25, 0.7]
    assert "segments" not in traces(figure(sound))          # no words, no marks


def test_the_words_on_the_figures_come_from_the_page():
    sound = from_array(16_000, np.zeros(16_000, np.int16))
    chinese = {"time": "时间（秒）", "amplitude": "振幅", "mel_band": "梅尔频带"}
    wave = audio_plots.waveform_figure(sound, text=chinese)
    assert (wave.layout.xaxis.title.text, wave.layout.yaxis.title.text) == ("时间（秒）", "振幅")
    assert audio_plots.spectrogram_figure(sound, text=chinese).layout.yaxis.title.text == "梅尔频带"
    assert audio_plots.waveform_figure(sound).layout.xaxis.title.text == "time (s)"
