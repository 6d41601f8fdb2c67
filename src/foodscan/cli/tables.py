"""What the client commands print: rich tables for a job's result (a receipt, the products of
some photos, a recipe), a job list and readiness.

Pure rendering: it builds renderables from the client's models and never talks to a server.
A receipt's fields are read from its ``summary`` and from top-level fields of a fuller parse
(``merchant`` as a name or an object, ``items``), so a richer result still renders. Storage
times (``keeps``) show where a food is usually kept and for how long (``fridge 1–2 weeks``).
"""

# An en dash is meant in spans of days, not a hyphen:
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from foodscan.cli.amounts import amount_text
from foodscan.client import JobOut, JobSummary, Readiness, Status

STATUS_STYLE = {
    Status.QUEUED: "cyan",
    Status.RUNNING: "blue",
    Status.SUCCEEDED: "green",
    Status.FAILED: "red",
    Status.CANCELLED: "yellow",
}
# Below this many columns the job list leaves out kind and run time, to keep the full job id.
WIDE_TABLE = 110
RECEIPT_FIELDS = ("merchant", "date", "time", "total", "currency", "items", "reconciliation")
# Any: a result is the JSON object of its kind's schema.
Result = Mapping[str, Any]


def status_text(status: Status) -> Text:
    return Text(status.value, style=STATUS_STYLE.get(status, ""))


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 90:
        return f"ETA ~{max(1, round(seconds))} s"
    return f"ETA ~{round(seconds / 60)} min"


def _took(job: JobSummary) -> str:
    if job.started_at is None or job.finished_at is None:
        return ""
    span: timedelta = job.finished_at - job.started_at
    return f"{span.total_seconds():.1f} s"


def receipt_fields(result: Result) -> dict[str, Any]:
    """The receipt's merchant, date, time, total, currency, items and check, wherever they are."""
    summary = result.get("summary")
    fields: dict[str, Any] = dict(summary) if isinstance(summary, Mapping) else {}
    fields.update({k: result[k] for k in RECEIPT_FIELDS if result.get(k) is not None})
    merchant = fields.get("merchant")
    if isinstance(merchant, Mapping):
        fields["merchant"] = merchant.get("name")
    return fields


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


_UNITS = ((365, "year"), (30, "month"), (7, "week"), (1, "day"))


