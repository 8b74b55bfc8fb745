"""Errors of the speech package.

::

    SpeechError                          (speech.error, 400)
    ├── AudioError                       (speech.bad_audio, 400)
    │   ├── EmptyAudioError              (speech.empty_audio, 400)
    │   ├── CorruptAudioError            (speech.corrupt_audio, 400)
    │   ├── UnsupportedAudioFormatError  (speech.unsupported_format, 415)
    │   ├── UnsupportedSampleRateError   (speech.unsupported_sample_rate, 422)
    │   └── AudioTooLongError            (speech.audio_too_long, 413)
    ├── BadVoiceMessageError             (speech.bad_message, 400)
    ├── TextError                        (speech.bad_text, 400)
    │   └── TextTooLongError             (speech.text_too_long, 413)
    ├── RecognizerUnavailableError       (speech.asr_unavailable, 503)
    ├── ModelCheckError                  (speech.model_invalid, 422)
    └── SynthesisError                   (speech.tts_failed, 503)

Every error carries ``code`` (machine-readable), ``status`` (HTTP) and ``message_zh`` (shown on
the kiosk). Messages name the rule and the limit, never the audio or the citizen's words.
"""

from __future__ import annotations

from daoban.errors import DaobanError


class SpeechError(DaobanError):
    """Base of the speech package's errors."""

    code = "speech.error"
    status = 400
    message_zh = "语音处理失败"


class AudioError(SpeechError):
    """The audio cannot be used."""

    code = "speech.bad_audio"
    message_zh = "音频无法处理"


class EmptyAudioError(AudioError):
    """No samples, or only silence."""

    code = "speech.empty_audio"
    message_zh = "没有收到声音，请靠近话筒再说一遍"


class CorruptAudioError(AudioError):
    """The bytes are not a readable WAV file or PCM stream."""

    code = "speech.corrupt_audio"
    message_zh = "音频数据损坏，无法识别"


class UnsupportedAudioFormatError(AudioError):
    """Not 16-bit PCM (e.g. 8-bit, float, compressed WAV)."""

    code = "speech.unsupported_format"
    status = 415
    message_zh = "音频格式不支持，请使用16位PCM单声道或WAV"


class UnsupportedSampleRateError(AudioError):
    """The sample rate is outside the accepted range (see :mod:`speech.audio`)."""

    code = "speech.unsupported_sample_rate"
    status = 422
    message_zh = "音频采样率不支持，请使用8000至48000赫兹，推荐16000赫兹"


class AudioTooLongError(AudioError):
    """Longer than the configured maximum duration."""

    code = "speech.audio_too_long"
    status = 413
    message_zh = "语音太长，请简短说明您要办理的事项"


class BadVoiceMessageError(SpeechError):
    """A ``WS /v1/voice`` control frame that is not a JSON object."""

    code = "speech.bad_message"
    message_zh = "语音会话消息格式不正确"


class TextError(SpeechError):
    """The text to synthesize cannot be used."""

    code = "speech.bad_text"
    message_zh = "播报文本无效"


class TextTooLongError(TextError):
    """More characters than the configured maximum for one prompt."""

    code = "speech.text_too_long"
    status = 413
    message_zh = "播报文本过长"


class RecognizerUnavailableError(SpeechError):
    """No speech-recognition model is loaded; the kiosk falls back to the soft keyboard."""

    code = "speech.asr_unavailable"
    status = 503
    message_zh = "语音识别暂不可用，请使用软键盘输入"


class ModelCheckError(SpeechError):
    """A directory is not a usable vosk model."""

    code = "speech.model_invalid"
    status = 422
    message_zh = "语音识别模型目录不可用"


class SynthesisError(SpeechError):
    """Every configured speech synthesizer failed."""

    code = "speech.tts_failed"
    status = 503
    message_zh = "语音播报暂不可用，请查看屏幕文字"
