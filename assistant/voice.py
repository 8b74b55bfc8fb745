"""Wires speech and the kiosk bridge to the pipeline (composition only, no logic of its own).

``speech`` and ``kiosk_bridge`` import none of their siblings; this module adapts them:
the pipeline turn as the speech WebSocket's :data:`~speech.api.VoiceTurnHandler` and the
bridge's :data:`~kiosk_bridge.voice_turn.TurnHandler`, the speech service as the bridge's
transcribe / speak / end-of-speech callables, and the matter store as the pre-fill's
form-field lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from assistant.composition.sessions import RedisSessionStore
from assistant.models import IntentKind, Turn, TurnResult
from assistant.runtime import Runtime
from guardrails.audit import kiosk_actor
from kiosk_bridge.api import FormFieldsLookup
from kiosk_bridge.prefill import CardSource, FormFieldSpec
from kiosk_bridge.service import FailedAuthAudit, KioskBridge, PrefillAudit
from kiosk_bridge.service import build as build_bridge
from kiosk_bridge.voice_turn import (
    Recognition,
    SpokenAudio,
    TurnInput,
    TurnParts,
    TurnReply,
    VoiceTurnRunner,
)
from knowledge.errors import MatterNotFoundError
from speech.api import VoiceTurnHandler
from speech.models import VoiceReply
from speech.service import SpeechService
from speech.service import build as build_speech

_TYPED_INPUT_ACTIONS = frozenset({"open_keyboard", "soft_keyboard"})


@dataclass
class Voice:
    """Speech service and kiosk bridge of one process."""

    speech: SpeechService
    bridge: KioskBridge

    def health_probes(self) -> dict[str, Callable[[], tuple[bool, str]]]:
        """A probe per voice component for ``/health``, each checking only its component."""
        return {"voice.asr": self._asr_probe, "voice.tts": self._tts_probe,
                "kiosk.prefill": self.bridge.prefill_status,
                "kiosk.sessions": self.bridge.sessions.status}

    def _asr_probe(self) -> tuple[bool, str]:
        status = self.speech.recognizer.status()
        return status.available, status.reason or status.engine

    def _tts_probe(self) -> tuple[bool, str]:
        status = self.speech.status()
        return (status.tts.available or status.tts_fallback.available,
                f"{status.tts.engine} → {status.tts_fallback.engine}"
                + ("" if status.tts.available else f" ({status.tts.reason})"))


def build_voice(runtime: Runtime, *, speech: SpeechService | None = None,
                transport: httpx.AsyncBaseTransport | None = None) -> Voice:
    """Build and warm up speech and the bridge; phrase hints are the matters' names."""
    service = speech or build_speech(runtime.settings.speech)
    service.warm_up()
    service.set_hints(matter_phrases(runtime))
    shared = runtime.dialogue if isinstance(runtime.dialogue, RedisSessionStore) else None
    bridge = build_bridge(runtime.settings.kiosk, transport=transport,
                          redis_url=runtime.settings.redis_url,
                          redis_client=shared.client if shared else None,
                          session_ttl_s=runtime.settings.assistant.session_ttl_s)
    bridge.sessions.on_end(lambda session_id, _reason: runtime.dialogue.end(session_id))
    bridge.prefill_audit = prefill_audit(runtime)
    bridge.failed_auth_audit = failed_kiosk_auth_audit(runtime)
    bridge.claim_session = lambda session_id, kiosk_id: runtime.dialogue.claim(session_id,
                                                                               kiosk_id)
    voice = Voice(speech=service, bridge=bridge)
    runtime.health_probes.update(voice.health_probes())
    return voice


def prefill_audit(runtime: Runtime) -> PrefillAudit:
    """The bridge's pre-fill audit hook: one ``kiosk.prefill`` row in the guardrails audit log.

    The actor is the calling terminal (``kiosk:<id>``), the target the matter, the detail the
    outcome (counts or an error code) — never a card or form value (§9.3.3 b, §9.4.1 d).
    """

    def record(kiosk_id: str | None, matter_code: str, outcome: str) -> None:
        runtime.guardrails.audit.record(
            kiosk_actor(kiosk_id), "kiosk.prefill", f"matter:{matter_code}", outcome
        )

    return record


