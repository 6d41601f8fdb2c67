"""The ``BlobStore`` contract on both stores, a real folder and a real S3-protocol server (moto),
then what only one of them has: files and symlinks, object names, URLs, unreachable endpoints.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from pathlib import Path

import pytest

from foodscan.blobs import BlobStore, LocalBlobStore, blob_store_for, new_key, open_blob_store
from foodscan.blobs.s3 import S3BlobStore, S3Location
from foodscan.errors import NotFound
from foodscan.jobs.job import InputFile
from foodscan.jobs.maintenance import Maintenance
from foodscan.jobs.queue import JobQueue
from foodscan.settings import Settings
from tests.integration.s3_server import S3Server

DAY_S = 86_400.0


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def local_store(root: Path) -> LocalBlobStore:
    return LocalBlobStore(root)


@pytest.fixture
async def s3_store(s3_url: str):
    store = open_blob_store(s3_url, Path("unused"))
    assert isinstance(store, S3BlobStore)
    yield store
    await store.close()


@pytest.fixture(params=["local", "s3"])
def blob_store(request: pytest.FixtureRequest) -> BlobStore:
    """Each contract test runs on both stores."""
    store: BlobStore = request.getfixturevalue(f"{request.param}_store")
    return store


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


# ---- the contract, on both stores -------------------------------------------------------------


async def test_put_get_delete_round_trip(blob_store: BlobStore) -> None:
    key = await blob_store.put(b"\x89PNG receipt bytes", suffix=".png")
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{30}\.png", key)
    assert await blob_store.exists(key)
    assert await blob_store.get(key) == b"\x89PNG receipt bytes"
    await blob_store.delete(key)
    assert not await blob_store.exists(key)
    with pytest.raises(NotFound):
        await blob_store.get(key)


async def test_default_suffix_is_bin_and_keys_are_fresh(blob_store: BlobStore) -> None:
    keys = await asyncio.gather(*(blob_store.put(b"same bytes") for _ in range(20)))
    assert len(set(keys)) == 20
    assert all(key.endswith(".bin") for key in keys)
    assert {await blob_store.get(key) for key in keys} == {b"same bytes"}


async def test_empty_and_binary_blobs_round_trip(blob_store: BlobStore) -> None:
    assert await blob_store.get(await blob_store.put(b"")) == b""
    data = bytes(range(256)) * 4000
    assert await blob_store.get(await blob_store.put(data, suffix=".pdf")) == data


async def test_deleting_a_missing_key_is_fine(blob_store: BlobStore) -> None:
    await blob_store.delete(new_key(".jpg"))
    key = await blob_store.put(b"x")
    await blob_store.delete(key)
    await blob_store.delete(key)


async def test_missing_key_is_not_found(blob_store: BlobStore) -> None:
    with pytest.raises(NotFound):
        await blob_store.get(new_key())
    assert not await blob_store.exists(new_key())


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
async def test_hostile_keys_are_not_found(blob_store: BlobStore, key: str) -> None:
    with pytest.raises(NotFound):
        await blob_store.get(key)
    with pytest.raises(NotFound):
        await blob_store.delete(key)
    assert not await blob_store.exists(key)


@pytest.mark.parametrize("suffix", ["jpg", ".JPEG/..", "../x", ".", ".toolongsuffix", ". png"])
async def test_bad_suffix_is_a_programming_error(blob_store: BlobStore, suffix: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        await blob_store.put(b"x", suffix=suffix)


# ---- the local folder -------------------------------------------------------------------------


async def test_a_local_blob_is_one_file_under_its_key(
    local_store: LocalBlobStore, root: Path
) -> None:
    key = await local_store.put(b"y" * 100_000, suffix=".jpg")
    assert files_under(root) == [root / key]
    await local_store.delete(key)
    assert files_under(root) == []


async def test_a_local_write_never_replaces_a_file_and_leaves_nothing_when_it_fails(
    local_store: LocalBlobStore, root: Path
) -> None:
    # A blob is written once under its fresh key (O_EXCL, no temporary file renamed over it):
    # a key that names a file already is refused, and the file is kept as it was.
    key = await local_store.put(b"first", suffix=".jpg")
    with pytest.raises(FileExistsError):
        await asyncio.to_thread(local_store._write, key, b"second")
    assert await local_store.get(key) == b"first"
    # A write that fails midway (here: data that is not bytes-like) leaves no file behind.
    other = new_key(".jpg")
    with pytest.raises(TypeError):
        await asyncio.to_thread(local_store._write, other, 12345)  # type: ignore[arg-type]
    assert files_under(root) == [root / key]
    # Many writes into one shard make its folder once and leave no temporary files.
    keys = await asyncio.gather(*(local_store.put(bytes([n]) * 1000) for n in range(40)))
    assert files_under(root) == sorted([root / key, *(root / k for k in keys)])


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file beside the store's root, where a path-traversing key would land."""
    path = tmp_path / "secret.bin"
    path.write_bytes(b"do not read")
    return path


