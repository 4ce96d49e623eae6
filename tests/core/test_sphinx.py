"""PocketSphinx, DL Lab's offline speech engine, on speech that espeak-ng makes at test time."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from core import config, sphinx
from core.errors import InvalidInput

PHRASES = ("turn on the light", "open the door", "what time is it", "play some music", "call my mother")
CHUNK = config.SAMPLE_RATE // 2          # a microphone stream's 0.5 s chunks


@pytest.fixture(scope="module")
def speak(tmp_path_factory):
    """speak(text) -> float32 mono samples at config.SAMPLE_RATE, spoken by espeak-ng (cached)."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} not found: the speech these tests hear is made with espeak-ng and sox"
        if os.environ.get("DLLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"required here: {reason}")
        pytest.skip(f"{reason} (apt-get install espeak-ng sox)")
    folder, cache = tmp_path_factory.mktemp("speech"), {}

    def _speak(text: str) -> np.ndarray:
        if text not in cache:
            raw, wav = folder / f"{len(cache)}-raw.wav", folder / f"{len(cache)}.wav"
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(raw), text], check=True)
            subprocess.run(["sox", str(raw), "-r", str(config.SAMPLE_RATE), "-c", "1", "-b", "16", str(wav)],
                           check=True)
            samples, rate = sf.read(wav, dtype="float32")
            assert rate == config.SAMPLE_RATE
            cache[text] = samples
        return cache[text]

    return _speak


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * config.SAMPLE_RATE), dtype=np.float32)


def chunks(samples: np.ndarray):
    return [samples[i:i + CHUNK] for i in range(0, len(samples), CHUNK)]


def assert_words_fit(result: sphinx.SphinxResult, seconds: float) -> None:
    assert result.text == " ".join(word for word, _, _ in result.words)
    for word, start, end in result.words:
        assert 0 <= start <= end <= seconds, (word, start, end, seconds)
        assert word[0] not in "<[(" and "(" not in word          # no <sil>, [NOISE], (NULL) or "on(2)"
    starts = [start for _, start, _ in result.words]
    assert starts == sorted(starts)


# --- phrase lists ------------------------------------------------------------------------------------

def test_a_phrase_list_is_cleaned_one_phrase_per_line():
    text = "Turn ON the light!\n\n  open the door  \nWhat time is it?\nturn on the light\nit’s time, don't-stop\n"
    assert sphinx.parse_phrases(text) == ("turn on the light", "open the door", "what time is it",
                                          "it's time don't stop")


