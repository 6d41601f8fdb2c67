// A receipt's result as the page shows it: the store and payment, the verdict of the items
// against the total, the items as a table with subtotal, taxes and total (under each item how
// long it keeps and its estimated use-by date), and the text as read.
// Also a plain receipt result (a summary and text, no items). Beside it, each photo (a PDF's
// first page) with the lines that became items, the total and the date outlined.

import { h, terms } from "./dom.js";
import { humanize, keepsText, money } from "./format.js";
import { hasPreview, pageOf, preview } from "./preview.js";

export function renderReceipt(result, job = null) {
  const parts = receiptParts(result);
  const inputs = job ? (job.inputs || []).map((_, n) => n).filter((n) => hasPreview(job, n)) : [];
  if (!inputs.length) return parts;
  const pictures = inputs.map((n) => preview(job, n, {
    marks: receiptMarks(result, pageOf(job, n)),
    caption: inputs.length > 1 ? `Photo ${n + 1}` : "",
  }));
  const legend = h("p", { class: "mark-legend" }, "Outlined: ",
    h("span", { class: "key key-item" }, "items"), ", ", h("span", { class: "key key-total" }, "total"),
    ", ", h("span", { class: "key key-date" }, "date"));
  return [h("div", { class: "with-previews" },
    h("div", { class: "result-main" }, parts),
    h("aside", { class: "previews", "aria-label": "The receipt as uploaded" }, pictures, legend))];
}

function receiptParts(result) {
  const summary = result.summary || {};
  const currency = result.currency || summary.currency || null;
  const merchant = typeof result.merchant === "object" && result.merchant
    ? result.merchant : { name: result.merchant || summary.merchant || null };
  const parts = [];
  const facts = [
    ["Store", merchant.name],
    ["Address", merchant.address],
    ["Date", [result.date || summary.date, result.time || summary.time].filter(Boolean).join(" ")],
    ["Paid by", paymentText(result.payment)],
  ].filter(([, v]) => v);
  parts.push(h("h3", {}, "Receipt"));
  if (facts.length) parts.push(h("dl", { class: "facts" }, terms(facts)));
  if (result.reconciliation) parts.push(verdict(result.reconciliation, currency));
  const lines = String(result.text || "").split("\n").filter((l) => l.trim());
  if (Array.isArray(result.items)) {
    parts.push(itemsTable(result, currency));
    if (lines.length) parts.push(textLines(lines, true));
  } else {
    const total = result.total || summary.total;
    if (total) {
      parts.push(h("p", { class: "grand-total" }, h("span", {}, "Total"),
        h("strong", { "data-field": "total" }, money(total, currency))));
    }
    if (lines.length) parts.push(textLines(lines, false));
  }
  return parts;
}

function paymentText(payment) {
  if (!payment || !payment.method) return null;
  const method = payment.method === "card" ? "Card" : humanize(payment.method);
  return payment.card_last4 ? `${method} ending ${payment.card_last4}` : method;
}

function verdict(reconciliation, currency) {
  const texts = {
    consistent: "The items add up to the total.",
    mismatch: `The items and the total differ${reconciliation.difference ? ` by ${money(reconciliation.difference, currency)}` : ""}: please check.`,
    needs_review: "Too little was read to check the items against the total: please check.",
  };
  const status = reconciliation.status;
  return h("p", { class: "verdict", "data-status": status },
    h("span", { class: "verdict-icon", "aria-hidden": "true" }, status === "consistent" ? "✓" : "!"),
    texts[status] || humanize(status));
}

function itemsTable(result, currency) {
  const items = result.items;
  const discounts = items.some((item) => item.discount);
  const head = h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col", class: "num" }, "Qty"),
    h("th", { scope: "col", class: "num" }, "Price"),
    discounts ? h("th", { scope: "col", class: "num" }, "Discount") : null,
    h("th", { scope: "col", class: "num" }, "Total"));
  const body = items.map((item) => h("tr", {},
    h("td", { class: "item-name" }, item.name, keepsLine(item)),
    h("td", { class: "num qty" }, quantity(item)),
    h("td", { class: "num price" }, money(item.unit_price, currency)),
    discounts ? h("td", { class: "num discount" }, item.discount ? `−${money(item.discount, currency)}` : "") : null,
    h("td", { class: "num line-total" }, money(item.total, currency))));
  const span = discounts ? 4 : 3;
  const foot = [];
  const footRow = (label, value, attrs = {}) => h("tr", attrs,
    h("th", { scope: "row", colspan: String(span) }, label), h("td", { class: "num" }, value));
  if (result.subtotal) foot.push(footRow("Subtotal", money(result.subtotal, currency)));
  const taxes = Array.isArray(result.tax) ? result.tax : result.tax ? [{ amount: result.tax }] : [];
  for (const tax of taxes) {
    if (tax.amount) foot.push(footRow(tax.rate ? `Tax ${tax.rate}` : "Tax", money(tax.amount, currency)));
  }
  foot.push(h("tr", { class: "total" }, h("th", { scope: "row", colspan: String(span) }, "Total"),
    h("td", { class: "num", "data-field": "total" }, result.total ? money(result.total, currency) : "—")));
  const caption = h("caption", {}, items.length ? `${items.length} item${items.length === 1 ? "" : "s"}` : "No items were read");
  return h("div", { class: "table-wrap" },
    h("table", { class: "items" }, caption, h("thead", {}, head), h("tbody", {}, body), h("tfoot", {}, foot)));
}

