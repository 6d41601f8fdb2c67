"""Product photos made from nothing, for a products benchmark the code was not tuned on.

Each photo is a pack: a brand in large print (a brand of foodscan's taxonomy, or an invented
one), a product name in English, Polish or Russian, a net quantity, small print, and a real
barcode (EAN-13, EAN-8, UPC-A or UPC-E, zxing-cpp's own writer) with its digits printed under
the bars; then photographed badly: rotated, perspective-warped, blurred, small, partly cut, low
in contrast, with glare or a shadow, JPEG-compressed.

Two splits that share nothing but the drawing code: **dev** (seeds from 1000, the taxonomy's
even-numbered brands, its own invented brands, Sans fonts, mild distortions) for development,
and **held** (seeds from 9000, the odd-numbered brands, other invented brands, Serif and
Condensed fonts, stronger and other distortions: perspective, 90° turns, motion blur, noise,
shadow) scored untouched. ``python bench/product_gen.py held --count 40 --out DIR`` writes the
photos and ``labels.csv`` to look at; ``bench/eval_products.py --gen dev --gen held`` scores
them in memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from io import BytesIO
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont
from product_gen_distort import distort

from foodscan.recognition.taxonomy.categories import load_taxonomy

FONTS = Path("/usr/share/fonts/truetype/dejavu")
_WRITERS = {
    "EAN-13": zxingcpp.BarcodeFormat.EAN13,
    "EAN-8": zxingcpp.BarcodeFormat.EAN8,
    "UPC-A": zxingcpp.BarcodeFormat.UPCA,
    "UPC-E": zxingcpp.BarcodeFormat.UPCE,
}
# Categories a pack can be of, with the words a pack says after the category's own name.
_PACKED = {
    "milk": ("2% fat", "UHT", "fresh", "1.5%"),
    "yoghurt": ("natural", "strawberry", "greek style", "vanilla"),
    "juice": ("orange", "apple", "100%", "not from concentrate"),
    "coffee": ("ground", "medium roast", "beans"),
    "tea": ("black", "green", "earl grey"),
    "pasta": ("spaghetti", "penne", "durum wheat"),
    "sauce": ("tomato", "classic", "hot"),
    "sweets": ("milk chocolate", "hazelnut", "dark"),
    "cheese": ("gouda", "sliced", "mild"),
    "butter": ("salted", "unsalted"),
    "cereal": ("crunchy", "honey", "whole grain"),
    "soft_drink": ("zero", "classic", "lemon"),
    "bread": ("rye", "whole wheat", "sliced"),
    "oat_milk": ("barista", "original", "organic"),
    "sour_cream": ("18%", "12%"),
    "water": ("still", "sparkling"),
}
_QUANTITIES = ("1 L", "500 ml", "0,5 l", "250 g", "400 g", "1 kg", "330 ml", "150 g", "750 ml")
_SMALL = (
    "Best before: see top",
    "Store in a cool dry place",
    "Ingredients: see back",
    "Przechowywać w suchym miejscu",
    "Nutrition per 100 g",
    "Produced in the EU",
)


@dataclass(frozen=True, slots=True)
class Split:
    """What one split draws from: seeds, brands, fonts and distortions."""

    name: str
    seed: int
    brand_parity: int
    unknown: tuple[str, ...]
    fonts: tuple[str, ...]
    distortions: tuple[str, ...]
    strength: float
    width: tuple[int, int]  # the photo's final width in pixels, low to high


SPLITS = {
    "dev": Split(
        "dev",
        1000,
        0,
        ("Nordgaard", "Milvena", "Kasprowa", "Sunfield", "Brightvale", "Zielony Dwór"),
        ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSansMono-Bold.ttf"),
        ("rotate", "blur", "small", "contrast", "glare", "cut", "jpeg"),
        1.0,
        (700, 1200),
    ),
    "held": Split(
        "held",
        9000,
        1,
        ("Havbris", "Orlenka", "Goldhill", "Mazurska", "Tavelio", "Smakowita"),
        ("DejaVuSerif-Bold.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSerifCondensed.ttf"),
        (
            "rotate",
            "perspective",
            "turn",
            "motion",
            "blur",
            "small",
            "contrast",
            "glare",
            "shadow",
            "noise",
            "cut",
            "jpeg",
        ),
        1.6,
        (480, 900),
    ),
}


@dataclass(frozen=True, slots=True)
class Sample:
    """One photo's truth: its code (as foodscan should report it), brand and category."""

    file: str
    split: str
    format: str
    code: str
    brand: str  # the brand foodscan should report: the taxonomy's name, or the printed one
    known: bool  # whether the brand is in the taxonomy
    printed_brand: str
    category: str
    lang: str
    distortions: tuple[str, ...] = field(default=())