def _span(days: Sequence[int]) -> str:
    """``[7, 14]`` → ``1–2 weeks``: the largest unit both ends are whole in."""
    low, high = int(days[0]), int(days[1])
    if high == 0:
        return "under a day"
    size, unit = next((s, u) for s, u in _UNITS if low % s == 0 and high % s == 0)
    amount = str(high // size) if low == high else f"{low // size}–{high // size}"
    return f"{amount} {unit}{'s' if high // size != 1 else ''}"


def keeps_text(keeps: Any) -> str:
    """Where a food is usually kept and for how long (``fridge 1–2 weeks``), from its
    ``keeps``; ``""`` when FoodKeeper gives no time."""
    if not isinstance(keeps, Mapping):
        return ""
    places = [("fridge", "fridge_days"), ("pantry", "pantry_days")]
    if keeps.get("category") == "Food Purchased Frozen":
        places.insert(0, ("freezer", "freezer_days"))
    for place, key in places:
        if keeps.get(key):
            return f"{place} {_span(keeps[key])}"
    return ""


def receipt_table(fields: Mapping[str, Any]) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    date = " ".join(_cell(fields.get(k)) for k in ("date", "time")).strip()
    table.add_row("Merchant", _cell(fields.get("merchant")) or "?")
    table.add_row("Date", date or "?")
    table.add_row("Total", Text(_cell(fields.get("total")) or "?", style="bold"))
    table.add_row("Currency", _cell(fields.get("currency")) or "?")
    check = fields.get("reconciliation")
    if isinstance(check, Mapping) and check.get("status"):
        table.add_row("Check", _cell(check["status"]))
    return table


def items_table(items: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(title="Items", title_justify="left")
    table.add_column("Item")
    table.add_column("Qty", justify="right")
    table.add_column("Unit price", justify="right")
    table.add_column("Total", justify="right")
    discounts = any(item.get("discount") for item in items)
    if discounts:
        table.add_column("Discount", justify="right")
    keeps = any(item.get("keeps") for item in items)
    if keeps:
        table.add_column("Keeps")
        table.add_column("Use by")
        table.caption = "Keeps and use-by dates: estimates from USDA FoodKeeper"
    for item in items:
        quantity = " ".join(_cell(item.get(k)) for k in ("quantity", "unit")).strip()
        row = [_cell(item.get("name")), quantity, _cell(item.get("unit_price"))]
        row.append(_cell(item.get("total")))
        if discounts:
            row.append(_cell(item.get("discount")))
        if keeps:
            use_by = item.get("use_by")
            row.append(keeps_text(item.get("keeps")))
            row.append(_cell(use_by.get("date")) if isinstance(use_by, Mapping) else "")
        table.add_row(*row)
    return table


def _rows(lines: Sequence[Mapping[str, Any]]) -> list[str]:
    """OCR lines regrouped into printed rows: boxes on one baseline, left to right."""
    rows: list[tuple[int, float, float, list[tuple[float, str]]]] = []
    for line in lines:
        box = line.get("box")
        text, page = _cell(line.get("text")), int(line.get("page") or 0)
        if not box:
            rows.append((page, float(len(rows)), 0.0, [(0.0, text)]))
            continue
        ys = [point[1] for point in box]
        middle, height = (min(ys) + max(ys)) / 2, max(ys) - min(ys)
        last = rows[-1] if rows else None
        if last and last[0] == page and abs(last[1] - middle) < max(last[2], height) / 2:
            last[3].append((min(point[0] for point in box), text))
        else:
            rows.append((page, middle, height, [(min(point[0] for point in box), text)]))
    return ["  ".join(text for _, text in sorted(row[3])) for row in rows]


def text_lines(result: Result) -> Text:
    """The recognised text, one printed row per line."""
    lines = result.get("lines")
    if isinstance(lines, list) and lines and all(isinstance(line, Mapping) for line in lines):
        return Text("\n".join(_rows(lines)))
    return Text(_cell(result.get("text")))


def products_table(products: Sequence[Mapping[str, Any]]) -> Table:
    """One row per product found in a ``products`` job's photos (numbered from 1)."""
    table = Table(title=f"Products ({len(products)})", title_justify="left")
    for column in ("Product", "Brand", "Size", "Category", "Keeps", "Barcode", "Photos"):
        table.add_column(column)
    for product in products:
        size = product.get("quantity")
        codes = [code.get("text") for code in product.get("barcodes") or [] if code.get("text")]
        photos = ", ".join(str(int(index) + 1) for index in product.get("photos") or [])
        table.add_row(
            _cell(product.get("name")) or "?",
            _cell(product.get("brand")),
            _cell(size.get("text")) if isinstance(size, Mapping) else "",
            _cell(product.get("category_name") or product.get("category")),
            keeps_text(product.get("keeps")),
            ", ".join(codes),
            photos,
        )
    return table


def recipe_view(result: Result) -> Group:
    """A recipe: its title and yield, the ingredients, the numbered steps."""
    title = Text(_cell(result.get("title")) or "Recipe", style="bold")
    if result.get("yields"):
        title.append(f"  makes {result['yields']}", style="dim")
    ingredients = Table(title="Ingredients", title_justify="left", show_header=False)
    ingredients.add_column(justify="right", style="bold")
    ingredients.add_column()
    keeps = any(item.get("keeps") for item in result.get("ingredients") or [])
    if keeps:
        ingredients.add_column(style="dim")
        ingredients.caption = "Keeps: estimates from USDA FoodKeeper"
    for item in result.get("ingredients") or []:
        amount = amount_text(item.get("quantity"), item.get("quantity_max"), item.get("unit"))
        name = _cell(item.get("name") or item.get("text"))
        if item.get("preparation"):
            name += f", {_cell(item['preparation'])}"
        if item.get("comment"):
            name += f" ({_cell(item['comment'])})"
        row = [amount, name]
        if keeps:
            row.append(keeps_text(item.get("keeps")))
        ingredients.add_row(*row)
    steps = [f"{n}. {step}" for n, step in enumerate(result.get("steps") or [], start=1)]
    return Group(title, ingredients, Text("Steps", style="italic"), Text("\n".join(steps)))


def job_result(name: str, job: JobOut) -> RenderableType:
    """One finished job of ``scan``: a heading, then its receipt, products, recipe, text, or
    error."""
    heading = Text.assemble((name, "bold"), "  ", (job.id, "dim"), "  ", status_text(job.status))
    parts: list[RenderableType] = [heading]
    if job.error is not None:
        parts.append(Text(f"{job.error.code}: {job.error.message}", style="red"))
    result = job.result or {}
    fields = receipt_fields(result)
    if job.kind == "products" and isinstance(result.get("products"), list):
        parts.append(products_table(result["products"]))
    elif job.kind == "recipe" and isinstance(result.get("ingredients"), list):
        parts.append(recipe_view(result))
    elif result and (job.kind == "receipt" or fields):
        parts.append(receipt_table(fields))
        items = fields.get("items")
        parts.append(items_table(items) if items else text_lines(result))
    elif result:
        parts.append(text_lines(result))
    parts.append(Text(""))
    return Group(*parts)


def _where(job: JobSummary) -> str:
    if job.status == Status.QUEUED:
        place = f"#{job.position}" if job.position else "queued"
        return f"{place} {eta_text(job.eta_seconds)}".strip()
    if job.status == Status.RUNNING:
        return f"{job.step or 'starting'} {job.progress}%"
    if job.error is not None:
        return job.error.code
    if job.status == Status.SUCCEEDED and job.summary is not None:
        found = job.summary
        return " ".join(_cell(v) for v in (found.total, found.currency)).strip() or _cell(
            found.title
        )
    return ""


def jobs_table(jobs: Iterable[JobSummary], width: int) -> Table:
    """Your jobs, one row each: id, status, where it stands (or its total), file, created.

    Kind and run time are shown when ``width`` leaves room for them beside the full job id.
    """
    wide = width >= WIDE_TABLE
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Job", no_wrap=True)
    if wide:
        table.add_column("Kind", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Progress / result", overflow="fold", min_width=8)
    table.add_column("File", overflow="fold", min_width=6)
    table.add_column("Created", no_wrap=True)
    if wide:
        table.add_column("Took", justify="right", no_wrap=True)
    today = datetime.now().astimezone().date()
    for job in jobs:
        created = job.created_at.astimezone()
        when = f"{created:%H:%M:%S}" if created.date() == today else f"{created:%Y-%m-%d %H:%M}"
        files = ", ".join(f.name for f in job.inputs)
        cells: list[RenderableType] = [job.id]
        cells += [job.kind] if wide else []
        cells += [status_text(job.status), _where(job), files, when]
        cells += [_took(job)] if wide else []
        table.add_row(*cells)
    return table


def readiness_table(server: str, ready: Readiness) -> Table:
    """``/readyz`` as a table: readiness (and why), database, workers, queue depth, languages."""
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Server", server)
    ok = ready.status == "ok"
    verdict = "ready" if ok else f"not ready: {ready.reason or ready.status}"
    table.add_row("Readiness", Text(verdict, style="green" if ok else "red"))
    table.add_row("Database", ready.database)
    table.add_row(
        "Workers", "not shown to this client" if ready.workers is None else str(ready.workers)
    )
    for worker in ready.worker_list:
        load = f"{worker.running}/{worker.concurrency} running"
        seen = f"heartbeat {worker.heartbeat_age_s:g} s ago"
        table.add_row(f"  {worker.id}", f"{worker.host} pid {worker.pid}: {load}, {seen}")
    for lane, depth in ready.queue_depth.items():
        running = ready.running.get(lane, 0)
        table.add_row(f"Lane {lane}", f"{depth} queued, {running} running")
    if ready.finished:
        table.add_row("Finished", ", ".join(f"{n} in {w}" for w, n in ready.finished.items()))
    table.add_row("OCR languages", ", ".join(ready.ocr_languages) or "none")
    return table