def failed_kiosk_auth_audit(runtime: Runtime) -> FailedAuthAudit:
    """The bridge's failed-credential hook: one ``kiosk.auth.failed`` row in the audit log.

    The actor is an unidentified terminal (``kiosk:anonymous``), the target the route (its
    path template, never ids or a query), the detail the reason — never the token presented
    (§9.2.2 b, §9.3.3 b). Raises what the audit log raises; the bridge logs it and still
    answers 401.
    """

    def record(route: str, reason: str) -> None:
        runtime.guardrails.audit.record(
            kiosk_actor(None), "kiosk.auth.failed", f"route:{route}", reason
        )

    return record


def matter_phrases(runtime: Runtime) -> list[str]:
    """Names, aliases and colloquial names of published matters (recognition hints)."""
    phrases: list[str] = []
    for matter in runtime.store.published():
        phrases += [matter.name, *matter.aliases, *matter.colloquial_names]
    return phrases


def form_fields(runtime: Runtime) -> FormFieldsLookup:
    """Matter code → its form fields as the pre-filler needs them."""

    def lookup(code: str) -> Sequence[FormFieldSpec]:
        # The published catalogue the answers read: never a draft's or a retired matter's form.
        matter = runtime.retriever.matter(code)
        if matter is None:
            raise MatterNotFoundError
        return [FormFieldSpec(key=f.key, label=f.label,
                              source=CardSource(f.id_card_source.value)
                              if f.id_card_source else None)
                for f in matter.form_fields]

    return lookup


async def _run_turn(runtime: Runtime, text: str, session_id: str | None,
                    elderly: bool) -> TurnResult:
    """The pipeline on recognized or typed text (cut to the turn's 500-character limit)."""
    return await runtime.pipeline.run(
        Turn(question=text[:500], session_id=session_id, elderly=elderly))


def _reply(result: TurnResult) -> TurnReply:
    return TurnReply(
        spoken_text=result.answer.spoken_text, screen_text=result.answer.screen_text,
        needs_typed_input=any(a.action in _TYPED_INPUT_ACTIONS for a in result.actions),
        help=result.intent is IntentKind.HELP)


def voice_turn_handler(runtime: Runtime) -> VoiceTurnHandler:
    """The pipeline as the ``WS /v1/voice`` turn handler."""

    async def handle(text: str, session_id: str | None, elderly: bool) -> VoiceReply:
        result = await _run_turn(runtime, text, session_id, elderly)
        return VoiceReply(spoken_text=result.answer.spoken_text,
                          screen_text=result.answer.screen_text,
                          result=result.model_dump(mode="json"))

    return handle


def turn_parts(runtime: Runtime, speech: SpeechService) -> TurnParts:
    """The pipeline and the speech service as the bridge's voice-turn callables."""

    async def transcribe(pcm: bytes, sample_rate_hz: int) -> Recognition:
        transcript = await speech.transcribe_pcm(pcm, sample_rate_hz)
        return Recognition(text=transcript.text, confidence=transcript.confidence)

    async def turn(data: TurnInput) -> TurnReply:
        return _reply(await _run_turn(runtime, data.text, data.session_id, data.elderly))

    async def speak(text: str, elderly: bool) -> SpokenAudio:
        # the bridge speaks only its own prompts and the pipeline's answers
        synthesis = await speech.speak(text, elderly=elderly, cache=True, own_text=True)
        return SpokenAudio(audio=synthesis.audio, media_type=synthesis.media_type)

    return TurnParts(transcribe=transcribe, turn=turn, speak=speak,
                     endpointer=speech.endpoint_detector)


def voice_turn_runner(runtime: Runtime, voice: Voice) -> VoiceTurnRunner:
    """A voice-turn runner over the bridge's device client."""
    return VoiceTurnRunner(voice.bridge.client, turn_parts(runtime, voice.speech),
                           voice.bridge.settings)
