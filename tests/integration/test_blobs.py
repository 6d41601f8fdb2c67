"""LocalBlobStore on a real directory: round trips, atomic writes, hostile keys refused."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from foodscan.blobs import BlobStore, LocalBlobStore, new_key
from foodscan.errors import NotFound


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def blob_store(root: Path) -> LocalBlobStore:
    return LocalBlobStore(root)


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


async def test_put_get_delete_round_trip(blob_store: LocalBlobStore, root: Path) -> None:
    key = await blob_store.put(b"\x89PNG receipt bytes", suffix=".png")
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{30}\.png", key)
    assert await blob_store.exists(key)
    assert await blob_store.get(key) == b"\x89PNG receipt bytes"
    assert files_under(root) == [root / key]
    await blob_store.delete(key)
    assert not await blob_store.exists(key)
    assert files_under(root) == []
    with pytest.raises(NotFound):
        await blob_store.get(key)


async def test_default_suffix_is_bin_and_keys_are_fresh(blob_store: LocalBlobStore) -> None:
    keys = await asyncio.gather(*(blob_store.put(b"same bytes") for _ in range(20)))
    assert len(set(keys)) == 20
    assert all(key.endswith(".bin") for key in keys)
    assert {await blob_store.get(key) for key in keys} == {b"same bytes"}


async def test_empty_blob_round_trips(blob_store: LocalBlobStore) -> None:
    assert await blob_store.get(await blob_store.put(b"")) == b""


async def test_deleting_a_missing_key_is_fine(blob_store: LocalBlobStore) -> None:
    await blob_store.delete(new_key(".jpg"))
    key = await blob_store.put(b"x")
    await blob_store.delete(key)
    await blob_store.delete(key)


async def test_missing_key_is_not_found(blob_store: LocalBlobStore) -> None:
    with pytest.raises(NotFound):
        await blob_store.get(new_key())


async def test_store_satisfies_the_protocol(blob_store: LocalBlobStore) -> None:
    blobs: BlobStore = blob_store
    assert await blobs.get(await blobs.put(b"abc", suffix=".pdf")) == b"abc"


async def test_nothing_but_the_blob_is_left_after_put(
    blob_store: LocalBlobStore, root: Path
) -> None:
    key = await blob_store.put(b"y" * 100_000, suffix=".jpg")
    assert [p.name for p in files_under(root)] == [key.split("/")[1]]


HOSTILE = [
    "",
    "..",
    "../../etc/passwd",
    "/etc/passwd",
    "ab/../../../etc/passwd",
    "ab/cdef",
    "ab//" + "0" * 30 + ".bin",
    "AB/" + "0" * 30 + ".bin",
    "ab/" + "0" * 30 + ".bin/..",
    "ab\\" + "0" * 30 + ".bin",
    "ab/" + "0" * 30 + ".bin\n",
    "ab/" + "0" * 30 + ".bin\x00.png",
    "ab/cd/" + "0" * 27 + ".bin",
    "ab/" + "0" * 30 + ".b/n",
    "ab/" + "0" * 30,
    "ab/" + "0" * 30 + "..",
    "~/" + "0" * 30 + ".bin",
]


@pytest.mark.parametrize("key", HOSTILE)
async def test_hostile_keys_are_not_found(blob_store: LocalBlobStore, root: Path, key: str) -> None:
    with pytest.raises(NotFound):
        await blob_store.get(key)
    with pytest.raises(NotFound):
        await blob_store.delete(key)
    assert not await blob_store.exists(key)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file beside the store's root, where a path-traversing key would land."""
    path = tmp_path / "secret.bin"
    path.write_bytes(b"do not read")
    return path


async def test_hostile_keys_reach_nothing_outside_the_root(
    blob_store: LocalBlobStore, tmp_path: Path, secret: Path
) -> None:
    await blob_store.put(b"inside")
    for key in ("../secret.bin", str(secret), "ab/../../secret.bin"):
        with pytest.raises(NotFound):
            await blob_store.get(key)
        with pytest.raises(NotFound):
            await blob_store.delete(key)
    assert [p.relative_to(tmp_path).parts[0] for p in files_under(tmp_path)] == [
        "blobs",
        "secret.bin",
    ]


@pytest.fixture
def symlinked_shard(tmp_path: Path, root: Path) -> str:
    """A shard directory that is a symlink to a directory outside the root; its blob's key."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ("0" * 30 + ".bin")).write_bytes(b"outside")
    root.mkdir(parents=True)
    os.symlink(outside, root / "ab")
    return "ab/" + "0" * 30 + ".bin"


async def test_a_shard_swapped_for_a_symlink_is_refused(
    blob_store: LocalBlobStore, symlinked_shard: str
) -> None:
    with pytest.raises(NotFound):
        await blob_store.get(symlinked_shard)


@pytest.mark.parametrize("suffix", ["jpg", ".JPEG/..", "../x", ".", ".toolongsuffix", ". png"])
async def test_bad_suffix_is_a_programming_error(blob_store: LocalBlobStore, suffix: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        await blob_store.put(b"x", suffix=suffix)