async def test_hostile_keys_reach_nothing_outside_the_root(
    local_store: LocalBlobStore, tmp_path: Path, secret: Path
) -> None:
    await local_store.put(b"inside")
    for key in ("../secret.bin", str(secret), "ab/../../secret.bin"):
        with pytest.raises(NotFound):
            await local_store.get(key)
        with pytest.raises(NotFound):
            await local_store.delete(key)
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
    local_store: LocalBlobStore, symlinked_shard: str
) -> None:
    with pytest.raises(NotFound):
        await local_store.get(symlinked_shard)


# ---- the S3 bucket ----------------------------------------------------------------------------


async def test_objects_live_under_the_prefix(
    s3_server: S3Server, s3_url: str, s3_store: S3BlobStore
) -> None:
    key = await s3_store.put(b"receipt", suffix=".jpg")
    assert s3_server.object_names(s3_store.location.bucket) == [f"uploads/{key}"]
    await s3_store.delete(key)
    assert s3_server.object_names(s3_store.location.bucket) == []


async def test_a_store_without_prefix_names_objects_by_key(s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket()
    store = open_blob_store(s3_server.url(bucket, prefix=""), Path("unused"))
    try:
        key = await store.put(b"x")
        assert s3_server.object_names(bucket) == [key]
    finally:
        await store.close()


async def test_two_stores_on_one_url_share_the_blobs(s3_url: str) -> None:
    """An API node writes, a worker on another machine reads: two clients, one bucket."""
    api_side, worker_side = (open_blob_store(s3_url, Path("unused")) for _ in range(2))
    try:
        key = await api_side.put(b"shared", suffix=".pdf")
        assert await worker_side.get(key) == b"shared"
    finally:
        await api_side.close()
        await worker_side.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_an_unreachable_store_raises_oserror() -> None:
    url = (
        f"s3://nowhere/x?endpoint_url=http://127.0.0.1:{_closed_port()}&region=us-east-1"
        "&access_key_id=a&secret_access_key=b"
    )
    store = open_blob_store(url, Path("unused"))
    try:
        with pytest.raises(OSError, match="could not store"):
            await store.put(b"x")
        with pytest.raises(OSError, match="could not read"):
            await store.get(new_key())
    finally:
        await store.close()


def test_the_url_gives_bucket_prefix_endpoint_and_credentials() -> None:
    location = S3Location.parse(
        "s3://my-bucket/a/b/?endpoint_url=http://minio:9000&region=eu-west-1"
        "&access_key_id=AK&secret_access_key=SK&addressing_style=path"
    )
    assert location == S3Location(
        bucket="my-bucket",
        prefix="a/b",
        endpoint_url="http://minio:9000",
        region="eu-west-1",
        access_key_id="AK",
        secret_access_key="SK",  # noqa: S106 - a made-up key
        addressing_style="path",
    )
    assert location.object_name("ab/cd.jpg") == "a/b/ab/cd.jpg"
    assert S3Location.parse("s3://bucket") == S3Location(bucket="bucket")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://", "bucket"),
        ("s3://Bad_Bucket/x", "bucket"),
        ("s3://user:pw@bucket/x", "bucket"),
        ("s3://bucket/x?endpoint=http://x", "unknown"),
        ("s3://bucket/x?access_key_id=only", "both"),
        ("s3://bucket/x?addressing_style=sideways", "addressing_style"),
        ("ftp://bucket/x", "s3:// or file://"),
        ("file://host/x", "file:///"),
    ],
)
def test_a_bad_blob_url_stops_start_up(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_blob_store(url, Path("unused"))


def test_settings_pick_the_store(tmp_path: Path, s3_url: str) -> None:
    assert isinstance(blob_store_for(Settings(data_dir=tmp_path)), LocalBlobStore)
    folder = blob_store_for(Settings(blob_url=f"file://{tmp_path}/elsewhere"))
    assert isinstance(folder, LocalBlobStore)
    assert folder.root == tmp_path / "elsewhere"
    bucket = blob_store_for(Settings(blob_url=s3_url))
    assert isinstance(bucket, S3BlobStore)
    assert s3_url not in repr(Settings(blob_url=s3_url))  # its credentials stay out of logs


# ---- retention on S3, on both engines ---------------------------------------------------------


async def test_purge_deletes_the_s3_objects_of_expired_uploads(
    *, s3_server: S3Server, s3_store: S3BlobStore, job_factory, queue: JobQueue, engine, bus, clock
) -> None:
    settings = Settings(upload_retention_days=1, job_retention_days=30)
    key = await s3_store.put(b"\xff\xd8 old receipt", suffix=".jpg")
    upload = InputFile(blob_key=key, sha256="0" * 64, media_type="image/jpeg", size=16, name="r")
    await job_factory(inputs=[upload])
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.fail(lease, "no_text", "nothing to read")

    maintenance = Maintenance(engine, bus, s3_store, settings)
    assert await maintenance.purge(now=clock.advance(2 * DAY_S)) == (1, 0)

    assert not await s3_store.exists(key)
    assert s3_server.object_names(s3_store.location.bucket) == []
