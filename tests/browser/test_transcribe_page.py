"""A student's view of the Transcribe tab, in a real Chromium: a sample recording, the microphone, live mode.

In the test app wav2vec2 and Whisper are tiny random models, so only pocketsphinx recognises for real:
every check of words gives it a phrase list. The microphone is a second Chromium's fake one, which plays
a WAV spoken by espeak-ng at test time, from its start, each time a recording opens it.
"""

import io
import re
import time
import wave

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.audio_samples import seconds, speak
from tests.browser.conftest import CHROMIUM_FLAGS, find_chromium

pytestmark = pytest.mark.browser
PHRASES = "turn on the light\nturn off the light\nopen the door"
SPOKEN = "open the door"
LEAD_S, TAIL_S = 2.5, 1.5      # silence around it: a live stream loses its first few tenths of a second while it opens
ENGLISH = {"locale": "en-US", "tab": "Transcribe", "button": "Transcribe", "done": "Done"}
CHINESE = {"locale": "zh-CN", "tab": "语音转文字", "button": "转写", "done": "完成"}

# Chromium runs a microphone through its voice processing (gain control, noise suppression, echo
# cancellation): it clips espeak-ng's voice and pocketsphinx then hears the phrase only some of the
# time. The tests are about the page, so their microphone is a clean one.
CLEAN_MICROPHONE = """(() => {
  const devices = navigator.mediaDevices, getUserMedia = devices.getUserMedia.bind(devices);
  const clean = {echoCancellation: false, noiseSuppression: false, autoGainControl: false};
  devices.getUserMedia = wanted => getUserMedia(wanted && wanted.audio
    ? {...wanted, audio: {...(wanted.audio === true ? {} : wanted.audio), ...clean}} : wanted);
})();"""


@pytest.fixture(scope="module")
def microphone_wav(tmp_path_factory):
    """SPOKEN at 48 kHz (a browser microphone's rate), with silence before and after."""
    import soundfile

    folder = tmp_path_factory.mktemp("microphone")
    voice, rate = soundfile.read(speak(SPOKEN, folder / "voice.wav", rate=48_000), dtype="int16")
    silence = np.zeros(int(LEAD_S * rate), np.int16), np.zeros(int(TAIL_S * rate), np.int16)
    soundfile.write(folder / "microphone.wav", np.concatenate([silence[0], voice, silence[1]]), rate)
    return folder / "microphone.wav"


@pytest.fixture(scope="module")
def microphone_browser(browser, microphone_wav):
    """A second Chromium whose microphone plays microphone_wav once per recording (`browser` has
    already skipped, or failed in CI, when there is no Chromium or no Playwright)."""
    fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone_wav}%noloop"]
    chromium = browser.browser_type.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS + fake)
    yield chromium
    chromium.close()