// Under the item's name: how long it keeps and its use-by date, both estimates (USDA FoodKeeper).
function keepsLine(item) {
  const kept = keepsText(item.keeps);
  const date = item.use_by ? `use by ${item.use_by.date} (estimate)` : "";
  const text = [kept, date].filter(Boolean).join(" · ");
  if (!text) return null;
  const title = item.keeps ? [`FoodKeeper: ${item.keeps.name}`, item.keeps.tips].filter(Boolean).join(". ") : "";
  return h("div", { class: "keeps", "data-field": "keeps", title }, text);
}

function quantity(item) {
  if (item.quantity === undefined || item.quantity === null) return "";
  return item.unit && item.unit !== "pcs" ? `${item.quantity} ${item.unit}` : String(item.quantity);
}

function textLines(lines, collapsed) {
  const list = h("ol", { class: "lines" }, lines.map((line) => h("li", {}, line)));
  if (!collapsed) return h("div", { class: "text" }, h("h4", {}, "Text as read"), list);
  return h("details", { class: "text" }, h("summary", {}, "Text as read"), list);
}

// ---- which lines became what, for the outlines --------------------------------------------------

const TOTAL_WORDS = /TOTAL|SUMA|RAZEM|ZAP[ŁL]ATY|ИТОГ|ОПЛАТ|BALANCE|AMOUNT DUE/i;
const DATE = /(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})/g;
const squash = (text) => String(text || "").toUpperCase().replace(/[^\p{L}\p{N}]+/gu, "");
const middle = (line) => line.box.reduce((sum, [, y]) => sum + y, 0) / line.box.length;

// The lines printed in one row with ``line``: their vertical middles within its box.
function rowOf(lines, line) {
  const ys = line.box.map(([, y]) => y);
  const top = Math.min(...ys);
  const bottom = Math.max(...ys);
  return lines.filter((other) => other === line || (middle(other) >= top && middle(other) <= bottom));
}

// Outlines for the lines of ``page`` that became the items (each found in printed order, its
// whole row: name and amounts), the total (the row of its amount, one that says "total" first)
// and the date. Found by text, since the result says what was read, not from which box.
export function receiptMarks(result, page) {
  const lines = (result.lines || []).filter((l) => l.page === page && Array.isArray(l.box) && l.box.length === 4);
  const marks = [];
  const used = new Set();
  const mark = (line, kind, label, row = true) => {
    for (const l of row ? rowOf(lines, line) : [line]) {
      marks.push({ points: l.box, kind, label });
      used.add(l);
    }
  };
  let from = 0;
  for (const item of result.items || []) {
    const name = squash(item.name);
    const fits = (line) => {
      const text = squash(line.text);
      return !used.has(line) && name.length > 1 && (text.includes(name) || (text.length > 2 && name.includes(text)));
    };
    const found = lines.slice(from).find(fits) || lines.find(fits);
    if (!found) continue;
    from = lines.indexOf(found) + 1;
    mark(found, "item", item.name);
  }
  const total = totalLine(lines, result.total, used);
  if (total) mark(total, "total", `Total ${result.total}`);
  const date = lines.find((line) => printsDate(line.text, result.date));
  if (date) mark(date, "date", `Date ${result.date}`, false);
  return marks;
}

function totalLine(lines, total, used) {
  if (!total) return null;
  const [units, cents] = String(total).replace("-", "").split(".");
  const amount = new RegExp(`(^|[^\\d])${units}\\s?[.,]\\s?${cents}($|[^\\d])`);
  const found = lines.filter((line) => !used.has(line) && amount.test(line.text));
  const said = found.find((line) => rowOf(lines, line).some((l) => TOTAL_WORDS.test(l.text)));
  return said || found[0] || null;
}

// Whether ``text`` prints ``date`` (YYYY-MM-DD) as year-month-day, day-month-year or month/day/year.
function printsDate(text, date) {
  if (!date) return false;
  const [y, m, d] = date.split("-").map(Number);
  const year = (n) => (n < 100 ? 2000 + n : n);
  for (const [, a, b, c] of String(text).matchAll(DATE)) {
    const [p, q, r] = [Number(a), Number(b), Number(c)];
    if ((year(p) === y && q === m && r === d) || (year(r) === y && q === m && p === d)
      || (year(r) === y && p === m && q === d)) return true;
  }
  return false;
}
