"""daoban.memory: freed heap pages go back to the system after a rebuild; elsewhere a no-op."""

import sys

import psutil
import pytest

from daoban import memory


@pytest.fixture(autouse=True)
def _fresh_library_lookup():
    memory._glibc.cache_clear()
    yield
    memory._glibc.cache_clear()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_returns_freed_small_blocks_to_the_system():
    process = psutil.Process()
    blocks = [bytearray(512) for _ in range(200_000)]  # ~100 MB of small heap blocks
    keep = blocks[-1]  # the top of the heap stays in use, as after a rebuild
    del blocks
    before = process.memory_info().rss
    assert memory.release_free_memory() is True
    after = process.memory_info().rss
    assert after < before - 20 * 1024 * 1024
    assert len(keep) == 512


def test_is_a_no_op_without_glibc(monkeypatch):
    monkeypatch.setattr("daoban.memory.sys.platform", "darwin")
    assert memory.release_free_memory() is False


def test_is_a_no_op_when_the_c_library_has_no_trim(monkeypatch):
    monkeypatch.setattr("daoban.memory.ctypes.util.find_library", lambda _name: None)
    assert memory.release_free_memory() is False
