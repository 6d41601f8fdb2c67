"""The bars of an upright cut-out as scanline profiles, deblurred.

When a code is blurred until its one-module bars turn grey, no binarizer of the 2-D cut-out
splits them; but the bars run the whole height of the code, so the mean grey level across
them (the profile) is a clean 1-D signal, and the blur is a known shape (a Gaussian, or a
smear along the profile) that Wiener deconvolution undoes up to its noise. Each profile, at a
few blur widths, is drawn back as a short image of upright bars for zxing-cpp to read
(``barcodes.from_profiles`` votes over them). NumPy and Pillow only; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PIL import Image

from foodscan.recognition.products.bars import bar_rows

# Row bands of the bars, as shares of their height: all of them, and each half (perspective
# or a cut tilts the bars, and a band of half the height tilts half as much).
_BANDS = ((0.0, 1.0), (0.1, 0.5), (0.5, 0.9))
# Gaussian blur widths, in pixels of the cut-out (``bars.bar_regions`` scales a code to about
# 720 pixels: 5-10 per module), and the noise-to-signal ratios of the Wiener filter.
_SIGMAS = (1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
_NSR = (0.001, 0.005)  # the profile is a mean of many rows: little noise is left in it
# Smears (a hand moving while the shutter is open), in pixels of the cut-out.
_SMEARS = (6, 9, 12, 16, 20, 26)
_HEIGHT = 48  # rows of the drawn-back bars
_QUIET = 0.15  # white drawn beside the profile, as a share of its length


def profiles(region: Image.Image) -> list[np.ndarray]:
    """The mean grey level across the bars of ``region`` over each of ``_BANDS``, stretched
    to 0-255; none when no bars are found."""
    gray = np.asarray(region.convert("L"), dtype=np.float32)
    rows = bar_rows(gray)
    if rows is None:
        return []
    top, bottom = rows
    out = []
    for start, end in _BANDS:
        band = gray[top + round(start * (bottom - top)) : top + round(end * (bottom - top))]
        if len(band):
            out.append(_stretched(band.mean(axis=0)))
    return out


def _stretched(values: np.ndarray) -> np.ndarray:
    low, high = np.percentile(values, 2), np.percentile(values, 98)
    return np.asarray((values - low) * 255.0 / max(float(high - low), 1.0))


def _transfer(length: int, sigma: float, smear: int) -> np.ndarray:
    """The blur's transfer function over ``length`` samples: a Gaussian of ``sigma`` pixels,
    or (``smear`` > 1) a box ``smear`` pixels long, centred."""
    offsets = np.arange(length)
    offsets = np.minimum(offsets, length - offsets).astype(np.float64)
    if smear > 1:
        kernel = np.zeros(length)
        kernel[:smear] = 1.0
        kernel = np.roll(kernel, -(smear // 2))
    else:
        kernel = np.exp(-(offsets**2) / (2 * sigma**2))
    return np.asarray(np.fft.fft(kernel / kernel.sum()))


def deblurred(profile: np.ndarray, sigma: float, nsr: float, smear: int = 0) -> np.ndarray:
    """``profile`` Wiener-deconvolved of a Gaussian blur of ``sigma`` pixels (or of a smear
    ``smear`` pixels long), stretched.

    The ends are padded with their own values so the transform's wrap-around does not ring
    into the bars."""
    pad = len(profile) // 2
    padded = np.pad(profile, (pad, pad), mode="edge")
    transfer = _transfer(len(padded), sigma, smear)
    inverse = np.conj(transfer) / (np.abs(transfer) ** 2 + nsr)
    sharp = np.real(np.fft.ifft(np.fft.fft(padded) * inverse))[pad : pad + len(profile)]
    return _stretched(sharp)


def drawn(profile: np.ndarray) -> Image.Image:
    """``profile`` drawn as ``_HEIGHT`` rows of upright bars, a white quiet zone each side."""
    quiet = np.full(round(_QUIET * len(profile)), 255.0)
    row = np.concatenate([quiet, profile, quiet]).clip(0, 255).astype(np.uint8)
    return Image.fromarray(np.repeat(row[None, :], _HEIGHT, axis=0))


def deblurred_images(region: Image.Image) -> Iterator[Image.Image]:
    """``region``'s profiles deblurred at each width and noise ratio, drawn as bars."""
    for profile in profiles(region):
        for sigma in _SIGMAS:
            for nsr in _NSR:
                yield drawn(deblurred(profile, sigma, nsr))
        for smear in _SMEARS:
            yield drawn(deblurred(profile, 0.0, _NSR[-1], smear))
