"""The whole reading of one receipt: rows → header, items, footer, reconciliation, confidence.

Each part is read by its own module; this one decides which rows each part reads (the header
above the item block, the footer under it), lets the receipt's arithmetic referee the total
and the end of the item block (``referee``), checks the items against the total, and scores
each field's confidence from the OCR's confidence in its row and the strength of the evidence.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from foodscan.recognition.receipt.amounts import money
from foodscan.recognition.receipt.header import Header, read_header
from foodscan.recognition.receipt.item_rows import receipt_discount
from foodscan.recognition.receipt.items import Draft, item_block
from foodscan.recognition.receipt.locale import currency_guess, detect_language
from foodscan.recognition.receipt.model import (
    Item,
    Merchant,
    Payment,
    ReceiptParse,
    Reconciliation,
    TaxLine,
)
from foodscan.recognition.receipt.normalise import normalise_rows
from foodscan.recognition.receipt.payment import PaymentRead, paid_amounts, read_payment
from foodscan.recognition.receipt.reconcile import Outcome, reconcile
from foodscan.recognition.receipt.referee import (
    payment_contradicts,
    payment_evidence,
    referee_tax,
    referee_total,
    summary_tail,
)
from foodscan.recognition.receipt.rows import Row
from foodscan.recognition.receipt.sections import read_sections
from foodscan.recognition.receipt.totals import (
    Figure,
    read_rounding,
    read_subtotal,
    read_tax,
    read_total,
    tax_amounts,
)
from foodscan.recognition.receipt.when import When, date_and_time

_RECONCILED = 0.98  # items and total that add up are right far more often than the OCR says


def _quantity(draft: Draft) -> int | float:
    quantity = draft.quantity or Decimal(1)
    if draft.unit == "pcs" and quantity == quantity.to_integral_value():
        return int(quantity)
    return float(round(quantity, 3))


def _item(draft: Draft) -> Item:
    unit = draft.unit if draft.unit in ("pcs", "kg", "l") else "pcs"
    return Item(
        name=draft.name,
        quantity=_quantity(draft),
        unit=unit,
        unit_price=money(draft.unit_price),
        total=money(draft.total),
        discount=money(draft.discount) if draft.discount else None,
    )


def _footer_figure(figure: Figure | None, offset: int) -> Figure | None:
    if figure is None:
        return None
    return Figure(figure.value, figure.row + offset, figure.confidence)


def _confidence(
    rows: Sequence[Row],
    found: dict[str, tuple[bool, float, int | None]],
    outcome: Outcome,
    drafts: Sequence[Draft],
) -> dict[str, float]:
    """Per field: the evidence's strength times the OCR's confidence in the row it came from."""
    scores = {}
    for field, (present, strength, row) in found.items():
        if present:
            ocr = rows[row].confidence if row is not None else 1.0
            scores[field] = round(max(0.0, min(1.0, strength * ocr)), 3)
    if drafts:
        scores["items"] = round(statistics.fmean(d.confidence for d in drafts), 3)
    if outcome.status == "consistent":
        for field in ("items", "total"):
            if field in scores:
                scores[field] = max(scores[field], _RECONCILED)
    elif outcome.status == "mismatch":
        for field in ("items", "total"):
            if field in scores:
                scores[field] = round(scores[field] * 0.6, 3)
    return scores


@dataclass(frozen=True)
class _Footer:
    """What the rows under the items say."""

    tax: list[tuple[str | None, Decimal]]
    subtotal: Figure | None
    total: Figure | None
    payment: PaymentRead
    rounding: Decimal
    discount: Decimal  # on the whole receipt, printed above the total
    start: int  # the row the footer starts at


def _read_footer(texts: Sequence[str], end: int, drafts: Sequence[Draft]) -> _Footer:
    """Tax, subtotal, total and payment from the rows from ``end`` on (the whole receipt for a
    total nowhere else); the items' sum and the paid amounts help choose the total."""
    footer = texts[end:]
    tax = read_tax(footer)
    rounding = read_rounding(footer)
    net = sum((d.net for d in drafts if d.net is not None), Decimal(0)) + rounding
    expected = {net, net + sum((amount for _, amount in tax), Decimal(0))}
    paid = paid_amounts(footer)
    total = _footer_figure(read_total(footer, paid, expected), end) or read_total(texts, paid)
    evidence = paid_amounts(texts) | payment_evidence(footer)
    total = referee_total(
        drafts, footer, total, tax, evidence=evidence, rounding=rounding, offset=end
    )
    payment = read_payment(footer, total.value if total else None)
    subtotal = _footer_figure(read_subtotal(footer), end)
    tax = referee_tax(
        tax,
        tax_amounts(footer),
        subtotal=subtotal.value if subtotal else None,
        total=total.value if total else None,
        rounding=rounding,
    )
    above = footer[: total.row - end] if total is not None and total.row >= end else []
    return _Footer(tax, subtotal, total, payment, rounding, receipt_discount(above), end)


