// The open job's panel: built from index.html's job template, then updated in place as the job
// changes (status, queue position, progress and steps, partial fields, error, actions,
// activity); the result is drawn once per result by the renderer of the job's kind. Its
// Cancel, Retry and Scan again buttons are wired by the page (app.js), by their data-action.

import { showProblem } from "./api.js";
import { kindConfig, stepLabel } from "./config.js";
import { $, h, terms } from "./dom.js";
import { bytes, clock, duration, fullDate, humanize } from "./format.js";
import { renderProducts } from "./products.js";
import { renderReceipt } from "./receipt.js";
import { renderRecipe } from "./recipe.js";
import { ACTIVE, jobName, statusText } from "./state.js";

let detail = null; // the open job's elements

export const showsJob = (id) => detail !== null && detail.id === id;

export function focusTitle() {
  if (!detail) return;
  // On a phone the panel sits below the form: bring its top into view, not just the title's line.
  $("job").scrollIntoView({ block: "start" });
  detail.title.focus({ preventScroll: true });
}

export function closeDetail() {
  detail = null;
  $("job").replaceChildren($("job-placeholder") || placeholder());
}

function placeholder() {
  return h("div", { class: "placeholder", id: "job-placeholder" },
    h("h2", { id: "job-heading" }, "No scan open"),
    h("p", {}, "Choose a file to scan, or open one from your history."));
}

export function buildDetail(job) {
  const content = $("job-template").content.cloneNode(true);
  const slots = {};
  for (const el of content.querySelectorAll("[data-slot]")) slots[el.dataset.slot] = el;
  const cancel = content.querySelector('[data-action="cancel"]');
  const retry = content.querySelector('[data-action="retry"]');
  const rescan = content.querySelector('[data-action="rescan"]');
  slots.steps.replaceChildren(
    ...kindConfig(job.kind).steps.map((s) => h("li", { "data-step": s.name }, s.label)),
  );
  $("job").replaceChildren(content);
  $("job").dataset.jobId = job.id;
  detail = { id: job.id, ...slots, cancel, retry, rescan, shownResult: null, activityCount: 0 };
  renderDetail(job);
}

export function renderDetail(job) {
  if (!detail || detail.id !== job.id) return buildDetail(job);
  const d = detail;
  d.title.textContent = jobName(job);
  const files = job.inputs || [];
  const pages = files.reduce((sum, f) => sum + (f.pages || 1), 0);
  const size = files.reduce((sum, f) => sum + (f.size || 0), 0);
  const facts = [humanize(job.kind)];
  if (files.length > 1) facts.push(`${files.length} ${job.kind === "products" ? "photos" : "files"}`);
  else if (pages > 1) facts.push(`${pages} pages`);
  if (size) facts.push(bytes(size));
  facts.push(fullDate(job.created_at));
  d.meta.textContent = facts.join(" · ");
  d.badge.textContent = statusText(job);
  d.badge.dataset.status = job.status;
  $("job").dataset.status = job.status;

  d.queue.hidden = job.status !== "queued";
  d.queue.textContent = queueText(job);

  d["progress-block"].hidden = !ACTIVE.has(job.status);
  d.progress.value = job.progress;
  d.progress.setAttribute("aria-valuetext", `${job.progress}%`);
  d.percent.textContent = `${job.progress}%`;
  d.message.textContent = job.status === "queued" ? "Waiting to start"
    : job.cancel_requested ? "Stopping…"
    : job.message || stepLabel(job.kind, job.step) || "Starting";
  renderSteps(job);
  renderPartial(job);
  renderError(job);
  renderResultOnce(job);
  renderActions(job);
  renderActivity(job);
}

export function showDetailProblem(problem) {
  if (!detail) return;
  showProblem(detail.error, problem);
  detail.error.setAttribute("role", "alert");
}

