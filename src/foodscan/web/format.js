// How values are written for people: times, durations, sizes, money, names from the API.
// Pure functions of their arguments (and the browser's locale); no DOM.

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function ago(iso) {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function fullDate(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function duration(seconds) {
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

// Binary units, as the API says them: "512 bytes", "340 KiB", "12.3 MiB", "10 MiB".
export function bytes(size) {
  if (size < 1024) return `${size} bytes`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KiB`;
  return `${(size / 1024 / 1024).toFixed(1).replace(/\.0$/, "")} MiB`;
}

export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "";
  const value = Number(amount);
  if (!Number.isFinite(value)) return String(amount);
  if (currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(value);
    } catch {
      // an unknown currency code: show the amount and the code as printed
      return `${amount} ${currency}`;
    }
  }
  return new Intl.NumberFormat(undefined, { minimumFractionDigits: 2 }).format(value);
}

export function humanize(name) {
  const text = String(name).replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// Recipe amounts as people write them (1⅔ cups, ½ tsp, 2–3 cloves); the same table of
// fractions and plurals as foodscan's CLI (cli/amounts.py).
const FRACTIONS = [
  [1 / 2, "½"], [1 / 3, "⅓"], [2 / 3, "⅔"], [1 / 4, "¼"], [3 / 4, "¾"], [1 / 8, "⅛"],
  [3 / 8, "⅜"], [5 / 8, "⅝"], [7 / 8, "⅞"], [1 / 6, "⅙"], [5 / 6, "⅚"], [1 / 5, "⅕"],
  [2 / 5, "⅖"], [3 / 5, "⅗"], [4 / 5, "⅘"],
];
const TOLERANCE = 0.005;
const PLURALS = {
  bunch: "bunches", can: "cans", clove: "cloves", cube: "cubes", cup: "cups", dash: "dashes",
  drop: "drops", gallon: "gallons", handful: "handfuls", inch: "inches", leaf: "leaves",
  package: "packages", piece: "pieces", pinch: "pinches", pint: "pints", quart: "quarts",
  slice: "slices", sprig: "sprigs", stalk: "stalks", stick: "sticks",
};

export function quantityText(value) {
  const whole = Math.trunc(value);
  const part = value - whole;
  if (part < TOLERANCE) return String(whole);
  if (1 - part < TOLERANCE) return String(whole + 1);
  const found = FRACTIONS.find(([fraction]) => Math.abs(part - fraction) < TOLERANCE);
  if (found) return `${whole || ""}${found[1]}`;
  return String(Number(value.toFixed(3)));
}

export function amountText(quantity, quantityMax, unit) {
  let number = "";
  if (quantity !== null && quantity !== undefined) {
    number = quantityText(quantity);
    if (quantityMax !== null && quantityMax !== undefined) number += `–${quantityText(quantityMax)}`;
  }
  const many = (quantityMax ?? quantity ?? 0) > 1;
  const word = unit && many ? PLURALS[unit] || unit : unit;
  return [number, word].filter(Boolean).join(" ");
}

const UNITS = [[365, "year"], [30, "month"], [7, "week"], [1, "day"]];

// [7, 14] days → "1–2 weeks": the largest unit both ends are whole in.
export function daySpan([low, high]) {
  if (high === 0) return "under a day";
  const [size, unit] = UNITS.find(([s]) => low % s === 0 && high % s === 0);
  const amount = low === high ? `${high / size}` : `${low / size}–${high / size}`;
  return `${amount} ${unit}${high / size === 1 ? "" : "s"}`;
}

// Where a food is usually kept and for how long ("fridge 1–2 weeks"), from its FoodKeeper
// storage times (an estimate); "" when there are none.
export function keepsText(keeps) {
  if (!keeps) return "";
  const places = [["fridge", keeps.fridge_days], ["pantry", keeps.pantry_days]];
  if (keeps.category === "Food Purchased Frozen") places.unshift(["freezer", keeps.freezer_days]);
  const found = places.find(([, days]) => days);
  return found ? `${found[0]} ${daySpan(found[1])}` : "";
}