def _check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def _upce_expanded(code: str) -> str:
    """The UPC-A body (11 digits) of an 8-digit UPC-E code."""
    system, d, last = code[0], code[1:7], code[6]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return system + body


def random_code(rng: random.Random, fmt: str) -> str:
    """A valid code of ``fmt``: the digits as the symbology prints them."""
    if fmt == "EAN-13":
        body = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(11))
        return body + _check_digit(body)
    if fmt == "EAN-8":
        body = "".join(rng.choice("0123456789") for _ in range(7))
        return body + _check_digit(body)
    if fmt == "UPC-A":
        body = "0" + "".join(rng.choice("0123456789") for _ in range(10))
        return body + _check_digit(body)
    while True:  # not every six digits are a zero-suppressed UPC-A
        six = "".join(rng.choice("0123456789") for _ in range(6))
        code = "0" + six + _check_digit(_upce_expanded("0" + six + "0"))
        try:
            zxingcpp.create_barcode(code, _WRITERS["UPC-E"])
        except ValueError:
            continue
        return code


def _barcode(code: str, fmt: str, scale: int) -> Image.Image:
    bars = zxingcpp.create_barcode(code, _WRITERS[fmt]).to_image(scale=scale, add_hrt=True)
    return Image.fromarray(np.asarray(bars)).convert("RGB")


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


def _fit(
    draw: ImageDraw.ImageDraw, text: str, font: str, size: int, width: int
) -> ImageFont.FreeTypeFont:
    while size > 16 and draw.textlength(text, font=_font(font, size)) > width:
        size -= 4
    return _font(font, size)


def _pack(
    rng: random.Random, split: Split, brand: str, name: str, bars: Image.Image
) -> Image.Image:
    """The pack's face: brand, name, quantity, small print and the barcode box."""
    width, height = rng.randint(760, 1000), rng.randint(620, 820)
    dark = rng.random() < 0.35
    background = tuple(rng.randint(10, 90) if dark else rng.randint(170, 250) for _ in range(3))
    ink = (245, 245, 240) if dark else tuple(rng.randint(0, 60) for _ in range(3))
    pack = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(pack)
    fonts = split.fonts
    brand_font = _fit(draw, brand, fonts[0], rng.randint(80, 120), width - 80)
    text = brand.upper() if rng.random() < 0.4 else brand
    left = rng.randint(30, 60)
    draw.text((left, 30), text, fill=ink, font=brand_font)
    top = 40 + brand_font.size + rng.randint(10, 30)
    name_font = _fit(draw, name, rng.choice(fonts), rng.randint(44, 64), width - 80)
    draw.text((left, top), name, fill=ink, font=name_font)
    top += name_font.size + 18
    quantity = rng.choice(_QUANTITIES)
    draw.text((left, top), quantity, fill=ink, font=_font(fonts[1], rng.randint(34, 46)))
    small = _font(fonts[1], 18)
    for row, line in enumerate(rng.sample(_SMALL, 2)):
        draw.text((left, height - 70 + 24 * row), line, fill=ink, font=small)
    if rng.random() < 0.25:
        bars = bars.rotate(90, expand=True)
    x = width - bars.width - rng.randint(20, 60)
    y = height - bars.height - rng.randint(80, 120)
    pack.paste(bars, (max(0, x), max(top + 50, y)))
    return pack


