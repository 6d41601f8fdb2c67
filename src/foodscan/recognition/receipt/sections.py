"""Items printed in sections: one per tax rate or department, each closed by a row that adds
it up ("Total 0% supplies:  35.14"), before the receipt's totals.

The item block (``items.item_block``) ends at the first row that says "total"; this module
decides, by the arithmetic alone, whether that row closes a section and more items follow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from foodscan.recognition.receipt.amounts import amounts
from foodscan.recognition.receipt.items import END_OF_ITEMS, Draft, read_items
from foodscan.recognition.receipt.rows import Row

# A tax row: never an item of a section that follows a section's sum.
_TAX_ROW = re.compile(r"\b(?:TAX|VAT|GST|PTU|НДС)\b", re.IGNORECASE)


def _section_sum(row: Row, drafts: Sequence[Draft]) -> bool:
    """Whether ``row``'s last amount adds up ``drafts`` (all of them read, one at least)."""
    found = amounts(row.text)
    if not drafts or not found or any(d.net is None or not d.total_read for d in drafts):
        return False
    return found[-1] == sum((d.net or Decimal(0) for d in drafts), Decimal(0))


def read_sections(rows: Sequence[Row], start: int, end: int) -> tuple[list[Draft], int]:
    """The items of the block ``[start, end)`` and of the sections that follow it, and the row
    where the footer starts.

    Some tills print the items in sections, one per tax rate or department, each closed by a
    row that adds it up ("Total 0% supplies: 35.14"), before the totals. A row that closes the
    block carries on to the next section only when it adds up the items above it and the next
    section's own closing row adds up the items under it: the arithmetic, not the words, says
    that the rows between are items.
    """
    drafts, used = read_items(rows[start:end])
    footer = start + used
    if used < end - start:
        return drafts, footer
    section = drafts
    while footer < len(rows) and _section_sum(rows[footer], section):
        after = next(
            (i for i in range(footer + 1, len(rows)) if END_OF_ITEMS.search(rows[i].text)), None
        )
        if after is None:
            break
        between = rows[footer + 1 : after]
        more, taken = read_items(between)
        if any(_TAX_ROW.search(row.text) for row in between):
            break
        if taken < len(between) or not _section_sum(rows[after], more):
            break
        drafts, section, footer = [*drafts, *more], more, after
    return drafts, footer
