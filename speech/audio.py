"""Audio formats: WAV and raw PCM in, 16 kHz 16-bit mono PCM out.

Recognition runs on 16 kHz mono 16-bit PCM (the rate of vosk's small models). WAV files at
other rates are resampled with soxr (high quality, band-limited); stereo is averaged to mono.
Accepted input rates are 8,000–48,000 Hz; anything else is refused with a clear error rather
than silently misrecognized.

Example:
    >>> clip = decode_wav(wav_bytes, max_duration_ms=30_000)
    >>> clip.sample_rate_hz
    16000
"""

from __future__ import annotations

import io
import wave

import numpy as np

from speech.errors import (
    AudioTooLongError,
    CorruptAudioError,
    EmptyAudioError,
    UnsupportedAudioFormatError,
    UnsupportedSampleRateError,
)
from speech.models import BYTES_PER_SAMPLE, AudioClip

TARGET_RATE_HZ = 16_000
"""Sample rate of recognition (Hz)."""

MIN_RATE_HZ = 8_000
MAX_RATE_HZ = 48_000
"""Accepted input sample rates (Hz), inclusive."""


def check_rate(sample_rate_hz: int) -> None:
    """Refuse sample rates outside 8,000–48,000 Hz.

    Raises:
        UnsupportedSampleRateError: The rate is out of range.
    """
    if not MIN_RATE_HZ <= sample_rate_hz <= MAX_RATE_HZ:
        raise UnsupportedSampleRateError()


def resample(pcm: bytes, from_hz: int, to_hz: int = TARGET_RATE_HZ) -> bytes:
    """Resample 16-bit mono PCM with soxr.

    Args:
        pcm: Little-endian 16-bit samples.
        from_hz: Input rate (Hz).
        to_hz: Output rate (Hz).

    Returns:
        The resampled PCM (unchanged when the rates are equal).
    """
    if from_hz == to_hz or not pcm:
        return pcm
    import soxr  # optional heavy import kept local: only WAVs at other rates need it

    samples = np.frombuffer(pcm, dtype="<i2")
    out = soxr.resample(samples, from_hz, to_hz)
    return np.asarray(out, dtype="<i2").tobytes()


def _check_duration(clip: AudioClip, max_duration_ms: int | None) -> AudioClip:
    if clip.samples == 0:
        raise EmptyAudioError()
    if max_duration_ms is not None and clip.duration_ms > max_duration_ms:
        raise AudioTooLongError()
    return clip


def pcm_clip(
    pcm: bytes, sample_rate_hz: int, *, max_duration_ms: int | None = None
) -> AudioClip:
    """Accept raw 16-bit mono PCM at ``sample_rate_hz`` and return it at 16 kHz.

    Raises:
        EmptyAudioError: No samples.
        CorruptAudioError: An odd number of bytes (not 16-bit samples).
        UnsupportedSampleRateError: Rate outside 8,000–48,000 Hz.
        AudioTooLongError: Longer than ``max_duration_ms``.
    """
    check_rate(sample_rate_hz)
    if not pcm:
        raise EmptyAudioError()
    if len(pcm) % BYTES_PER_SAMPLE:
        raise CorruptAudioError()
    _check_duration(AudioClip(pcm=pcm, sample_rate_hz=sample_rate_hz), max_duration_ms)
    return AudioClip(pcm=resample(pcm, sample_rate_hz), sample_rate_hz=TARGET_RATE_HZ)


def decode_wav(data: bytes, *, max_duration_ms: int | None = None) -> AudioClip:
    """Read a WAV file (PCM, 16-bit, mono or stereo) and return 16 kHz mono PCM.

    Args:
        data: The file's bytes.
        max_duration_ms: Refuse longer audio (ms); None for no limit.

    Raises:
        EmptyAudioError: No bytes or no frames.
        CorruptAudioError: Not a readable RIFF/WAVE file.
        UnsupportedAudioFormatError: Not 16-bit PCM, or more than two channels.
        UnsupportedSampleRateError: Rate outside 8,000–48,000 Hz.
        AudioTooLongError: Longer than ``max_duration_ms``.
    """
    if not data:
        raise EmptyAudioError()
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except wave.Error as exc:
        message = str(exc)
        if "unknown format" in message:
            raise UnsupportedAudioFormatError() from exc
        raise CorruptAudioError() from exc
    except (EOFError, ValueError, OSError) as exc:
        raise CorruptAudioError() from exc
    if width != BYTES_PER_SAMPLE or channels not in (1, 2):
        raise UnsupportedAudioFormatError()
    check_rate(rate)
    if channels == 2:
        stereo = np.frombuffer(frames[: len(frames) // 4 * 4], dtype="<i2").reshape(-1, 2)
        frames = stereo.mean(axis=1).astype("<i2").tobytes()
    if not frames:
        raise EmptyAudioError()
    _check_duration(AudioClip(pcm=frames, sample_rate_hz=rate), max_duration_ms)
    return AudioClip(pcm=resample(frames, rate), sample_rate_hz=TARGET_RATE_HZ)


def encode_wav(clip: AudioClip) -> bytes:
    """Write a clip as a mono 16-bit PCM WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(BYTES_PER_SAMPLE)
        wav.setframerate(clip.sample_rate_hz)
        wav.writeframes(clip.pcm)
    return buffer.getvalue()
