"""The bench's passage vectors kept between runs, and its warm-up kept apart from timed turns."""

import numpy as np
import pytest

from assistant.database import create_db_engine, make_sessionmaker, migrate
from evals.bench.turn import summarize, warmup_questions
from evals.bench.vectors import keep_vectors, seed_vectors
from knowledge.vectors import MatterVectorCache, text_hash

MODEL = "hashing:4"


def _database(path):
    url = f"sqlite:///{path}"
    engine = create_db_engine(url)
    migrate(engine)
    return url, engine


def _vector(*values):
    return np.asarray(values, dtype=np.float32)


def test_vectors_survive_from_one_temporary_database_to_the_next(tmp_path):
    cache_file = tmp_path / "cache" / "vectors.db"
    first_url, first = _database(tmp_path / "first.db")
    passage = text_hash("居民身份证换领。实施机构：公安局")
    MatterVectorCache(make_sessionmaker(first)).save(MODEL, {passage: _vector(1, 0, 0, 0)})
    first.dispose()

    assert keep_vectors(first_url, cache_file) == 1
    assert keep_vectors(first_url, cache_file) == 0  # already kept

    second_url, second = _database(tmp_path / "second.db")
    assert seed_vectors(second_url, cache_file) == 1
    found = MatterVectorCache(make_sessionmaker(second)).load(MODEL, [passage, "absent"])
    second.dispose()
    assert list(found) == [passage]
    np.testing.assert_array_equal(found[passage], _vector(1, 0, 0, 0))


def test_seeding_keeps_the_rows_a_database_already_has(tmp_path):
    cache_file = tmp_path / "vectors.db"
    url, engine = _database(tmp_path / "a.db")
    key = text_hash("护照换发")
    MatterVectorCache(make_sessionmaker(engine)).save(MODEL, {key: _vector(0, 1, 0, 0)})
    keep_vectors(url, cache_file)
    other_url, other = _database(tmp_path / "b.db")
    MatterVectorCache(make_sessionmaker(other)).save(MODEL, {key: _vector(0, 0, 1, 0)})

    assert seed_vectors(other_url, cache_file) == 0
    found = MatterVectorCache(make_sessionmaker(other)).load(MODEL, [key])
    engine.dispose()
    other.dispose()
    np.testing.assert_array_equal(found[key], _vector(0, 0, 1, 0))


def test_an_empty_cache_file_is_created_and_seeds_nothing(tmp_path):
    url, engine = _database(tmp_path / "a.db")
    engine.dispose()
    cache_file = tmp_path / "new" / "vectors.db"
    assert seed_vectors(url, cache_file) == 0
    assert cache_file.is_file()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "postgresql://h/db"])
def test_only_file_backed_sqlite_is_copied(tmp_path, url):
    with pytest.raises(ValueError, match="SQLite files"):
        seed_vectors(url, tmp_path / "vectors.db")


def test_warm_up_never_asks_a_timed_question():
    timed = ["护照过期了怎么办", "身份证丢了"]
    pool = ["身份证丢了", "社保怎么转", "社保怎么转", "公积金提取", "护照过期了怎么办"]
    assert warmup_questions(pool, timed, 5) == ["社保怎么转", "公积金提取"]
    assert warmup_questions(pool, timed, 1) == ["社保怎么转"]


def test_summary_keeps_cpu_percentiles_beside_wall_time():
    summary = summarize([10.0, 20.0, 30.0], [5.0, 6.0, 7.0])
    assert summary.p50_ms == 20.0
    assert summary.cpu_p50_ms == 6.0
    assert summary.cpu_p95_ms is not None and 6.0 < summary.cpu_p95_ms <= 7.0
    assert summarize([1.0]).cpu_p95_ms is None
