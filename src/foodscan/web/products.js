// A products job's result as the page shows it: one card per product (name, brand, size,
// category, how long it keeps, allergens, barcodes) saying which photos it was read from, with
// those photos as thumbnails.

import { h, terms } from "./dom.js";
import { humanize, keepsText } from "./format.js";
import { preview } from "./preview.js";

export function renderProducts(result, job = null) {
  const cards = result.products.map((p) => {
    const quantity = p.quantity ? p.quantity.text : null;
    const codes = (p.barcodes || []).map((b) => h("span", { class: "code" }, b.text));
    const allergens = (p.allergens || []).map(humanize).join(", ");
    const facts = [["Brand", p.brand], ["Size", quantity], ["Category", p.category_name || p.category],
      ["Keeps", keepsText(p.keeps)], ["Allergens", allergens]].filter(([, v]) => v);
    if (codes.length) facts.push([codes.length === 1 ? "Barcode" : "Barcodes", codes.flatMap((c, i) => (i ? [", ", c] : [c]))]);
    const photos = p.photos || [];
    const from = photos.length ? `From photo${photos.length === 1 ? "" : "s"} ${photos.map((i) => i + 1).join(", ")}` : "";
    const source = p.source === "catalog" ? "details from the product catalogue" : "";
    const name = p.name || p.brand || "Unnamed product";
    const thumbs = job && photos.length ? h("div", { class: "thumbs" },
      photos.map((n) => preview(job, n, { className: "thumb", alt: `${name}, photo ${n + 1}` }))) : null;
    return h("article", { class: "product-card", "data-field": "product" }, thumbs,
      h("h4", {}, name),
      h("dl", { class: "facts" }, terms(facts)),
      from || source ? h("p", { class: "note" }, [from, source].filter(Boolean).join("; ")) : null);
  });
  return [
    h("h3", {}, `${result.products.length} product${result.products.length === 1 ? "" : "s"}`),
    h("div", { class: "product-cards" }, cards.length ? cards : h("p", {}, "No product was recognised")),
  ];
}