function queueText(job) {
  if (job.retry_at) return `A temporary error: trying again at ${clock(job.retry_at)} (attempt ${job.attempt + 1} of ${job.max_attempts}).`;
  if (!job.position) return "Waiting in the queue.";
  const eta = job.eta_seconds ? ` · ready in ${duration(job.eta_seconds)}` : "";
  return `Position ${job.position} in the queue${eta}`;
}

function renderSteps(job) {
  const names = kindConfig(job.kind).steps.map((s) => s.name);
  const current = names.indexOf(job.step);
  detail.steps.querySelectorAll("li").forEach((li, index) => {
    const stepState = job.status === "succeeded" || (current >= 0 && index < current) ? "done"
      : index === current && job.status === "running" ? "current" : "pending";
    li.dataset.state = stepState;
    if (stepState === "current") li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
  });
}

function renderPartial(job) {
  const fields = job.partial ? partialFields(job.partial) : [];
  detail["partial-box"].hidden = fields.length === 0 || job.status !== "running";
  detail.partial.replaceChildren(...terms(fields));
}

function partialFields(partial) {
  const fields = [];
  for (const [key, value] of Object.entries(partial)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) fields.push([humanize(key), `${value.length}`]);
    else if (typeof value === "object") {
      const shown = value.name ?? value.status ?? null;
      if (shown) fields.push([humanize(key), String(shown)]);
    } else fields.push([humanize(key), String(value)]);
  }
  return fields.slice(0, 8);
}

function renderError(job) {
  const error = job.error;
  const show = error && (job.status === "failed" || job.retry_at);
  detail.error.hidden = !show;
  if (!show) return;
  const title = job.status === "failed" ? "This scan failed." : "The last attempt failed.";
  const where = job.step && job.status === "failed" ? ` (while: ${stepLabel(job.kind, job.step).toLowerCase()})` : "";
  detail.error.replaceChildren(
    h("strong", {}, title), ` ${error.message || humanize(error.code)}${where}`,
    h("small", { class: "code" }, error.code),
  );
}

function renderActions(job) {
  const { cancel, retry, rescan } = detail;
  const stopping = job.status === "running" && job.cancel_requested;
  cancel.hidden = !ACTIVE.has(job.status);
  cancel.disabled = stopping;
  cancel.textContent = stopping ? "Stopping…" : "Cancel scan";
  retry.hidden = !(job.status === "failed" || job.status === "cancelled");
  // Any finished job whose uploads the server still keeps: a new job of the same files.
  rescan.hidden = ACTIVE.has(job.status) || Boolean(job.inputs_purged);
  // A button that just disappeared held the focus: keep it in the panel.
  const focused = document.activeElement;
  if ([cancel, retry, rescan].some((button) => focused === button && button.hidden)) {
    detail.title.focus();
  }
}

function renderActivity(job) {
  detail["activity-box"].hidden = job.activity.length === 0;
  for (const entry of job.activity.slice(detail.activityCount)) {
    detail.activity.append(h("li", { "data-type": entry.type, "data-step": entry.step },
      h("time", { datetime: entry.at }, clock(entry.at)), ` ${entry.text}`));
  }
  detail.activityCount = job.activity.length;
}

function renderResultOnce(job) {
  const box = detail.result;
  const show = job.status === "succeeded" && job.result;
  box.hidden = !show;
  if (!show) {
    detail.shownResult = null;
    box.replaceChildren();
    return;
  }
  if (detail.shownResult === job.result) return;
  detail.shownResult = job.result;
  box.replaceChildren(...renderResult(job));
}

// The renderer of the job's kind; a result of a shape none knows is shown as JSON.
function renderResult(job) {
  const result = job.result;
  if (job.kind === "recipe" && Array.isArray(result.ingredients)) return renderRecipe(result);
  if (job.kind === "products" && Array.isArray(result.products)) return renderProducts(result, job);
  if (job.kind === "receipt" || "items" in result || "summary" in result) return renderReceipt(result, job);
  return [h("h3", {}, "Result"), h("pre", { class: "raw" }, JSON.stringify(result, null, 2))];
}
