from knowledge.index.bm25 import Bm25Channel
from tests.factories import make_content, published


def _channel() -> Bm25Channel:
    channel = Bm25Channel("names", lambda m: list(m.names))
    channel.build([published(make_content("TS-0001", name="居住证", aliases=["暂住证"]))])
    return channel


def test_known_share_is_the_share_of_terms_any_matter_has():
    channel = _channel()
    assert channel.known_share(["居住证", "祖房"]) == 0.5
    assert channel.known_share(["居住证"]) == 1.0
    assert channel.known_share(["祖房"]) == 0.0
    assert channel.known_share([]) == 0.0


def test_empty_channel_knows_nothing():
    channel = Bm25Channel("names", lambda m: list(m.names))
    channel.build([])
    assert channel.known_share(["居住证"]) == 0.0
