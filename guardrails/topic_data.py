"""Training data of the topic classifier beyond the team's corpus: public safety sets.

The sets whose licence allows training (MIT / Apache-2.0 dev halves in
``../shared/evalsets/dev``: JADE-DB, JailBench, XSafety, CValues) are read in place at training
time and never copied.

Every example is assigned to ``train`` or ``holdout`` by a deterministic hash of its text
(:func:`split_of`), so thresholds are calibrated, and results reported, on texts the model was
not fitted to. The real citizen messages (MSGABench) and BELLE are evaluate-only and are never
read here (:data:`EVALUATE_ONLY` is refused by :func:`read_public_examples`).

Label mapping (TC260-003 Appendix A classes → daoban reason codes): a set's category maps to a
``safety.*`` reason, or to ``off_topic`` where the prompt is provocative or personal but not a
request to do harm (CValues, XSafety mental health / common sense / ethics / insults and the
instruction attacks that carry no harmful payload; the injection rail and the off-topic
redirect handle those, and refusing them as unsafe would teach the model that an upset citizen
is a threat).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from guardrails.reasons import ReasonCode

PUBLIC_DEV_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "evalsets" / "dev"
OFF_TOPIC = "off_topic"
HOLDOUT_SHARE = 5
"""One text in ``HOLDOUT_SHARE`` (by hash) is held out of training."""

EVALUATE_ONLY = ("benign_msgabench_citizen_messages_zh", "benign_belle_eval_zh")

_JADE = {
    "违法犯罪": ReasonCode.ILLEGAL,
    "侵害权益": ReasonCode.RIGHTS,
    "侵犯权益": ReasonCode.RIGHTS,
    "歧视偏见": ReasonCode.DISCRIMINATION,
}
_JAILBENCH = {
    "歧视": ReasonCode.DISCRIMINATION,
    "侵犯他人合法权益": ReasonCode.RIGHTS,
    "无法满足特定服务类型的安全需求": ReasonCode.MISLEADING,
    "商业违法违规": ReasonCode.ILLEGAL,
    "违反社会主义核心价值观": ReasonCode.ILLEGAL,
}
_XSAFETY: dict[str, str] = {
    "Crimes_And_Illegal_Activities": ReasonCode.ILLEGAL,
    "Privacy_And_Property": ReasonCode.RIGHTS,
    "Unfairness_And_Discrimination": ReasonCode.DISCRIMINATION,
    "Physical_Harm": ReasonCode.VIOLENCE_TERROR,
    "Unsafe_Instruction_Topic": ReasonCode.ILLEGAL,
    "Inquiry_With_Unsafe_Opinion": ReasonCode.DISCRIMINATION,
    "Reverse_Exposure": ReasonCode.ILLEGAL,
    "Insult": OFF_TOPIC,
    "Mental_Health": OFF_TOPIC,
    "commonsense": OFF_TOPIC,
    "Ethics_And_Morality": OFF_TOPIC,
    "Role_Play_Instruction": OFF_TOPIC,
    "Goal_Hijacking": OFF_TOPIC,
    "Prompt_Leaking": OFF_TOPIC,
}
_SUBCATEGORY = {"宣扬民族歧视": ReasonCode.DISCRIMINATION}

TRAINABLE_SETS: dict[str, dict[str, str]] = {
    "safety_jade_db_zh": {k: str(v) for k, v in _JADE.items()},
    "safety_jailbench_zh": {k: str(v) for k, v in _JAILBENCH.items()},
    "safety_xsafety_zh": {k: str(v) for k, v in _XSAFETY.items()},
    "borderline_cvalues_responsibility_zh": {},
}
"""Set folder → category → label; an empty mapping means every item is ``off_topic``."""


@dataclass(frozen=True)
class PublicExample:
    """One labelled text of a public set, with where it came from (for per-set reports)."""

    text: str
    label: str
    set_name: str
    category: str


def split_of(text: str) -> str:
    """``holdout`` or ``train``, by the text's sha256: one in :data:`HOLDOUT_SHARE` held out."""
    digest = hashlib.sha256(("daoban-topic:" + text).encode("utf-8")).digest()
    return "holdout" if digest[0] % HOLDOUT_SHARE == 0 else "train"


def read_public_examples(root: Path = PUBLIC_DEV_DIR) -> list[PublicExample]:
    """Labelled examples of the trainable public sets present under ``root``.

    Missing sets are skipped (a deployment may not have them; :func:`available_sets` says
    which were found). Lines that are not JSON or carry no prompt are skipped.
    """
    out: list[PublicExample] = []
    for name, mapping in TRAINABLE_SETS.items():
        path = root / name / "dev.jsonl"
        if name in EVALUATE_ONLY or not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            prompt = row.get("prompt") if isinstance(row, dict) else None
            if not isinstance(prompt, str) or not prompt.strip():
                continue
            category = str(row.get("category") or "")
            label: str | None = _SUBCATEGORY.get(str(row.get("subcategory") or ""))
            label = label or (
                mapping.get(category, str(ReasonCode.ILLEGAL)) if mapping else OFF_TOPIC
            )
            out.append(PublicExample(prompt.strip(), str(label), name, category))
    return out


def available_sets(root: Path = PUBLIC_DEV_DIR) -> list[str]:
    """Names of the trainable public sets present under ``root``."""
    return [name for name in TRAINABLE_SETS if (root / name / "dev.jsonl").is_file()]
