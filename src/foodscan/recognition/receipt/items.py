"""Line items: rows of the item block combined into name, quantity, unit, prices, discount.

The block runs from under the header to the first subtotal, total or tax row. Rows combine the
way tills print them: a name row above its quantity line (``1,152 x4,99  5,75C``), a UK
``2 @ £1.25`` under its item or a US ``2 @ 1.25`` above it (told apart by arithmetic: the
quantity times the price must give the item's amount, and the receipt's own habit decides a
tie), a discount line under the item it reduces, a deposit as an item of its own.
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from foodscan.recognition.receipt.amounts import CENT, amounts, times
from foodscan.recognition.receipt.item_rows import ItemRow, Kind, matches, read_item_row
from foodscan.recognition.receipt.rows import Row
from foodscan.recognition.receipt.when import find_date

# Where the item block ends: the first subtotal, total or tax summary row.
END_OF_ITEMS = re.compile(
    r"SUB[\s-]?TOTAL|\bTOTAL\b|\bSUMA\b|\bRAZEM\b|ПОДИТОГ|\bИТОГО?\b|\bВСЕГО\b|К\s+ОПЛАТЕ|"
    r"SPRZEDA[ŻZ]\s+OPODATK|\bPTU\b|^\W*TAX\b|\bVAT\s+(?:RATE|SUMMARY)|ITEMS\s+SOLD|"
    r"\bBALANCE\b|AMOUNT\s+DUE|\bTOTAL\s+QTY|СУММА\s+НДС|\bБЕЗНАЛИЧН|\bНАЛИЧН|\bCASH\b|"
    r"\bGOT[ÓO]WK|^\W*GST\b|\bROUNDING\b",
    re.IGNORECASE,
)
_ITEMS_BEFORE_A_SUM = 3  # fewer items could add up to the next one by chance
_MAX_RATE = 30  # per cent: no VAT, GST or sales tax rate is higher
# Rows that belong to the header even when they come after its address: ids, till data,
# receipt titles, column headings.
_HEADER_MARK = re.compile(
    r"\b(?:NIP|REGON|VAT\s*NO|GST|ИНН|КПП|TEL|PHONE|FAX|PARAGON|FISKALNY|RECEIPT|INVOICE|"
    r"КАССОВЫЙ|ПРИХОД|ЧЕК|CASHIER|KASJER|КАССИР|СМЕНА|ST#|TR#|TABLE|DESCRIPTION|QTY)\b"
    r"|[NMH]HH\b",
    re.IGNORECASE,
)


@dataclass
class Draft:
    """An item while the rows are being combined; ``None`` where not (yet) known."""

    name: str
    row: int
    confidence: float
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    total: Decimal | None = None
    discount: Decimal | None = None
    quantity_read: bool = False  # printed, not assumed
    total_read: bool = True  # printed, not computed from quantity × unit price

    @property
    def net(self) -> Decimal | None:
        """The amount paid for the line: its total less its discount."""
        return None if self.total is None else self.total - (self.discount or 0)


def _draft(row: Row, line: ItemRow, name: str | None = None) -> Draft:
    return Draft(
        name=name if name is not None else line.name,
        row=row.index,
        confidence=row.confidence,
        quantity=line.quantity,
        unit=line.unit,
        unit_price=line.unit_price,
        total=line.total,
        quantity_read=line.quantity is not None,
    )


def _apply(draft: Draft, line: ItemRow) -> None:
    draft.quantity, draft.unit, draft.unit_price = line.quantity, line.unit, line.unit_price
    draft.quantity_read = True


def item_block(rows: Sequence[Row], after: int | None) -> tuple[int, int]:
    """The rows ``[start, end)`` that hold the items: under the header, above the totals."""
    kinds = [read_item_row(row.text).kind for row in rows]
    first = next(
        (
            i
            for i, kind in enumerate(kinds)
            if kind in (Kind.ITEM, Kind.QUANTITY)
            and not find_date(rows[i].text, us_order=False)
            # "Invoice No  POSTED-O  34867": a till's number, not an item whose price was garbled
            and not (_HEADER_MARK.search(rows[i].text) and not amounts(rows[i].text))
        ),
        len(rows),
    )
    start = 0 if after is None else after + 1
    for index in range(start, first):
        if _HEADER_MARK.search(rows[index].text) or find_date(rows[index].text, us_order=False):
            start = index + 1
    end = next((i for i in range(first, len(rows)) if END_OF_ITEMS.search(rows[i].text)), None)
    return start, len(rows) if end is None else end


@dataclass
class _Floating:
    """A quantity line without an amount, to attach to the item above or below it."""

    line: ItemRow
    before: int  # how many items were read before it


class _Reader:
    """Combines the rows of the item block into drafts, one row at a time."""

    def __init__(self) -> None:
        self.items: list[Draft] = []
        self.floating: list[_Floating] = []
        self.pending: tuple[Row, str] | None = None  # a name row waiting for its amount
        self.attach_next: ItemRow | None = None  # a quantity line printed above its item

    def add(self, row: Row, line: ItemRow, following: ItemRow | None) -> None:
        if line.kind is Kind.NAME:
            if self.pending is None or not line.code:  # a code row keeps the name above it
                self.pending = (row, line.name)
        elif line.kind is Kind.ITEM:
            draft = _draft(row, line)
            if self.attach_next is not None and not draft.quantity_read:
                _apply(draft, self.attach_next)
            self.attach_next = None
            self.items.append(draft)
            self.pending = None
        elif line.kind is Kind.QUANTITY:
            self._quantity(row, line, following)
        elif line.kind is Kind.DISCOUNT and self.items and line.total is not None:
            last = self.items[-1]
            last.discount = (last.discount or Decimal(0)) + line.total
        elif line.kind is Kind.AMOUNT and line.total is not None:
            self._amount(row, line.total)

    def _quantity(self, row: Row, line: ItemRow, following: ItemRow | None) -> None:
        below = following if following is not None and following.kind is Kind.ITEM else None
        if line.total is None and below and below.quantity is None and matches(line, below.total):
            self.attach_next = line  # US: "2 @ 1.25" above "BANANAS  2.50"
            return
        if line.total is not None or self.pending is not None:
            name_row, name = self.pending if self.pending else (row, line.name)
            draft = _draft(row, line, name)
            draft.confidence = min(draft.confidence, name_row.confidence)
            self.items.append(draft)
            self.pending = None
            return
        self.floating.append(_Floating(line, len(self.items)))

    def _amount(self, row: Row, amount: Decimal) -> None:
        last = self.items[-1] if self.items else None
        if last is not None and last.total is None:
            last.total = amount
        elif last is not None and last.discount and amount == last.net:
            return  # the item's amount after its discount, printed under it
        elif self.pending is not None:
            name_row, name = self.pending
            self.items.append(Draft(name, name_row.index, min(row.confidence, name_row.confidence)))
            self.items[-1].total = amount
            self.pending = None

    def resolve_floating(self) -> None:
        """Attach each quantity line to the neighbour it multiplies out to; ties by habit."""
        votes: Counter[int] = Counter()
        undecided = []
        for floating in self.floating:
            fits = [
                offset
                for offset in (-1, 0)
                if 0 <= floating.before + offset < len(self.items)
                and not self.items[floating.before + offset].quantity_read
                and matches(floating.line, self.items[floating.before + offset].total)
            ]
            if len(fits) == 1:
                votes[fits[0]] += 1
                _apply(self.items[floating.before + fits[0]], floating.line)
            else:
                undecided.append(floating)
        habit = votes.most_common(1)[0][0] if votes else -1
        for floating in undecided:
            index = floating.before + habit
            if 0 <= index < len(self.items) and not self.items[index].quantity_read:
                _apply(self.items[index], floating.line)


def _finish(draft: Draft) -> Draft:
    if draft.total is None and draft.quantity is not None and draft.unit_price is not None:
        draft.total = times(draft.quantity, draft.unit_price)
        draft.total_read = False
        draft.confidence = min(draft.confidence, 0.5)
    if draft.quantity is None:
        draft.quantity, draft.unit = Decimal(1), "pcs"
    if draft.unit_price is None and draft.quantity == 1:
        draft.unit_price = draft.total
    return draft


def _is_sum_row(items: Sequence[Draft], line: ItemRow) -> bool:
    """Whether a bare amount adds up the items above it: a subtotal whose keyword was lost."""
    if line.kind not in (Kind.ITEM, Kind.AMOUNT) or line.quantity is not None:
        return False
    if len(items) < _ITEMS_BEFORE_A_SUM or line.total is None or line.total <= 0:
        return False
    return line.total == sum((item.net or Decimal(0) for item in items), Decimal(0))


def _is_tax_of(draft: Draft, above: Draft) -> bool:
    """Whether ``draft`` is the tax included in the item above it ("НДС 20% =14.98"), its words
    or rate garbled by the OCR: a rate sign and the amount an integer rate's share of the
    item's net amount."""
    net, amount = above.net, draft.total
    if "%" not in draft.name or draft.quantity_read or net is None or amount is None:
        return False
    if not 0 < amount < net:
        return False
    return any(
        abs(times(net, Decimal(rate) / (100 + rate)) - amount) <= CENT
        for rate in range(1, _MAX_RATE + 1)
    )