@pytest.mark.parametrize("text, key", [
    ("", "phrases_empty"),
    ("?!\n   \n", "phrases_empty"),
    ("a" * (config.MAX_PHRASES_TEXT + 1), "phrases_text_too_long"),
    ("hello\n" + "go " * (config.MAX_PHRASE_CHARS // 3 + 1), "phrase_too_long"),
    ("\n".join(f"phrase {n}" for n in range(config.MAX_PHRASES + 1)), "phrases_too_many"),
    (5, "not_text"),
])
def test_each_phrase_limit_has_its_own_message(text, key):
    with pytest.raises(InvalidInput) as caught:
        sphinx.parse_phrases(text)
    assert caught.value.key == key and caught.value.field == "Phrases"


def test_the_limits_say_where_and_how_much():
    with pytest.raises(InvalidInput) as caught:
        sphinx.parse_phrases("hello\n" + "x" * (config.MAX_PHRASE_CHARS + 5))
    assert caught.value.message == (f"Line 2 of the phrase list is {config.MAX_PHRASE_CHARS + 5} characters long; "
                                    f"a phrase has at most {config.MAX_PHRASE_CHARS}.")
    many = "\n".join(f"{a} {b}" for a in ("red", "green", "blue", "black", "white", "brown", "pink", "grey")
                     for b in ("cat", "dog", "car", "boat", "house", "tree", "book"))
    with pytest.raises(InvalidInput) as caught:
        sphinx.parse_phrases(many)
    assert caught.value.params == {"count": 56, "max": config.MAX_PHRASES}


def test_unknown_words_are_named_together_in_one_message():
    with pytest.raises(InvalidInput) as caught:
        sphinx.parse_phrases("hello xyzzyq\nturn on the light\nplugh xyzzyq dllab")
    err = caught.value
    assert err.key == "phrase_unknown_words" and err.params["count"] == 3
    assert "'xyzzyq', 'plugh', 'dllab'" in err.message and "hello" not in err.params["words"]


# --- recognition -------------------------------------------------------------------------------------

def test_a_phrase_list_hears_exactly_the_spoken_phrase(speak):
    results = {phrase: sphinx.recognize(speak(phrase), PHRASES) for phrase in PHRASES}
    for phrase, result in results.items():
        assert result.mode == "phrases" and result.text in (*PHRASES, "")
        assert_words_fit(result, len(speak(phrase)) / config.SAMPLE_RATE)
    heard = [phrase for phrase, result in results.items() if result.text == phrase]
    assert len(heard) >= 4, {p: r.text for p, r in results.items()}


def test_open_vocabulary_gives_timed_words_inside_the_clip(speak):
    samples = np.concatenate([silence(0.5), speak("the weather is nice today"), silence(0.5)])
    result = sphinx.recognize(samples)
    assert result.mode == "open" and result.text and result.seconds > 0
    assert_words_fit(result, len(samples) / config.SAMPLE_RATE)
    assert result.words[0][1] >= 0.3                     # the half second of silence holds no word


def test_silence_and_empty_audio_give_empty_text():
    for samples in (silence(0.5), silence(1.0), silence(0)):      # exact zeros: open vocabulary once heard words
        for phrases in (None, PHRASES):
            result = sphinx.recognize(samples, phrases)
            assert (result.text, result.words) == ("", ())


def test_recognition_works_off_the_main_thread_and_repeats_itself(speak):
    samples = speak("what time is it")
    out = {}

    def work():
        out["phrases"] = sphinx.recognize(samples, PHRASES)
        out["open"] = sphinx.recognize(samples)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert out["phrases"].text == "what time is it"
    assert out["open"].words == sphinx.recognize(samples).words           # a pooled decoder starts afresh


def test_a_pooled_decoder_takes_the_new_phrase_list(speak):
    assert sphinx.recognize(speak("open the door"), PHRASES).text == "open the door"
    assert sphinx.recognize(speak("open the door"), ("close the window", "open the door")).text == "open the door"
    assert sphinx.recognize(speak("open the door"), ("close the window",)).text in ("close the window", "")


# --- live --------------------------------------------------------------------------------------------

def feed(live: sphinx.LiveDecoder, samples: np.ndarray) -> list[str]:
    return [live.add(chunk) for chunk in chunks(samples)]


def test_live_partials_grow_and_the_final_is_the_phrase(speak):
    samples = np.concatenate([silence(0.3), speak("call my mother"), silence(0.5)])
    live = sphinx.LiveDecoder(PHRASES)
    partials = feed(live, samples)
    assert partials[-1] and len(partials[0].split()) < len(partials[-1].split())
    result = live.finish()
    assert (result.text, result.mode) == ("call my mother", "phrases")
    assert_words_fit(result, len(samples) / config.SAMPLE_RATE)
    assert live.finish() is result
    assert live.add(speak("open the door")) == "call my mother"           # a chunk after the stop is dropped
    assert live.finish() is result


def test_live_open_vocabulary_and_silence(speak):
    samples = np.concatenate([speak("the weather is nice today"), silence(0.5)])
    live = sphinx.LiveDecoder()
    assert feed(live, samples)[-1]
    result = live.finish()
    assert result.mode == "open" and result.text
    assert_words_fit(result, len(samples) / config.SAMPLE_RATE)
    quiet = sphinx.LiveDecoder(PHRASES)
    assert feed(quiet, silence(1.5)) == ["", "", ""]
    assert quiet.finish().text == ""


def test_two_live_sessions_in_two_threads_do_not_mix(speak):
    spoken = {"a": np.concatenate([speak("turn on the light"), silence(0.5)]),
              "b": np.concatenate([speak("play some music"), silence(0.5)])}
    n = max(len(chunks(s)) for s in spoken.values())
    turns = threading.Barrier(2)
    out = {}

    def session(name):
        live, parts = sphinx.LiveDecoder(PHRASES), chunks(spoken[name])
        for i in range(n):
            turns.wait()                          # chunk i of both sessions is decoded at the same time
            if i < len(parts):
                live.add(parts[i])
        out[name] = live.finish()

    threads = [threading.Thread(target=session, args=(name,)) for name in spoken]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (out["a"].text, out["b"].text) == ("turn on the light", "play some music")


def test_a_live_session_leaves_no_trace_on_later_recognition(speak):
    samples = np.concatenate([silence(0.3), speak("turn on the light"), silence(0.3)])
    before = [sphinx.recognize(samples, PHRASES), sphinx.recognize(samples)]
    for phrases in (PHRASES, None, PHRASES, None):      # the pool hands these decoders on
        live = sphinx.LiveDecoder(phrases)
        feed(live, speak("call my mother"))
        live.finish()
    after = [sphinx.recognize(samples, PHRASES), sphinx.recognize(samples)]
    assert [(r.text, r.words) for r in after] == [(r.text, r.words) for r in before]


def test_past_the_live_limit_a_new_utterance_starts_and_the_words_stay(speak, monkeypatch):
    monkeypatch.setattr(config, "LIVE_MAX_SECONDS", 2.5)
    first = speak("turn on the light")
    first = np.concatenate([first, silence(2.5 - len(first) / config.SAMPLE_RATE)])
    samples = np.concatenate([first, speak("open the door"), silence(0.4)])
    live = sphinx.LiveDecoder(PHRASES)
    partials = feed(live, samples)
    assert partials[-1].startswith("turn on the light ")
    result = live.finish()
    assert result.text == "turn on the light open the door"
    assert_words_fit(result, len(samples) / config.SAMPLE_RATE)
    assert [w for w, s, _ in result.words if s >= 2.5] == ["open", "the", "door"]   # timed from the first chunk


def test_recognising_leaves_the_server_s_other_threads_running(speak):
    """pocketsphinx holds Python's GIL for a whole utterance; recognize() runs it in a worker process,
    so the server's other threads (its event loop, other users' runs) keep going meanwhile."""
    samples = np.concatenate([speak("the weather is nice today"), speak("what time is it")] * 3)
    assert sphinx.recognize(samples).words == sphinx.recognize_here(samples).words
    ticks, done = [0], threading.Event()

    def count():
        while not done.is_set():
            ticks[0] += 1
            time.sleep(0)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        before = ticks[0]
        result = sphinx.recognize(samples)
        during = (ticks[0] - before) / max(result.seconds, 1e-3)
        before, began = ticks[0], time.perf_counter()
        sphinx.recognize_here(samples)
        held = (ticks[0] - before) / (time.perf_counter() - began)
    finally:
        done.set()
        counter.join()
    assert during > 20 * max(held, 1.0), (during, held)


def test_worker_processes_leave_when_the_server_is_killed(tmp_path):
    """A server killed outright (no clean shutdown) leaves no pocketsphinx worker behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = ("import numpy as np, time\n"
              "from core import sphinx\n"
              "sphinx.recognize(np.zeros(1600, dtype=np.float32))\n"
              "print(*[p.pid for p in sphinx._workers()._processes.values()], flush=True)\n"
              "time.sleep(60)\n")
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    try:
        workers = [int(p) for p in server.stdout.readline().split()]
        assert workers
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        with open(f"/proc/{pid}/stat") as stat:              # a zombie is gone for our purpose
            return stat.read().split()[2] != "Z"

    deadline = time.monotonic() + 10
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in workers)
