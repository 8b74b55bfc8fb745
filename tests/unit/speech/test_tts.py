import asyncio
import shutil

import pytest

from speech.errors import SynthesisError, TextError, TextTooLongError
from speech.models import ComponentStatus, Pace, TtsEngine
from speech.tts import EspeakSynthesizer, SpeechOutput


class Broken:
    """An online voice that cannot be reached."""

    engine = TtsEngine.EDGE
    media_type = "audio/mpeg"
    online = True

    def __init__(self, hang=False):
        self.hang = hang
        self.calls = 0

    def status(self):
        return ComponentStatus(available=True, engine="edge-tts")

    async def synthesize(self, text, pace):
        self.calls += 1
        if self.hang:
            await asyncio.sleep(10)
        raise OSError("no route to host")


class Recording:
    engine = TtsEngine.ESPEAK
    media_type = "audio/wav"
    online = False

    def __init__(self):
        self.seen = []

    def status(self):
        return ComponentStatus(available=True, engine="fake")

    async def synthesize(self, text, pace):
        self.seen.append((text, pace))
        return b"RIFF"


@pytest.mark.parametrize(("hang", "reason"), [(False, "edge_error"), (True, "edge_timeout")])
async def test_falls_back_on_error_or_timeout_then_cools_down(hang, reason):
    online, offline = Broken(hang), Recording()
    output = SpeechOutput([online, offline], timeout_ms=100)  # type: ignore[list-item]
    first = await output.speak("请放置证件", own_text=True)
    assert first.engine is TtsEngine.ESPEAK and first.fallback_reason == reason
    await output.speak("请取走证件", own_text=True)
    assert online.calls == 1  # cooling down: no second timeout


async def test_text_is_normalized_and_cached():
    offline = Recording()
    output = SpeechOutput([offline])  # type: ignore[list-item]
    one = await output.speak("20个工作日", pace=Pace.ELDERLY, cache=True)
    two = await output.speak("20个工作日", pace=Pace.ELDERLY, cache=True)
    assert one.spoken_text == "二十个工作日" and two.cached and len(offline.seen) == 1


async def test_client_text_is_not_kept_but_may_hit_a_system_prompt():
    offline = Recording()
    output = SpeechOutput([offline])  # type: ignore[list-item]
    client_text = "我叫王小明，电话13812345678"
    await output.speak(client_text)
    again = await output.speak(client_text)
    assert not again.cached and len(offline.seen) == 2
    assert not output._cache  # nothing of the client's text stays in memory
    await output.speak("请放置证件", cache=True)  # the service's own prompt
    assert (await output.speak("请放置证件")).cached and len(offline.seen) == 3


async def test_limits_and_total_failure():
    output = SpeechOutput([Broken()], max_chars=10)  # type: ignore[list-item]
    with pytest.raises(TextError):
        await output.speak("  ")
    with pytest.raises(TextTooLongError):
        await output.speak("字" * 11)
    with pytest.raises(SynthesisError):
        await output.speak("你好")


def test_elderly_pace_is_slower():
    espeak = EspeakSynthesizer(words_per_minute=160, elderly_rate=0.75)
    assert espeak.speed(Pace.ELDERLY) == 120 < espeak.speed(Pace.STANDARD)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
async def test_espeak_mandarin_makes_a_wav():
    audio = await EspeakSynthesizer().synthesize("你好", Pace.STANDARD)
    assert audio[:4] == b"RIFF"


class Online(Recording):
    """A reachable online voice that records what it was sent."""

    engine = TtsEngine.EDGE
    media_type = "audio/mpeg"
    online = True


async def test_client_text_never_reaches_the_online_voice():
    online, offline = Online(), Recording()
    output = SpeechOutput([online, offline])  # type: ignore[list-item]
    citizen = await output.speak("我叫王小明，身份证1101 0119 9003 0775 78")
    assert online.seen == [] and citizen.engine is TtsEngine.ESPEAK
    assert citizen.fallback_reason == "edge_client_text"
    own = await output.speak("请放置证件", own_text=True)
    assert own.engine is TtsEngine.EDGE and [t for t, _ in online.seen] == ["请放置证件"]


def test_online_voice_is_off_by_default():
    from speech.service import build_output
    from speech.settings import SpeechSettings

    assert SpeechSettings().tts_engine == "espeak"
    assert not any(s.online for s in build_output(SpeechSettings())._chain)
    assert any(s.online for s in build_output(SpeechSettings(tts_engine="edge"))._chain)
