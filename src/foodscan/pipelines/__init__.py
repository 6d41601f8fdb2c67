"""Pipelines: for each kind of job, a result schema and an ordered list of named, weighted steps."""

from __future__ import annotations
