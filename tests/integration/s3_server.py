"""A real S3-protocol server for the tests: moto's server mode on a free loopback port.

It speaks S3 over HTTP like MinIO or AWS would; the stores under test reach it only through
``FOODSCAN_BLOB_URL``-style URLs, with credentials in the URL (nothing read from ``AWS_*``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
ACCESS = "test-access-key"
SECRET = "test-secret-key"  # noqa: S105 - moto accepts any credentials


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self) -> object:
        """A plain boto3 client, to look at the bucket past the store under test."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS,
            aws_secret_access_key=SECRET,
        )

    def new_bucket(self) -> str:
        name = f"foodscan-{uuid.uuid4().hex[:12]}"
        client = self.client()
        client.create_bucket(Bucket=name)  # type: ignore[attr-defined]  # a boto3 client
        client.close()  # type: ignore[attr-defined]  # a boto3 client
        return name

    def url(self, bucket: str, prefix: str = "uploads") -> str:
        """The ``FOODSCAN_BLOB_URL`` of ``bucket``/``prefix`` on this server."""
        return (
            f"s3://{bucket}/{prefix}?endpoint_url={self.endpoint}&region={REGION}"
            f"&access_key_id={ACCESS}&secret_access_key={SECRET}"
        )

    def read(self, bucket: str, name: str) -> bytes:
        client = self.client()
        try:
            body = client.get_object(Bucket=bucket, Key=name)["Body"]  # type: ignore[attr-defined]  # boto3
            data: bytes = body.read()
        finally:
            client.close()  # type: ignore[attr-defined]  # a boto3 client
        return data

    def object_names(self, bucket: str) -> list[str]:
        client = self.client()
        try:
            found = client.list_objects_v2(Bucket=bucket)  # type: ignore[attr-defined]  # boto3
        finally:
            client.close()  # type: ignore[attr-defined]  # a boto3 client
        return sorted(item["Key"] for item in found.get("Contents", []))


@contextmanager
def running_s3() -> Iterator[S3Server]:
    """Start the server on a free port; stop it on exit."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
