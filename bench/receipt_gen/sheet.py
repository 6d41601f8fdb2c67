"""The printed sheet of a generated receipt and the arithmetic every locale shares.

``Sheet`` collects the printed rows at a fixed width in characters (centred, left, a left and a
right part padded apart); ``Basket`` draws the goods, quantities, line amounts and discounts
exactly as a till computes them (quantity x price rounded half up). The locale modules
(``pl``, ``ru``, ``en``) decide the wording; nothing here knows a language.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from receipt_gen.vocab import GOODS

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """Rounded half up to cents, as tills round."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal, comma: bool = False) -> str:
    """An amount as printed: two places, a decimal comma where the locale uses one."""
    text = f"{value:.2f}"
    return text.replace(".", ",") if comma else text


@dataclass(frozen=True)
class Row:
    """One printed row: its text, and how it is printed (double size, bold)."""

    text: str
    big: bool = False
    bold: bool = False
    role: str = ""  # "total" for the row of the amount to pay (for ablations)
    section: str = "header"  # "header", "items" (item rows, their details) or "footer"


@dataclass
class Sheet:
    """The rows of a receipt at ``width`` characters."""

    width: int
    rows: list[Row] = field(default_factory=list)
    section: str = "header"  # the section rows added now belong to

    def center(self, text: str, *, big: bool = False, bold: bool = False) -> None:
        """A centred row (a big row takes twice the width per character)."""
        room = self.width // 2 if big else self.width
        self.rows.append(Row(text[:room].center(room).rstrip(), big, bold, section=self.section))

    def left(self, text: str) -> None:
        """A row from the left edge, cut at the width."""
        self.rows.append(Row(text[: self.width], section=self.section))

    def pair(self, left: str, right: str, *, big: bool = False, role: str = "") -> None:
        """``left`` at the left edge and ``right`` at the right one, at least two spaces
        apart; a left part too long is cut (as tills truncate names)."""
        room = (self.width // 2 if big else self.width) - len(right) - 2
        left = left[: max(room, 0)]
        gap = max(2, (self.width // 2 if big else self.width) - len(left) - len(right))
        self.rows.append(Row(f"{left}{' ' * gap}{right}", big, role=role, section=self.section))

    def fits(self, left: str, right: str) -> bool:
        """Whether ``left`` and ``right`` fit one row uncut."""
        return len(left) + len(right) + 2 <= self.width

    def blank(self) -> None:
        """An empty row."""
        self.rows.append(Row("", section=self.section))

    def rule(self, char: str = "-") -> None:
        """A separator row."""
        self.rows.append(Row(char * self.width, section=self.section))


@dataclass
class Line:
    """One purchased line: name as printed, quantity, unit, prices, discount, tax class."""

    name: str
    quantity: Decimal
    unit: str
    price: Decimal
    total: Decimal
    discount: Decimal | None = None
    tax_class: str = "A"

    @property
    def net(self) -> Decimal:
        """The amount paid for the line."""
        return self.total - (self.discount or Decimal(0))

    def key(self) -> dict[str, object]:
        """The line as the answer key writes it."""
        quantity: object = int(self.quantity) if self.unit == "pcs" else float(self.quantity)
        return {
            "name": self.name,
            "quantity": quantity,
            "unit": self.unit,
            "unit_price": f"{self.price:.2f}",
            "total": f"{self.total:.2f}",
            "discount": None if self.discount is None else f"{self.discount:.2f}",
        }


def _quantity(rng: random.Random, unit: str) -> Decimal:
    if unit == "kg":
        return Decimal(rng.randint(150, 2600)) / 1000
    if unit == "l":
        return Decimal(rng.choice((5, 10, 15, 20))) / 10
    return Decimal(rng.choice((1, 1, 1, 1, 1, 2, 2, 3, 4, 6)))


def basket(
    rng: random.Random, goods: str, *, discounts: bool, max_name: int, weighed: bool = True
) -> list[Line]:
    """3 to 14 lines of ``GOODS[goods]``, each distinct, with a discount on some where allowed."""
    pool = [g for g in GOODS[goods] if weighed or g[2] == "pcs"]
    chosen = rng.sample(pool, k=min(len(pool), rng.randint(3, 14)))
    lines = []
    for name, price, unit in chosen:
        quantity = _quantity(rng, unit)
        unit_price = cents(Decimal(price) * Decimal(rng.choice((80, 90, 100, 100, 110))) / 100)
        total = cents(quantity * unit_price)
        line = Line(name[:max_name].rstrip(), quantity, unit, unit_price, total)
        if discounts and total > 2 and rng.random() < 0.2:
            line.discount = cents(total * Decimal(rng.choice((10, 15, 20, 25, 30))) / 100)
        lines.append(line)
    return lines


def tendered(rng: random.Random, total: Decimal) -> Decimal:
    """A cash amount a customer hands over: the total rounded up to a note or coin."""
    notes = (1, 5, 10, 50, 100, 500, 1000)
    step = Decimal(rng.choice([note for note in notes if note <= total * 2] or [1]))
    given = (total / step).to_integral_value(rounding="ROUND_CEILING") * step
    return given + step if given == total else given


def when(rng: random.Random) -> tuple[int, int, int, int, int]:
    """A purchase date and time: year, month, day, hour, minute."""
    return (rng.choice((2024, 2025)), rng.randint(1, 12), rng.randint(1, 28),
            rng.randint(7, 22), rng.randint(0, 59))  # fmt: skip


def tax_in(gross: Decimal, rate: Decimal) -> Decimal:
    """The tax inside a gross amount at ``rate`` per cent."""
    return cents(gross * rate / (100 + rate))
