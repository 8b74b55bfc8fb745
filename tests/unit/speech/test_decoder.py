"""Tuned overlay model folders (decoder options) and VAD speech bounds."""

import numpy as np
import pytest

from speech.asr import VoskRecognizer
from speech.decoder import DecoderOptions, rewrite_model_conf, tuned_model_dir
from speech.models import AudioClip
from speech.settings import DecoderSettings, SpeechSettings
from speech.vad import VadConfig, cut, speech_bounds

CONF = "--min-active=200\n--max-active=3000\n--beam=10.0\n--lattice-beam=2.0\n" \
       "--frame-subsampling-factor=3\n--endpoint.rule2.min-trailing-silence=0.5\n"


@pytest.fixture
def model(tmp_path):
    folder = tmp_path / "vosk-model-small-cn-0.22"
    for name in ("am", "conf", "graph", "ivector"):
        (folder / name).mkdir(parents=True)
    (folder / "am" / "final.mdl").write_bytes(b"mdl")
    (folder / "graph" / "HCLr.fst").write_bytes(b"hcl")
    (folder / "graph" / "Gr.fst").write_bytes(b"g")
    (folder / "conf" / "mfcc.conf").write_text("--sample-frequency=16000\n")
    (folder / "conf" / "model.conf").write_text(CONF)
    (folder / "README").write_text("Chinese model")
    return folder


def test_rewrite_replaces_only_the_options_set():
    text = rewrite_model_conf(CONF, DecoderOptions(beam=8.0, max_active=2000))
    lines = text.splitlines()
    assert "--beam=8.0" in lines and "--max-active=2000" in lines
    assert "--beam=10.0" not in lines and "--max-active=3000" not in lines
    assert "--lattice-beam=2.0" in lines and "--frame-subsampling-factor=3" in lines
    assert "--endpoint.rule2.min-trailing-silence=0.5" in lines


def test_no_options_loads_the_model_itself(model, tmp_path):
    assert tuned_model_dir(model, DecoderOptions(), tmp_path / "cache") == model
    assert not (tmp_path / "cache").exists()


def test_overlay_links_the_model_and_rewrites_its_conf(model, tmp_path):
    cache = tmp_path / "cache"
    overlay = tuned_model_dir(model, DecoderOptions(beam=8.0, lattice_beam=1.0), cache)
    assert overlay.parent == cache and overlay.name.startswith(model.name + ".")
    assert (overlay / "am").is_symlink() and (overlay / "am" / "final.mdl").read_bytes() == b"mdl"
    assert (overlay / "graph" / "Gr.fst").read_bytes() == b"g"
    assert (overlay / "conf" / "mfcc.conf").is_symlink()
    conf = (overlay / "conf" / "model.conf").read_text()
    assert "--beam=8.0" in conf and "--lattice-beam=1.0" in conf and "--max-active=3000" in conf
    assert (model / "conf" / "model.conf").read_text() == CONF  # the model is never written
    # same options → same folder, reused; other options → another folder
    assert tuned_model_dir(model, DecoderOptions(beam=8.0, lattice_beam=1.0), cache) == overlay
    assert tuned_model_dir(model, DecoderOptions(beam=9.0), cache) != overlay
    assert not [p for p in cache.iterdir() if p.name.startswith(".overlay-")]


def test_overlay_needs_a_v2_model(tmp_path):
    (tmp_path / "old").mkdir()
    with pytest.raises(FileNotFoundError):
        tuned_model_dir(tmp_path / "old", DecoderOptions(beam=8.0), tmp_path / "cache")


def test_decoder_options_are_validated():
    with pytest.raises(ValueError):
        DecoderOptions(beam=0)
    with pytest.raises(ValueError):
        DecoderSettings(max_active=10)
    settings = SpeechSettings(decoder={"beam": 9, "max_active": 2500})
    assert settings.decoder.beam == 9.0 and settings.decoder.reuse_decoders


def test_settings_from_environment(monkeypatch):
    from assistant.settings import load_settings

    monkeypatch.setenv("DAOBAN_SPEECH__DECODER__BEAM", "7.5")
    monkeypatch.setenv("DAOBAN_SPEECH__DECODER__REUSE_DECODERS", "false")
    decoder = load_settings().speech.decoder
    assert decoder.beam == 7.5 and decoder.reuse_decoders is False


def test_unloadable_overlay_keeps_the_recognizer_off_with_a_reason(model, tmp_path):
    # the files are placeholders: vosk refuses them, through the overlay too
    pytest.importorskip("vosk")
    rec = VoskRecognizer(model, decoder=DecoderSettings(beam=8.0,
                                                       overlay_cache_dir=tmp_path / "c"))
    rec.warm_up()
    assert not rec.status().available and "failed to load" in rec.status().reason
    assert rec.loaded_path is None


def _tone(ms: int, amplitude: float) -> bytes:
    rng = np.random.default_rng(ms)
    samples = rng.normal(0, amplitude, 16 * ms) if amplitude else np.zeros(16 * ms)
    return samples.astype("<i2").tobytes()


def test_speech_bounds_span_pauses_inside_the_utterance():
    pcm = _tone(500, 0) + _tone(400, 6000) + _tone(900, 0) + _tone(300, 6000) + _tone(600, 0)
    clip = AudioClip(pcm=pcm, sample_rate_hz=16000)
    bounds = speech_bounds(clip, VadConfig(start_ms=60))
    assert bounds is not None
    start, end = bounds
    assert 400 <= start <= 560 and 2000 <= end <= 2250  # the 900 ms pause does not end it
    assert cut(clip, start, end).duration_ms == pytest.approx(end - start, abs=0.1)
    assert speech_bounds(AudioClip(pcm=_tone(800, 0), sample_rate_hz=16000), VadConfig()) is None
    with pytest.raises(ValueError):
        speech_bounds(AudioClip(pcm=pcm, sample_rate_hz=22050), VadConfig())
