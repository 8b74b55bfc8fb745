"""The daoban command line: ask, kb import/export/list, eval routing — on real SQLite."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from guardrails.models import AI_LABEL
from knowledge.importers import BUNDLED_SAMPLES_DIR as SAMPLES
from tests.factories import make_content

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("DAOBAN_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def test_ask_json_has_the_documented_shape(cli):
    result = cli("ask", "--json", "身份证丢了怎么补办")
    assert result.exit_code == 0
    body = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ["intent", "refused", "reason_code", "answer", "sources", "routes", "follow_ups",
                "latency_ms"]:
        assert key in body
    assert body["answer"]["label"] == AI_LABEL
    assert body["routes"][0]["matter_code"] == "HJ-0004"
    assert set(body["sources"][0]) == {"matter_code", "matter_name", "section"}


def test_ask_batch_prints_one_object_per_question_in_order(cli, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"question": "户口签移要带什么"}\n\n居住证申领要多久\n{"question": "今天天气怎么样"}\n',
        encoding="utf-8",
    )
    result = cli("ask", "--json", "--batch", str(batch))
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert len(lines) == 3
    assert lines[0]["routes"][0]["matter_code"] == "HJ-0008"
    assert lines[1]["aspect"] == "time_limit"
    assert lines[2]["routes"] == []


def test_ask_plain_output_shows_answer_and_source(cli):
    result = cli("ask", "户口签移要带什么")
    assert result.exit_code == 0
    # the answer is the command's output: on stdout, where a script captures it
    assert "来源" in result.stdout and "HJ-0008" in result.stdout
    assert "来源" not in result.stderr


def test_ask_needs_exactly_one_input(cli):
    assert cli("ask").exit_code != 0


def test_kb_import_list_export(cli, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([make_content("TS-0001").model_dump(mode="json")],
                               ensure_ascii=False))
    result = cli("kb", "import", str(good), "--editor", "ed1")
    assert result.exit_code == 0, result.output
    listing = cli("kb", "list")
    assert "TS-0001" in listing.stdout
    exported = cli("kb", "export", "--format", "json")
    codes = [m["code"] for m in json.loads(exported.stdout)]
    # Importing does not load the sample matters as a side effect (issue 10).
    assert codes == ["TS-0001"]


def test_kb_import_of_a_bad_file_lists_errors_and_writes_nothing(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    items = [
        make_content("TS-0002").model_dump(mode="json"),
        {**make_content("TS-0003").model_dump(mode="json"), "conditions": [" "]},
    ]
    bad.write_text(json.dumps(items, ensure_ascii=False))
    result = cli("kb", "import", str(bad))
    assert result.exit_code == 1
    assert "TS-0003" in result.output and "conditions" in result.output
    assert "TS-0002" not in cli("kb", "list").stdout


def test_eval_routing_writes_reports(cli, tmp_path):
    cases = tmp_path / "set.jsonl"
    cases.write_text(
        "\n".join(
            json.dumps({"question": q, "matter_code": c, "category": "plain"}, ensure_ascii=False)
            for q, c in [("身份证丢了怎么补办", "HJ-0004"), ("户口签移要带什么", "HJ-0008")]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    result = cli("eval", "routing", "--catalogue", str(SAMPLES), "--set", str(cases),
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads((out / "routing.json").read_text(encoding="utf-8"))
    assert report["overall"]["top1"] == 1.0
    assert "| **overall** |" in (out / "routing.md").read_text(encoding="utf-8")


def test_eval_routing_reports_missed_questions_without_personal_data(cli, tmp_path):
    """A set taken from real kiosk questions: the missed one is listed redacted only."""
    id_number, phone = "11010519491231002X", "13912345678"
    question = f"我叫张伟，身份证{id_number}，电话{phone}，户口签移要带什么"
    cases = tmp_path / "set.jsonl"
    cases.write_text(
        json.dumps({"question": question, "matter_code": "NO-0000", "category": "plain"},
                   ensure_ascii=False),
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "reports"
    result = cli("eval", "routing", "--set", str(cases), "--out", str(out))
    assert result.exit_code == 0, result.output
    written = (out / "routing.json").read_text(encoding="utf-8")
    written += (out / "routing.md").read_text(encoding="utf-8") + result.output
    assert "NO-0000" in written and "[身份证号]" in written  # the miss is listed
    for value in (id_number, phone, "张伟"):
        assert value not in written


@pytest.mark.parametrize(
    "command",
    [["--help"], ["serve", "--help"], ["ask", "--help"], ["kb", "import", "--help"],
     ["kb", "export", "--help"], ["kb", "list", "--help"], ["eval", "routing", "--help"],
     ["bench", "--help"]],
)
def test_readme_commands_have_help(cli, command):
    assert cli(*command).exit_code == 0
