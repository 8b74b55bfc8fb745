import numpy as np
import pytest

from kiosk_bridge.session import SessionManager
from kiosk_bridge.settings import KioskBridgeSettings
from kiosk_bridge.voice_turn import (
    Outcome,
    Recognition,
    SpokenAudio,
    TurnParts,
    TurnReply,
    VoiceTurnRunner,
)
from speech.vad import EndpointDetector, VadConfig

LOUD = np.random.default_rng(1).normal(0, 6000, 16000).astype("<i2").tobytes()
UTTERANCE = LOUD + b"\0\0" * 16000


def parts(recognitions, replies=None):
    heard = list(recognitions)
    turns = []

    async def transcribe(pcm, rate):
        return heard.pop(0)

    async def turn(data):
        turns.append(data)
        return (replies or {}).get(data.text, TurnReply(spoken_text="答复", screen_text="答复"))

    async def speak(text, elderly):
        return SpokenAudio(audio=b"RIFF")

    return TurnParts(transcribe=transcribe, turn=turn, speak=speak,
                     endpointer=lambda: EndpointDetector(VadConfig(end_silence_ms=300))), turns


@pytest.fixture
def session():
    return SessionManager().start("k1")


async def test_answered_turn(device, sim, session):
    sim.queue_pcm(UTTERANCE)
    turn_parts, turns = parts([Recognition(text="居住证怎么办", confidence=0.9)])
    outcome = await VoiceTurnRunner(device, turn_parts, KioskBridgeSettings()).run(session)
    assert outcome.outcome is Outcome.ANSWERED and turns[0].session_id == session.session_id
    assert [s.name for s in outcome.steps] == ["record+vad", "asr", "turn", "tts",
                                                "voice_prompt"]
    assert sim.calls[:2] == ["pickup.open", "pickup.start"] and "pickup.close" in sim.calls
    assert sim.prompts[-1].text == "答复"
    assert sim.position < len(UTTERANCE) or sim.recording == b""  # VAD stopped early


async def test_two_low_confidence_turns_open_the_keyboard(device, sim, session):
    runner = VoiceTurnRunner(device, parts([Recognition(text="嗯", confidence=0.2),
                                            Recognition(text="", confidence=0.0)])[0],
                             KioskBridgeSettings())
    sim.queue_pcm(UTTERANCE)
    assert (await runner.run(session)).outcome is Outcome.RETRY
    sim.queue_pcm(UTTERANCE)
    assert (await runner.run(session)).outcome is Outcome.KEYBOARD
    assert session.keyboard_mode and len(sim.keyboard) == 1
    typed = await runner.run_typed(session, "居住证")
    assert typed.outcome is Outcome.ANSWERED


async def test_silence_counts_as_not_heard(device, sim, session):
    sim.queue_pcm(b"\0\0" * 16000 * 8)
    runner = VoiceTurnRunner(device, parts([])[0], KioskBridgeSettings())
    assert (await runner.run(session)).outcome is Outcome.RETRY
    assert sim.prompts[-1].text.startswith("抱歉")


async def test_answer_needing_typed_input_pops_keyboard(device, sim, session):
    reply = TurnReply(spoken_text="请输入", screen_text="请输入", needs_typed_input=True)
    sim.queue_pcm(UTTERANCE)
    runner = VoiceTurnRunner(device, parts([Recognition(text="填表", confidence=0.9)],
                                           {"填表": reply})[0], KioskBridgeSettings())
    assert (await runner.run(session)).outcome is Outcome.KEYBOARD
