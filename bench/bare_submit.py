"""The practical ceiling for ``POST /v1/jobs``: a bare FastAPI endpoint that only writes the
upload to disk, served by uvicorn exactly as ``foodscan serve`` serves foodscan (one process,
the same loop and HTTP parser).

It parses the same multipart form (``kind``, ``file``) with FastAPI's own ``Form``/``File``,
writes the file as foodscan's local blob store does (a temporary file, ``fsync``, rename, in a
thread; ``--no-fsync`` skips the ``fsync``) and answers ``202`` with a job id. No checks, no
database.

    python bench/bare_submit.py --port 8001 --dir /tmp/bare [--no-fsync]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

import uvicorn
from fastapi import FastAPI, File, Form, Response, UploadFile


def build(root: Path, *, fsync: bool) -> FastAPI:
    app = FastAPI()

    def store(key: str, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            if fsync:
                os.fsync(file.fileno())
        os.replace(tmp, root / key)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/jobs", status_code=202)
    async def submit(
        kind: Annotated[str, Form()], file: Annotated[UploadFile, File()], response: Response
    ) -> dict[str, str]:
        data = await file.read()
        job_id = str(uuid.uuid4())
        await asyncio.to_thread(store, f"{job_id}.jpg", data)
        response.headers["Location"] = f"/v1/jobs/{job_id}"
        return {"job_id": job_id, "status": "queued", "kind": kind}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--no-fsync", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    # The same uvicorn call as ``foodscan serve`` (one process, loop and parser on "auto").
    uvicorn.run(
        build(args.dir, fsync=not args.no_fsync),
        host="127.0.0.1",
        port=args.port,
        log_level="info",  # as `foodscan serve`: an access-log line per request
        timeout_graceful_shutdown=15,
    )


if __name__ == "__main__":
    main()