def _names_below(rows: Sequence[Row], lines: Sequence[ItemRow]) -> tuple[list[Row], list[ItemRow]]:
    """The rows with each name put above its amount, where the till prints the name under
    it: a product code, quantity and prices on one row, the name on the next
    ("9557068000035  1  3.50  3.30" over "- JIANYU STEEL RULER"). Only when every bare
    amount row of the block has a name row right under it and the first has none above."""
    rows, lines = list(rows), list(lines)
    nameless = [
        line.kind is Kind.AMOUNT or (line.kind is Kind.QUANTITY and line.total is not None)
        for line in lines
    ]
    first = next((i for i, line in enumerate(lines) if line.kind is not Kind.SKIP), None)
    if first is None or not nameless[first]:
        return rows, lines
    pairs = [i for i, bare in enumerate(nameless) if bare]
    if any(i + 1 >= len(lines) or lines[i + 1].kind is not Kind.NAME for i in pairs):
        return rows, lines
    for i in pairs:
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return rows, lines


def read_items(rows: Sequence[Row]) -> tuple[list[Draft], int]:
    """The items printed in ``rows`` (the item block), in printed order, and how many rows
    they took: a row that adds up the items above it ends the block early.

    An item whose amount could not be read has ``total`` ``None``; ``reconcile`` may infer it.
    """
    lines = [read_item_row(row.text) for row in rows]
    rows, lines = _names_below(rows, lines)
    reader = _Reader()
    used = len(rows)
    for position, (row, line) in enumerate(zip(rows, lines, strict=True)):
        if _is_sum_row(reader.items, line):
            used = position
            break
        following = lines[position + 1] if position + 1 < len(lines) else None
        reader.add(row, line, following)
    reader.resolve_floating()
    items = [
        draft
        for position, draft in enumerate(reader.items)
        if position == 0 or not _is_tax_of(draft, reader.items[position - 1])
    ]
    return [_finish(draft) for draft in items], used
