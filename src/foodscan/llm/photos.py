"""Images for the vision-LLM: downscaled to a longest side and sent inline as JPEG data URLs.

Blocking (decoding and encoding): run these in the job's CPU runner.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:  # the openai package is the [llm] extra: its types only for mypy
    from openai.types.chat import ChatCompletionContentPartImageParam

JPEG_QUALITY = 85


def data_url(image: Image.Image, max_side: int) -> str:
    """``image`` as a ``data:image/jpeg;base64,…`` URL, its longest side at most ``max_side``."""
    shown = image.convert("RGB")
    if max(shown.size) > max_side:
        shown.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    shown.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_part(url: str) -> ChatCompletionContentPartImageParam:
    """A message part that shows one image (``detail: high``: labels and receipts are small
    print)."""
    return {"type": "image_url", "image_url": {"url": url, "detail": "high"}}
