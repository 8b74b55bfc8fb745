import pytest

from knowledge.retrieve import HybridRetriever
from tests.factories import make_content, published, sample_matters


@pytest.fixture(scope="module")
def retriever():
    r = HybridRetriever()
    r.rebuild(sample_matters())
    return r


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("身份证丢了怎么补办", "HJ-0004"),
        ("户口签移要带什么", "HJ-0008"),
        ("异地就一备案怎么弄", "YB-0002"),
        ("驾照到期了要换", "CJG-0001"),
        ("How do I replace a lost ID card?", "HJ-0004"),
    ],
)
def test_finds_the_matter(retriever, question, code):
    hits = retriever.search(question, k=3)
    assert code in [h.matter.code for h in hits]


def test_hits_are_sorted_and_explained(retriever):
    hits = retriever.search("身份证丢了怎么补办", k=5)
    assert hits[0].matter.code == "HJ-0004"
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert hits[0].channels.names > 0 and hits[0].channels.pinyin > 0
    assert hits[0].channels.dense is None  # no embedder: the semantic channel is off
    assert hits[0].coverage > 0.5


def test_unrelated_question_has_low_coverage(retriever):
    hits = retriever.search("今天天气怎么样", k=3)
    assert all(h.coverage < 0.35 for h in hits)


def test_rebuild_swaps_in_new_matters():
    r = HybridRetriever()
    assert r.built_at == 0.0  # never built
    r.rebuild([published(make_content("TS-0001", name="测试事项办理"))])
    first = r.built_at
    assert first > 0.0
    assert r.search("测试事项", k=1)[0].matter.code == "TS-0001"
    r.rebuild([])
    assert r.built_at >= first  # a publish's rebuild resets the index age
    assert r.search("测试事项", k=1) == []
    assert r.size == 0


def test_k_must_be_positive(retriever):
    with pytest.raises(ValueError, match="k must be"):
        retriever.search("居住证", k=0)


@pytest.mark.parametrize(
    ("heard", "code"),
    [
        # 租房 heard as 祖房: the words break, the syllables (zu fang) do not
        ("住房公积金祖房提取", "GJJ-0001"),
        # 社保卡补换 heard as 社宝卡哺换: a stray word (多少钱, in another matter's alias)
        # must not outweigh the sound channels that still know the question
        ("社宝卡哺换多少钱", "SB-0004"),
        ("失液等级在哪办理", "JY-0003"),
    ],
)
def test_misrecognized_questions_still_find_the_matter(retriever, heard, code):
    assert retriever.search(heard, k=1)[0].matter.code == code


def test_situations_and_body_have_sound_channels(retriever):
    channels = retriever.search("住房公积金祖房提取", k=1)[0].channels
    assert channels.situations_pinyin > 0 or channels.body_pinyin > 0


def test_numbers_match_as_said():
    r = HybridRetriever()
    r.rebuild(
        [
            published(make_content("TS-0001", name="优待证办理", conditions=["年满60周岁"])),
            published(make_content("TS-0002", name="津贴申领", conditions=["年满80周岁"])),
        ]
    )
    hit = r.search("年满六十周岁", k=1)[0]
    assert hit.matter.code == "TS-0001"
    assert hit.coverage > 0.5


def test_shared_weights_keep_their_sum(retriever):
    from knowledge.retrieve import CHANNEL_WEIGHTS, _shared_weights

    channels = retriever._snapshot.channels
    terms = {c.name: ["祖房", "zu_han"] for c in channels}
    weights = _shared_weights(channels, terms)
    assert sum(weights.values()) == pytest.approx(sum(CHANNEL_WEIGHTS.values()))
    assert weights["pinyin"] > CHANNEL_WEIGHTS["pinyin"]
    assert weights["names"] == 0.0
    nothing = _shared_weights(channels, {c.name: ["∅∅"] for c in channels})
    assert nothing == CHANNEL_WEIGHTS


def test_piece_memo_gives_the_terms_of_the_whole_text():
    from knowledge.retrieve import _body_text, _PieceMemo
    from knowledge.text import ChineseTokenizer, pinyin_keys

    tokenizer = ChineseTokenizer(["居住证"])
    memo = _PieceMemo(tokenizer)
    for matter in sample_matters()[:10]:
        text = _body_text(matter) + " old-age allowance 60周岁"
        assert memo.tokens(text) == tokenizer.tokens(text)
        assert memo.keys(text) == pinyin_keys(text)


def test_an_english_question_reads_its_cosine_on_a_lower_band():
    from knowledge.retrieve import CROSS_LINGUAL_SHIFT, SEMANTIC_HIGH, semantic_match

    assert semantic_match(SEMANTIC_HIGH) == 1.0
    assert semantic_match(SEMANTIC_HIGH - CROSS_LINGUAL_SHIFT) < 1.0
    assert semantic_match(SEMANTIC_HIGH - CROSS_LINGUAL_SHIFT, cross_lingual=True) == 1.0
