"""The worker: claims jobs, runs their pipelines, heartbeats, cancels and shuts down gracefully."""

from __future__ import annotations
