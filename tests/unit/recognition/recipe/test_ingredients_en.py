"""English ingredient lines through ingredient-parser-nlp, on the NLTK data foodscan ships,
and proof that nothing is downloaded: a fresh interpreter with sockets blocked, proxies broken
and ``nltk.download`` booby-trapped still parses."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from foodscan.errors import PermanentError
from foodscan.recognition.recipe import ingredients
from foodscan.recognition.recipe.ingredients import NLTK_DATA, TAGGER, TAGGER_FILES, parse_line


@pytest.mark.parametrize(
    ("line", "quantity", "unit", "name"),
    [
        ("2 tbsp olive oil", 2, "tbsp", "olive oil"),
        ("1 1/2 cups arborio rice", 1.5, "cup", "arborio rice"),
        ("½ tsp ground nutmeg", 0.5, "tsp", "ground nutmeg"),
        ("250g pork mince", 250, "g", "pork mince"),
        ("4 Tbs water", 4, "tbsp", "water"),
        ("pinch of salt", 1, "pinch", "salt"),
        ("one third level tsp ground cinnamon", 0.3333, "tsp", "ground cinnamon"),
    ],
)
def test_english_lines_are_split_into_fields(
    line: str, quantity: float, unit: str, name: str
) -> None:
    parsed = parse_line(line, "en")
    assert (parsed.quantity, parsed.unit, parsed.name) == (quantity, unit, name)
    assert 0 < parsed.confidence <= 1
    assert parsed.text == line


def test_ranges_preparation_and_purpose_are_kept_apart() -> None:
    parsed = parse_line("1-2 tbsp olive oil, for frying", "en")
    assert (parsed.quantity, parsed.quantity_max, parsed.unit) == (1, 2, "tbsp")
    assert (parsed.name, parsed.comment) == ("olive oil", "for frying")
    chopped = parse_line("1 onion, finely chopped", "en")
    assert (chopped.name, chopped.preparation) == ("onion", "finely chopped")


def test_the_tagger_data_ships_inside_the_package() -> None:
    folder = NLTK_DATA / TAGGER
    assert sorted(p.name for p in folder.iterdir()) == sorted(TAGGER_FILES)
    assert "MIT" in (NLTK_DATA / "README.md").read_text()


def test_missing_tagger_data_fails_instead_of_downloading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingredients, "NLTK_DATA", tmp_path)
    with pytest.raises(PermanentError, match="bundled NLTK data is incomplete"):
        ingredients.use_bundled_nltk_data()


OFFLINE = textwrap.dedent(
    """
    import json, socket, sys
    attempts = []
    def refuse(*args, **kwargs):
        attempts.append(repr(args))
        raise OSError("network disabled by the test")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    import nltk, nltk.downloader
    def no_download(*args, **kwargs):
        attempts.append("nltk.download" + repr(args))
        raise RuntimeError("nltk.download called")
    nltk.download = nltk.downloader.download = nltk.downloader.Downloader.download = no_download
    from foodscan.recognition.recipe.ingredients import parse_line
    parsed = parse_line("3 cloves garlic, crushed", "en")
    print(json.dumps({"attempts": attempts, "parsed": parsed.model_dump(), "path": nltk.data.path}))
    """
)


def test_english_parsing_works_with_the_network_unavailable(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),  # no ~/nltk_data to fall back on
        "NLTK_DATA": str(tmp_path / "nowhere"),
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "ALL_PROXY": "http://127.0.0.1:9",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", OFFLINE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    assert report["path"][0] == str(NLTK_DATA)
    parsed = report["parsed"]
    assert (parsed["quantity"], parsed["unit"], parsed["name"]) == (3, "clove", "garlic")
    assert "Downloading" not in done.stdout + done.stderr
