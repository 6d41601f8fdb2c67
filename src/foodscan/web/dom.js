// The page's elements: finding one by id, making one, and telling screen readers what changed.
// Knows nothing of jobs or of the API.

export const $ = (id) => document.getElementById(id);

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== ""));
  return element;
}

export function announce(text) {
  const region = $("announce");
  region.textContent = "";
  window.setTimeout(() => (region.textContent = text), 50);
}

// A definition list of [term, description] pairs, as results and partial fields show them.
export function terms(pairs) {
  return pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]);
}
