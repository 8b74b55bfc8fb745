"""The domain thesaurus: file validity, index-time expansion, and routing without aliases."""

from __future__ import annotations

import pytest

from knowledge.retrieve import HybridRetriever
from knowledge.thesaurus import BUNDLED_THESAURUS, Thesaurus
from tests.factories import make_content, published


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load()


def _official(code, name, department="市人力资源和社会保障局", **extra):
    """A matter as a real catalogue has it: official name only, no hand-written names."""
    fields = {"aliases": [], "colloquial_names": [], **extra}
    return published(make_content(code, name=name, department=department, **fields))


def test_bundled_file_is_valid_and_versioned(thesaurus):
    assert BUNDLED_THESAURUS.is_file()
    assert thesaurus.version >= 1
    officials = {entry.official for entry in thesaurus.terms}
    for required in ["社会保险", "基本医疗保险", "机动车驾驶证", "居民户口簿", "最低生活保障",
                     "教师资格", "二级建造师"]:
        assert required in officials
    events = " ".join(p for e in thesaurus.life_events for p in e.phrases)
    for phrase in ["生孩子", "去世", "退休", "失业", "搬家", "结婚", "买房"]:
        assert phrase in events


def test_official_terms_bring_their_colloquial_words(thesaurus):
    expansion = thesaurus.expand(_official("TS-0001", "机动车驾驶证补领"))
    assert "驾照" in expansion.terms
    assert "driving licence" in expansion.english
    assert "机动车驾驶证" not in expansion.terms  # already in the name


def test_colloquial_words_do_not_expand_backwards(thesaurus):
    # 改名 in a house-deed alias is not a change of personal name
    matter = _official("TS-0002", "存量房转移登记", aliases=["房产证改名"])
    assert "姓名变更" not in thesaurus.expand(matter).terms


def test_life_events_reach_the_matters_they_bring(thesaurus):
    expansion = thesaurus.expand(_official("TS-0003", "失业保险金申领"))
    assert "丢了工作" in expansion.situations
    assert thesaurus.expand(_official("TS-0004", "出生医学证明签发")).situations
    assert not thesaurus.expand(_official("TS-0005", "烟花爆竹经营许可")).situations


def test_editors_can_extend_the_file(tmp_path):
    path = tmp_path / "thesaurus.yaml"
    path.write_text(
        "version: 2\nterms:\n  - official: 不动产权证书\n    colloquial: [红本]\n",
        encoding="utf-8",
    )
    custom = Thesaurus.load(path)
    assert custom.version == 2
    assert custom.expand(_official("TS-0006", "不动产权证书补发")).terms == ["红本"]


@pytest.fixture(scope="module")
def official_retriever():
    retriever = HybridRetriever(thesaurus=Thesaurus.load())
    retriever.rebuild(_catalogue())
    return retriever


def _catalogue():
    return [
        _official("TS-0101", "社会保障卡补领"),
        _official("TS-0102", "最低生活保障申请", department="区民政局"),
        _official("TS-0103", "机动车驾驶证期满换证", department="市公安局交通警察支队"),
        _official("TS-0104", "失业保险金申领"),
        _official("TS-0105", "教师资格认定", department="区教育局"),
        _official("TS-0106", "普通护照换发", department="市公安局出入境管理支队"),
        _official("TS-0107", "居民户口簿补领", department="区公安分局"),
    ]


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("社保卡丢了怎么办", "TS-0101"),
        ("我想申请低保", "TS-0102"),
        ("驾照到期了", "TS-0103"),
        ("丢了工作能领什么钱", "TS-0104"),
        ("教资怎么认定", "TS-0105"),
        ("How do I renew my passport?", "TS-0106"),
        ("户口本丢了", "TS-0107"),
    ],
)
def test_routes_colloquial_questions_without_aliases(official_retriever, question, code):
    assert official_retriever.search(question, k=1)[0].matter.code == code


def test_without_the_thesaurus_colloquial_words_miss():
    bare = HybridRetriever()
    bare.rebuild(_catalogue())
    hits = bare.search("我想申请低保", k=1)
    assert not hits or hits[0].coverage < 0.35
