"""What the API knows of each kind of job: its result schema, the files it accepts, how many, and
its steps' names, weights and messages — one light description per kind (``kinds.receipt``…).

Importing a description loads no OCR engine, no model and no LLM client: the API describes kinds
(OpenAPI, the submit checks, the page's forms) without the code that runs them. The worker binds
each step to its code (``pipelines.base.bind``, in ``pipelines.<kind>``), so a step's name,
weight and message are written once, here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class Stage:
    """One step as the clients see it: its name, its weight in the job's progress and the message
    shown while it runs."""

    name: str
    weight: float
    message: str


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of job: what it accepts, what it returns and the steps in between."""

    kind: str
    result_model: type[BaseModel]
    accepts: frozenset[str]
    steps: tuple[Stage, ...]
    max_files: int = 1


ASK_LLM = "ask_llm"


def ask_llm(weight: float) -> Stage:
    """The vision-LLM step (``pipelines.assist``), skipped unless a model is configured."""
    return Stage(ASK_LLM, weight, "Asking the vision-LLM")
