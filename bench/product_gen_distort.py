"""The distortions of ``product_gen``'s photos: each takes a random source, the photo and a
strength (1 for the dev split, more for the held-back one) and returns the photo spoilt."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter


def _perspective(rng: random.Random, image: Image.Image, amount: float) -> Image.Image:
    w, h = image.size
    jitter = [rng.uniform(0, amount) for _ in range(8)]
    quad = (
        w * jitter[0], h * jitter[1],
        w * jitter[2], h * (1 - jitter[3]),
        w * (1 - jitter[4]), h * (1 - jitter[5]),
        w * (1 - jitter[6]), h * jitter[7],
    )  # fmt: skip
    return image.transform(
        (w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=(128, 128, 128)
    )


def _glare(rng: random.Random, image: Image.Image, strength: float) -> Image.Image:
    w, h = image.size
    mask = Image.new("L", image.size, 0)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    r = rng.uniform(0.08, 0.18) * max(w, h) * strength
    ImageDraw.Draw(mask).ellipse((cx - r, cy - r * 0.6, cx + r, cy + r * 0.6), fill=210)
    mask = mask.filter(ImageFilter.GaussianBlur(r / 3))
    return Image.composite(Image.new("RGB", image.size, (255, 255, 250)), image, mask)


def _shadow(rng: random.Random, image: Image.Image) -> Image.Image:
    ramp = np.linspace(rng.uniform(0.35, 0.6), 1.0, image.width)
    if rng.random() < 0.5:
        ramp = ramp[::-1]
    pixels = np.asarray(image, dtype=np.float32) * ramp[None, :, None]
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def _motion(image: Image.Image, length: int) -> Image.Image:
    """A horizontal smear of ``length`` pixels (a hand moving while the shutter is open)."""
    pixels = np.asarray(image, dtype=np.float32)
    smeared = sum(np.roll(pixels, shift, axis=1) for shift in range(length)) / length
    return Image.fromarray(np.asarray(smeared).clip(0, 255).astype(np.uint8))


def _noise(rng: random.Random, image: Image.Image, s: float) -> Image.Image:
    grain = np.random.default_rng(rng.randint(0, 2**31)).normal(
        0, 10 * s, (image.height, image.width, 1)
    )
    pixels = np.asarray(image, dtype=np.float32) + grain
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def _cut(rng: random.Random, image: Image.Image, s: float) -> Image.Image:
    """The photo's edge cuts into the pack (and sometimes the code) on one side."""
    w, h = image.size
    share = rng.uniform(0.04, 0.12) * s
    box = {
        "left": (round(w * share), 0, w, h),
        "right": (0, 0, round(w * (1 - share)), h),
        "top": (0, round(h * share), w, h),
        "bottom": (0, 0, w, round(h * (1 - share))),
    }[rng.choice(("left", "right", "top", "bottom"))]
    return image.crop(box)


Distortion = Callable[[random.Random, Image.Image, float], Image.Image]
_DISTORTIONS: dict[str, Distortion] = {
    "rotate": lambda rng, im, s: im.rotate(
        rng.uniform(-12, 12) * s,
        expand=True,
        resample=Image.Resampling.BICUBIC,
        fillcolor=(120,) * 3,
    ),
    "turn": lambda rng, im, _s: im.rotate(rng.choice((90, 180, 270)), expand=True),
    "perspective": lambda rng, im, s: _perspective(rng, im, 0.08 * s),
    "blur": lambda rng, im, s: im.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4) * s)),
    "motion": lambda rng, im, _s: _motion(im, rng.randint(3, 7)),
    "contrast": lambda rng, im, s: ImageEnhance.Contrast(im).enhance(
        rng.uniform(0.45, 0.7) / s**0.5
    ),
    "glare": _glare,
    "shadow": lambda rng, im, _s: _shadow(rng, im),
    "noise": _noise,
    "cut": _cut,
}


def distort(rng: random.Random, image: Image.Image, kind: str, s: float) -> Image.Image:
    """``image`` with one distortion; "small" and "jpeg" happen at the end, once."""
    apply = _DISTORTIONS.get(kind)
    return apply(rng, image, s) if apply else image
