"""``daoban eval asr-set --part``: the tune and held-out halves of a speech set never overlap."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from evals.asr_set import read_asr_set
from evals.cli import app

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng not installed")

QUESTIONS = ["护照怎么办", "居住证怎么办", "身份证丢了", "结婚登记", "社保卡补办", "公积金提取"]


def test_tune_and_holdout_are_the_even_and_odd_questions(tmp_path):
    source = tmp_path / "questions.jsonl"
    source.write_text("".join(json.dumps({"question": q, "matter_code": f"M-{i}"},
                                         ensure_ascii=False) + "\n"
                              for i, q in enumerate(QUESTIONS)), encoding="utf-8")
    texts = {}
    for part in ("tune", "holdout", "all"):
        result = CliRunner().invoke(app, [
            "asr-set", "--out", str(tmp_path / part), "--voice", "cmn-latn-pinyin",
            "--questions", str(source), "--limit", "6", "--part", part])
        assert result.exit_code == 0, result.output
        texts[part] = [c.text for c in read_asr_set(tmp_path / part)]
    assert texts["tune"] == QUESTIONS[0::2]
    assert texts["holdout"] == QUESTIONS[1::2]
    assert texts["all"] == QUESTIONS
    bad = CliRunner().invoke(app, ["asr-set", "--out", str(tmp_path / "x"), "--part", "test"])
    assert bad.exit_code == 2
