// What this server told the page: the JSON that GET / embeds in index.html (kinds with their
// accepted types, steps and file limits; the upload limit; whether a token is needed).

import { humanize } from "./format.js";

export const config = JSON.parse(document.getElementById("config").textContent);

export function kindConfig(kind) {
  return config.kinds.find((k) => k.kind === kind) || { kind, steps: [], max_files: 1 };
}

export function stepLabel(kind, step) {
  const found = kindConfig(kind).steps.find((s) => s.name === step);
  return found ? found.label : humanize(step || "");
}