def _evidence(
    header: Header, when: When, footer: _Footer
) -> dict[str, tuple[bool, float, int | None]]:
    """Per field: whether it was found, how strong its evidence is, and the row it came from."""
    total, subtotal = footer.total, footer.subtotal
    return {
        "merchant": (header.name is not None, 0.9, header.name_row),
        "date": (when.date is not None, 0.98 if when.as_printed else 0.5, when.row),
        "time": (when.time is not None, 0.95, when.row),
        "subtotal": (subtotal is not None, 0.95, subtotal.row if subtotal else None),
        "tax": (bool(footer.tax), 0.9, None),
        "total": (
            total is not None,
            total.confidence if total else 0,
            total.row if total else None,
        ),
        "payment": (footer.payment.method is not None, footer.payment.confidence, None),
    }


def parse_rows(rows: Sequence[Row], *, lang: str | None = None) -> ReceiptParse:
    """Read a receipt from its printed rows, top to bottom."""
    language = detect_language("\n".join(row.text for row in rows), lang)
    rows = normalise_rows(rows, language)
    texts = [row.text for row in rows]
    guess = currency_guess("\n".join(texts), language)
    currency = guess.code if guess else None
    header = read_header(rows, language)
    when = date_and_time(texts, us_order=currency == "USD")
    start, end = item_block(rows, header.name_row)
    drafts, footer_row = read_sections(rows, start, end)
    footer = _read_footer(texts, footer_row, drafts)
    targets = payment_evidence(texts[start:]) | ({footer.total.value} if footer.total else set())
    if cut := summary_tail(drafts, targets, footer.tax, footer.rounding):
        first = next(i for i, row in enumerate(rows) if row.index == drafts[-cut].row)
        drafts = drafts[:-cut]
        footer = _read_footer(texts, first, drafts)
    total = footer.total.value if footer.total else None
    outcome = reconcile(
        drafts,
        subtotal=footer.subtotal.value if footer.subtotal else None,
        tax=[amount for _, amount in footer.tax],
        total=total,
        rounding=footer.rounding,
        discount=footer.discount,
    )
    if outcome.status == "consistent" and payment_contradicts(total, texts[footer.start :]):
        # The items make the amount read as the total, but the payment says another was paid
        # (a rounding row not read, a total row lost): the total is in doubt.
        outcome = Outcome("needs_review", outcome.difference, outcome.tax_added)
    drafts = [draft for draft in drafts if draft.total is not None]
    evidence = _evidence(header, when, footer)
    evidence["language"] = (language is not None, 1.0 if lang == language else 0.9, None)
    evidence["currency"] = (guess is not None, guess.confidence if guess else 0.0, None)
    return ReceiptParse(
        language=language,
        merchant=Merchant(name=header.name, address=header.address, tax_id=header.tax_id),
        date=when.date,
        time=when.time,
        currency=currency,
        items=[_item(draft) for draft in drafts],
        subtotal=money(footer.subtotal.value) if footer.subtotal else None,
        tax=[TaxLine(rate=rate, amount=money(amount)) for rate, amount in footer.tax],
        total=money(total),
        payment=Payment(method=footer.payment.method, card_last4=footer.payment.card_last4),
        reconciliation=Reconciliation(status=outcome.status, difference=money(outcome.difference)),
        confidence=_confidence(rows, evidence, outcome, drafts),
    )
