from assistant.dialogue import DialogueState, SessionStore
from knowledge.models import Aspect


def test_state_round_trip_and_end():
    store = SessionStore(ttl_s=60, max_sessions=10)
    store.put("s1", DialogueState(matter_code="HJ-0004", aspect=Aspect.FEE))
    assert store.get("s1").matter_code == "HJ-0004"
    store.end("s1")
    assert store.get("s1") == DialogueState()


def test_none_session_is_never_stored():
    store = SessionStore(ttl_s=60, max_sessions=10)
    store.put(None, DialogueState(matter_code="HJ-0004"))
    assert len(store) == 0
    assert store.get(None) == DialogueState()


def test_state_expires():
    now = [1000.0]
    store = SessionStore(ttl_s=10, max_sessions=10, clock=lambda: now[0])
    store.put("s1", DialogueState(matter_code="HJ-0004"))
    now[0] += 9
    assert store.get("s1").matter_code == "HJ-0004"
    now[0] += 11
    assert store.get("s1") == DialogueState()
