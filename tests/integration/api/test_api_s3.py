"""The app on an S3-compatible blob store (a real moto server): a submit stores its upload as an
object under the prefix, and a worker in "another process" (its own store, same URL) reads it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel

from foodscan.blobs import open_blob_store
from foodscan.pipelines.base import Context, Pipeline, Step, no_state
from foodscan.serve import build_worker
from tests.integration.api.conftest import ApiFactory
from tests.integration.s3_server import S3Server
from tests.integration.worker.support import eventually


class Digest(BaseModel):
    sha256: str
    size: int


async def _digest(ctx: Context) -> None:
    data = await ctx.blobs.get(ctx.inputs[0]["blob_key"])
    ctx.result = Digest(sha256=hashlib.sha256(data).hexdigest(), size=len(data))


DIGEST = Pipeline(
    kind="receipt",
    result_model=Digest,
    steps=(Step(name="read", weight=1.0, message="reading the upload", run=_digest),),
    accepts=frozenset({"image/jpeg"}),
    new_state=no_state,
    max_files=1,
)


async def test_a_submit_lands_in_the_bucket_and_a_worker_reads_it_back(
    api_factory: ApiFactory, s3_server: S3Server, s3_url: str, receipt_image
) -> None:
    bucket = s3_url.removeprefix("s3://").split("/", 1)[0]
    async with api_factory(blob_url=s3_url) as api:
        response = await api.submit(receipt_image())
        assert response.status_code == 202, response.text
        job_id = response.json()["job_id"]
        assert api.blob_files() == []  # nothing in the local folder
        [name] = s3_server.object_names(bucket)
        assert name.startswith("uploads/")
        assert name.endswith(".jpg")

        worker_blobs = open_blob_store(s3_url, Path("unused"))  # the worker machine's own client
        state = api.app.state
        worker = build_worker(
            state.engine, state.bus, api.settings, worker_blobs, pipelines={"receipt": DIGEST}
        )
        await worker.start()
        try:

            async def finished() -> bool:
                body = (await api.client.get(f"/v1/jobs/{job_id}")).json()
                return body["status"] in {"succeeded", "failed"}

            await eventually(finished)
        finally:
            await worker.stop(grace_s=0)
            await worker_blobs.close()
        job = (await api.client.get(f"/v1/jobs/{job_id}")).json()

    assert job["status"] == "succeeded", job["error"]
    # The worker read, through its own client, exactly the object the API wrote.
    kept = s3_server.read(bucket, name)
    assert job["result"] == {"sha256": hashlib.sha256(kept).hexdigest(), "size": len(kept)}
    assert len(kept) > 0