def _on_table(rng: random.Random, pack: Image.Image) -> Image.Image:
    margin = rng.randint(40, 160)
    shade = rng.randint(90, 200)
    table = Image.effect_noise((pack.width + 2 * margin, pack.height + 2 * margin), 25)
    table = Image.merge("RGB", [table.point(lambda v, s=shade: (v + s) // 2)] * 3)
    table.paste(pack, (margin, margin))
    return table


def _finish(
    rng: random.Random, image: Image.Image, split: Split, kinds: tuple[str, ...]
) -> Image.Image:
    low, high = split.width
    if "small" in kinds:
        high = low + (high - low) // 3
    width = rng.randint(low, high)
    image = image.resize(
        (width, round(image.height * width / image.width)), Image.Resampling.LANCZOS
    )
    quality = rng.randint(35, 60) if "jpeg" in kinds else 90
    out = BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return Image.open(BytesIO(out.getvalue())).convert("RGB")


def _brand(rng: random.Random, split: Split) -> tuple[str, str, bool, str]:
    """(reported name, printed text, known, language of the pack)."""
    taxonomy = load_taxonomy()
    if rng.random() < 0.25:
        printed = rng.choice(split.unknown)
        return printed, printed, False, rng.choice(("en", "pl"))
    names = sorted(taxonomy.brands)[split.brand_parity :: 2]
    brand = taxonomy.brands[rng.choice(names)]
    printed = rng.choice(brand.aliases)
    cyrillic = any("\u0430" <= ch <= "\u044f" for ch in printed.lower())  # Cyrillic a to ya
    printed = brand.name if not cyrillic and printed.islower() else printed
    printed = printed.title() if printed.islower() else printed
    return brand.name, printed, True, "ru" if cyrillic else rng.choice(("en", "pl"))


def _category(rng: random.Random, lang: str, brand: str) -> tuple[str, str]:
    taxonomy = load_taxonomy()
    sells = (
        [c for c in taxonomy.brands[brand].categories if c in _PACKED]
        if brand in taxonomy.brands
        else []
    )
    category = rng.choice(sells or sorted(_PACKED))
    name = taxonomy.categories[category].name(lang)
    extra = rng.choice(_PACKED[category]) if lang != "ru" else ""
    return category, f"{name} {extra}".strip()


def generate(split_name: str, count: int, start: int = 0) -> Iterator[tuple[Sample, Image.Image]]:
    """``count`` photos of ``split_name`` from number ``start`` with their truth, the same
    ones on every call."""
    split = SPLITS[split_name]
    for number in range(start, start + count):
        rng = random.Random(split.seed + number)  # noqa: S311 - pictures, not secrets
        reported, printed, known, lang = _brand(rng, split)
        category, name = _category(rng, lang, reported)
        fmt = rng.choice(tuple(_WRITERS))
        code = random_code(rng, fmt)
        bars = _barcode(code, fmt, rng.choice((2, 3, 3, 4)))
        image = _on_table(rng, _pack(rng, split, printed, name, bars))
        kinds = tuple(sorted(rng.sample(split.distortions, rng.randint(2, 4))))
        for kind in kinds:
            image = distort(rng, image, kind, split.strength)
        image = _finish(rng, image, split, kinds)
        sample = Sample(
            f"{split.name}-{number:03d}.jpg",
            split.name,
            fmt,
            code,
            reported,
            known,
            printed,
            category,
            lang,
            kinds,
        )
        yield sample, image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("split", choices=sorted(SPLITS))
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--start", type=int, default=0, help="the first photo's number")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for sample, image in generate(args.split, args.count, args.start):
        image.save(args.out / sample.file, quality=95)
        row = asdict(sample)
        row["distortions"] = json.dumps(list(sample.distortions))
        rows.append(row)
    with (args.out / "labels.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
