"""The later decode paths of a product photo's bars: a cut-out turned a quarter near the
photo's edge, blurred bars read from their deblurred profile, and a short code read once from
the whole photo checked against its bar region. Every image is rendered here."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from foodscan.recognition.products.barcodes import (
    Barcode,
    _checked,
    decode,
    from_profiles,
    from_regions,
)
from foodscan.recognition.products.bars import bar_regions
from foodscan.recognition.products.scanline import deblurred, profiles
from tests.unit.recognition.product_images import barcode_image, on_pack


def _at_right_edge(bars: Image.Image) -> Image.Image:
    """``bars`` turned a quarter (bars lying) 30 pixels from a pack photo's right edge."""
    lying = bars.rotate(90, expand=True)
    photo = Image.new("RGB", (1000, 700), (196, 160, 120))
    photo.paste(lying, (photo.width - lying.width - 30, (photo.height - lying.height) // 2))
    return photo


def test_a_code_turned_a_quarter_at_the_photo_edge_is_cut_out_whole() -> None:
    # Turned upright about its centre, the code reaches past the photo's edge: the cut-out
    # must keep it whole (white beyond the photo) for its bars to be read.
    photo = _at_right_edge(barcode_image("5901234123457", scale=3))
    regions = bar_regions(photo)
    assert regions
    assert decode(regions[0]) == [Barcode("EAN-13", "5901234123457", "image")]


def test_a_blurred_quarter_turned_code_at_the_edge_is_read() -> None:
    bars = barcode_image("5901234123457", scale=3).filter(ImageFilter.GaussianBlur(2.5))
    assert decode(_at_right_edge(bars)) == [Barcode("EAN-13", "5901234123457", "image")]


def test_bars_blurred_grey_are_read_from_their_deblurred_profile_as_upc_a() -> None:
    # One-module bars blurred to grey: no variant of the cut-out reads them, the profile
    # across them, deconvolved, does; a UPC-A stays a UPC-A.
    bars = barcode_image("036000291452", "UPC-A", scale=2).filter(ImageFilter.GaussianBlur(1.6))
    photo = on_pack(bars, size=(900, 700))
    regions = bar_regions(photo)
    assert from_regions(regions) == []
    assert from_profiles(regions) == [Barcode("UPC-A", "036000291452", "image")]
    assert decode(photo) == [Barcode("UPC-A", "036000291452", "image")]


def _smeared(image: Image.Image, length: int) -> Image.Image:
    """A horizontal smear of ``length`` pixels across the bars (a hand moving)."""
    pixels = np.asarray(image, dtype=np.float32)
    smeared = sum(np.roll(pixels, shift, axis=1) for shift in range(length)) / length
    return Image.fromarray(np.asarray(smeared).clip(0, 255).astype(np.uint8))


def test_bars_smeared_by_a_moving_hand_are_read_from_their_profile() -> None:
    photo = on_pack(_smeared(barcode_image("96385074", "EAN-8", scale=2), 4), size=(900, 700))
    regions = bar_regions(photo)
    assert from_regions(regions) == []
    assert from_profiles(regions) == [Barcode("EAN-8", "96385074", "image")]


def test_deblurring_sharpens_a_blurred_edge_and_keeps_its_place() -> None:
    step = np.concatenate([np.full(60, 255.0), np.zeros(60), np.full(60, 255.0)])
    kernel = np.exp(-(np.arange(-12, 13) ** 2) / (2 * 4.0**2))
    blurred = np.convolve(np.pad(step, 12, mode="edge"), kernel / kernel.sum(), "valid")
    sharp = deblurred(blurred, 4.0, 0.001)
    # The dark bar's edges rise over fewer pixels after than before, at the same place.
    assert np.sum((sharp > 40) & (sharp < 215)) < np.sum((blurred > 40) & (blurred < 215))
    assert int(np.argmin(sharp)) in range(60, 120)


def test_no_profile_and_no_code_without_bars() -> None:
    assert profiles(Image.new("RGB", (720, 400), "white")) == []
    noise = np.random.default_rng(7).integers(0, 256, (400, 720), dtype=np.uint8)
    assert from_profiles([Image.fromarray(noise).convert("RGB")]) == []


def test_a_short_code_the_bar_region_does_not_confirm_gives_way_to_the_region() -> None:
    photo = on_pack(barcode_image("01234565", "UPC-E", scale=3), 20.0)
    regions = lambda: bar_regions(photo)  # noqa: E731 - the lazy regions decode is given
    right = Barcode("UPC-E", "01234565", "image")
    misread = Barcode("UPC-E", "01234572", "image")  # another valid UPC-E, as a misread says
    assert _checked([misread], regions) == [right]
    assert _checked([right], regions) == [right]


def test_a_long_code_read_from_the_whole_photo_is_not_rechecked() -> None:
    photo = on_pack(barcode_image("4006381333931", scale=3), 20.0)
    read = [Barcode("EAN-13", "5901234123457", "image")]
    assert _checked(read, lambda: bar_regions(photo)) == read
