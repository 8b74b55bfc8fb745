import io
import wave

import numpy as np
import pytest

from speech.audio import decode_wav, encode_wav, pcm_clip
from speech.errors import (
    AudioTooLongError,
    CorruptAudioError,
    EmptyAudioError,
    UnsupportedAudioFormatError,
    UnsupportedSampleRateError,
)
from speech.models import AudioClip


def wav(rate=16000, seconds=0.5, channels=1, width=2):
    samples = (np.sin(np.arange(int(rate * seconds)) / 5) * 8000).astype("<i2")
    if channels == 2:
        samples = np.repeat(samples, 2)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes() if width == 2 else bytes(len(samples)))
    return buffer.getvalue()


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_wav_at_any_accepted_rate_becomes_16k(rate):
    clip = decode_wav(wav(rate))
    assert clip.sample_rate_hz == 16000
    assert clip.duration_ms == pytest.approx(500, abs=2)


def test_stereo_is_mixed_down():
    assert decode_wav(wav(channels=2)).duration_ms == pytest.approx(500, abs=2)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyAudioError),
        (b"RIFF....WAVEfmt garbage", CorruptAudioError),
        (b"\x00\x01" * 100, CorruptAudioError),
        (wav(rate=96000), UnsupportedSampleRateError),
        (wav(rate=4000), UnsupportedSampleRateError),
        (wav(width=1), UnsupportedAudioFormatError),
        (wav(seconds=0), EmptyAudioError),
    ],
)
def test_bad_wavs_are_refused_with_a_code(data, error):
    with pytest.raises(error) as exc:
        decode_wav(data)
    assert exc.value.code.startswith("speech.") and exc.value.message_zh


def test_too_long_is_refused():
    with pytest.raises(AudioTooLongError):
        decode_wav(wav(seconds=2), max_duration_ms=1000)


def test_raw_pcm_odd_length_and_rates():
    with pytest.raises(CorruptAudioError):
        pcm_clip(b"\x00\x00\x00", 16000)
    with pytest.raises(UnsupportedSampleRateError):
        pcm_clip(b"\x00\x00", 1000)
    assert pcm_clip(b"\x00\x00" * 8000, 8000).samples == 16000


def test_encode_round_trip():
    clip = AudioClip(pcm=b"\x01\x00" * 1600, sample_rate_hz=16000)
    assert decode_wav(encode_wav(clip)).pcm == clip.pcm