@pytest.fixture
def open_with_microphone(browser, microphone_browser, app_url):
    """Opens the app in a language, in a context allowed to record; returns the page and the list its
    script errors go to."""
    contexts = []

    def open_page(language=ENGLISH):
        context = microphone_browser.new_context(locale=language["locale"], permissions=["microphone"],
                                                 viewport={"width": 1400, "height": 1000})
        context.add_init_script(CLEAN_MICROPHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(app_url)
        page.locator("#train-button").wait_for()
        return page, errors

    yield open_page
    for context in contexts:
        context.close()


def open_transcribe(page, language=ENGLISH):
    """Open the tab and type the phrase list that pocketsphinx chooses from."""
    page.get_by_role("tab", name=language["tab"], exact=True).first.click()
    expect(page.locator("#transcribe-button")).to_have_text(language["button"])
    page.locator("#transcribe-phrases textarea").fill(PHRASES)


def wav_seconds(page, url: str) -> float:
    """The length of the WAV file the page links to."""
    response = page.request.get(url)
    assert response.ok, f"{url}: HTTP {response.status}"
    with wave.open(io.BytesIO(response.body())) as w:
        return w.getnframes() / w.getframerate()


def expect_files(component):
    """The transcript as TXT, SRT, WebVTT and JSON, ready to download."""
    names = component.locator("td.filename")
    expect(names).to_have_count(4, timeout=30_000)
    assert [n.get_attribute("aria-label") for n in names.all()] == \
        ["transcript.txt", "transcript.srt", "transcript.vtt", "transcript.json"]


def test_a_sample_recording_is_transcribed_with_its_words_signal_and_files(page):
    open_transcribe(page)
    page.get_by_text("command.wav", exact=True).click()
    expect(page.locator("#transcribe-audio a[data-testid=download-link]")).to_have_attribute(
        "href", re.compile(r"/command\.wav$"))
    page.locator("#transcribe-button").click()
    expect(page.locator("#transcribe-text textarea")).to_have_value("turn on the light", timeout=30_000)
    status = page.locator("#transcribe-status")
    expect(status).to_contain_text("real-time factor", timeout=30_000)
    expect(status).to_contain_text("pocketsphinx with a phrase list")

    expect(page.locator("#transcribe-table [role=row][data-index]")).to_have_count(4)
    word = page.locator("#transcribe-table [data-testid=cell-1-3]")
    expect(word).to_have_text("on")
    start = float(page.locator("#transcribe-table [data-testid=cell-1-1]").inner_text())
    end = float(page.locator("#transcribe-table [data-testid=cell-1-2]").inner_text())
    word.click()
    played = page.locator("#transcribe-player a[data-testid=download-link]")
    expect(played).to_have_attribute("href", re.compile(r"\.wav$"))
    assert wav_seconds(page, played.get_attribute("href")) == pytest.approx(end - start + 0.3, abs=0.05), \
        "the player holds the clicked word, with 0.15 s on each side"

    page.get_by_role("tab", name="Signal", exact=True).click()
    expect(page.locator("#transcribe-wave .js-plotly-plot")).to_be_visible()
    expect(page.locator("#transcribe-mel .js-plotly-plot")).to_be_visible()
    page.get_by_role("tab", name="Files", exact=True).click()
    expect_files(page.locator("#transcribe-files-out"))


def record(audio, length_s: int):
    """Record with a gr.Audio's microphone for `length_s` seconds by its own clock, then stop."""
    if not audio.locator("button.record-button").is_visible():
        audio.locator("[data-testid=source-select] button").last.click()      # the microphone source
    audio.locator("button.record-button").click()
    expect(audio.locator(".timestamps .duration")).to_have_text(f"0:{length_s:02d}", timeout=(length_s + 10) * 1000)
    audio.locator("button.stop-button").click()


@pytest.mark.parametrize("language", [ENGLISH, CHINESE], ids=["en", "zh"])
def test_a_recording_from_the_microphone_is_transcribed(open_with_microphone, language):
    page, errors = open_with_microphone(language)
    open_transcribe(page, language)
    audio = page.locator("#transcribe-audio")
    record(audio, int(LEAD_S + 1.5))                                   # the silence, the phrase, a little more
    expect(audio.locator("a[data-testid=download-link]")).to_have_attribute("href", re.compile(r"\.wav$"))
    page.locator("#transcribe-button").click()
    expect(page.locator("#transcribe-text textarea")).to_have_value(SPOKEN, timeout=30_000)
    expect(page.locator("#transcribe-status")).to_contain_text(language["done"], timeout=30_000)
    assert errors == []


def wait_for_the_streaming_recorder(page):
    """A streaming gr.Audio loads its WAV recorder when it is first shown, and starts two workers for
    it; pressed before that, Gradio's Record button fails ("ge is not a constructor") and streams nothing."""
    for _ in range(200):
        if len(page.workers) >= 2:
            return
        page.wait_for_timeout(50)
    pytest.fail("the streaming recorder did not start its workers within 10 s")


def test_live_mode_transcribes_the_microphone_and_keeps_the_transcript_after_stop(open_with_microphone,
                                                                               microphone_wav):
    page, errors = open_with_microphone()
    open_transcribe(page)
    page.get_by_role("tab", name="Live", exact=True).click()
    wait_for_the_streaming_recorder(page)
    mic, status, text = page.locator("#live-mic"), page.locator("#live-status"), page.locator("#live-text textarea")
    mic.locator("button.record-button").click()
    started = time.monotonic()
    expect(status).to_contain_text("Listening with pocketsphinx")
    # The microphone plays the file once; the words shown while it plays are pocketsphinx's live guess,
    # which can stay empty or name another phrase: the exact phrase is promised once recording stops.
    page.wait_for_timeout(max(0.0, seconds(microphone_wav) + 0.3 - (time.monotonic() - started)) * 1000)
    mic.locator("button.stop-button").click()
    expect(status).to_contain_text("Done", timeout=15_000)
    expect(text).to_have_value(SPOKEN)
    expect(status).to_contain_text("3 words")
    expect_files(page.locator("#live-files"))
    assert errors == []
