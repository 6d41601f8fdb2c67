"""foodscan serve as a real process: a recipe file submitted, followed over SSE to its result."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.server import Server
from tests.e2e.sse_client import frames

pytestmark = pytest.mark.slow

RECIPE = """# Mizeria

Porcje: 4

## Składniki
- 600 g ogórków
- 1 łyżeczka soli
- 1 i 1/2 szklanki śmietany

## Przygotowanie
1. Ogórki pokroić w plasterki.
2. Wymieszać ze śmietaną.
"""


def test_a_markdown_recipe_is_read_and_streamed_to_the_end(server: Server) -> None:
    response = httpx.post(
        f"{server.url}/v1/jobs",
        data={"kind": "recipe"},
        files={"file": ("mizeria.md", RECIPE.encode(), "text/markdown")},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]

    with httpx.stream("GET", f"{server.url}/v1/jobs/{job_id}/events", timeout=120) as stream:
        events = [frame.data for frame in frames(stream)]

    types = [e["type"] for e in events]
    assert types[:2] == ["job.queued", "job.started"]
    assert types[-1] == "job.succeeded", events[-1]
    steps = list(dict.fromkeys(e["step"] for e in events if e["type"] == "job.progress"))
    assert steps == ["validate", "read", "ocr", "parse", "enrich", "save"]
    result = events[-1]["result"]
    assert (result["title"], result["servings"], result["language"]) == ("Mizeria", 4, "pl")
    assert [(i["quantity"], i["unit"], i["name"]) for i in result["ingredients"]] == [
        (600, "g", "ogórków"),
        (1, "tsp", "soli"),
        (1.5, "cup", "śmietany"),
    ]
    assert result["steps"] == ["Ogórki pokroić w plasterki.", "Wymieszać ze śmietaną."]
    job = httpx.get(f"{server.url}/v1/jobs/{job_id}", timeout=10).json()
    assert job["inputs"][0]["media_type"] == "text/plain"
    assert job["result"] == result
