// Pictures of a job's uploads beside its result: an input's downscaled preview (fetched with the
// user's token, once per job and input) and, over it, an SVG of outlined boxes given in the
// pixels of the page the result was read from (the size the preview route reports), so that
// they scale with the picture at any width. Knows nothing of what the boxes mean.

import { api, jobPath } from "./api.js";
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const KEEP = 40; // previews kept as object URLs; older ones are let go
const loaded = new Map(); // "jobId/n" → Promise of { url, width, height } or null

// Whether input ``n`` of ``job`` can have a picture: a photo or a PDF whose upload is still kept.
export function hasPreview(job, n) {
  const input = (job.inputs || [])[n];
  return Boolean(input && !job.inputs_purged && /^image\/|^application\/pdf$/.test(input.media_type || ""));
}

// The index of the page (in ``lines[].page``) that input ``n``'s preview shows: its first page.
export function pageOf(job, n) {
  return (job.inputs || []).slice(0, n).reduce((sum, f) => sum + (f.pages || 1), 0);
}

function load(job, n) {
  const key = `${job.id}/${n}`;
  if (!loaded.has(key)) {
    const path = `${jobPath(job.id)}/inputs/${n}/preview`;
    loaded.set(key, api(path, { as: "blob" }).then(({ data, headers }) => {
      const [width, height] = (headers.get("foodscan-page-size") || "").split("x").map(Number);
      return { url: URL.createObjectURL(data), width, height };
    }, () => null));
    for (const [old, picture] of [...loaded].slice(0, Math.max(0, loaded.size - KEEP))) {
      loaded.delete(old);
      picture.then((p) => p && URL.revokeObjectURL(p.url));
    }
  }
  return loaded.get(key);
}

// A figure with input ``n``'s picture and ``marks`` ([{ points: [[x, y] ×4], kind, label }], in
// page pixels) outlined over it. It stays hidden until the picture arrives, and for good when
// there is none (a text file, purged uploads, an error).
export function preview(job, n, { marks = [], caption = "", alt = "", className = "" } = {}) {
  const figure = h("figure", { class: ["preview", className].filter(Boolean).join(" "), hidden: true,
    "data-field": "preview", "data-input": String(n) });
  if (!hasPreview(job, n)) return figure;
  load(job, n).then((picture) => {
    if (!picture) return;
    const image = h("img", { src: picture.url, alt: alt || (job.inputs[n] || {}).name || `File ${n + 1}`,
      decoding: "async" });
    const frame = h("div", { class: "preview-frame" }, image);
    if (marks.length && picture.width > 0 && picture.height > 0) frame.append(overlay(picture, marks));
    figure.replaceChildren(frame, caption ? h("figcaption", {}, caption) : "");
    figure.hidden = false;
  });
  return figure;
}

function overlay({ width, height }, marks) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "preview-marks");
  for (const mark of marks) {
    const shape = document.createElementNS(SVG, "polygon");
    shape.setAttribute("points", mark.points.map(([x, y]) => `${x},${y}`).join(" "));
    shape.setAttribute("class", `mark mark-${mark.kind}`);
    shape.setAttribute("vector-effect", "non-scaling-stroke");
    shape.dataset.mark = mark.kind;
    const title = document.createElementNS(SVG, "title");
    title.textContent = mark.label;
    shape.append(title);
    svg.append(shape);
  }
  return svg;
}
