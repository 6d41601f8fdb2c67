// foodscan's web page: submit a scan, follow every job of the user live over /v1/events,
// browse the history, open a job, cancel and retry. It speaks the public HTTP API only.
//
// Updates: one EventSource on /v1/events (the user's channel). The browser resends
// Last-Event-ID when it reconnects by itself; when the stream fails for good we open a new one
// with ?after= the last id seen, which is also kept in localStorage so that a reload replays
// exactly what happened since. Job state on (re)load always comes from GET.
// With a token typed by the user (a server with a secret key) EventSource cannot send the
// Authorization header: the page asks for a single-use ticket (POST /v1/events/tickets) and
// opens /v1/events?ticket=…; a ticket works once, so after a drop it asks for a new one. It
// polls the jobs that are still active only while it has no stream.

const config = JSON.parse(document.getElementById("config").textContent);
const $ = (id) => document.getElementById(id);

const ACTIVE = new Set(["queued", "running"]);
const STATUS_LABEL = {
  queued: "Queued",
  running: "Running",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};
const PAGE_SIZE = 20;
const POLL_MS = 2000;
const QUEUE_REFRESH_MS = 3000;
const CURSOR_KEY = "foodscan.cursor";
const TOKEN_KEY = "foodscan.token";

const state = {
  jobs: new Map(), // id -> job (the API's job resource, plus message, partial, activity)
  nextCursor: null,
  oldestLoaded: null, // created_at of the oldest listed job while older ones exist
  openId: null,
  files: [],
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  cursor: readCursor(),
  pending: new Map(), // job id -> events that arrived while the job was being fetched
  fetching: new Map(), // job id -> its GET in flight
};
const rows = new Map(); // job id -> its history row's elements
let detail = null; // the open job's elements

// ---------------------------------------------------------------- HTTP

class Problem extends Error {
  constructor(status, body, retryAfter) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.retryAfter = retryAfter;
  }
}

const PROBLEM_TITLE = {
  0: "Cannot reach foodscan",
  400: "The request could not be read",
  401: "This server needs an access token",
  404: "Not found",
  409: "Not possible right now",
  413: "The file is too large",
  415: "This file type is not supported",
  422: "The upload was not accepted",
  429: "Too many scans at once",
};

function describe(problem) {
  const status = problem.status;
  const title = PROBLEM_TITLE[status] || (status >= 500 ? "The server had a problem" : "Error");
  let detail = problem.body.detail || "";
  if (status === 0) detail = "Check that foodscan is running, then try again.";
  if (status === 401) detail = "Enter a token from `foodscan token --user NAME` under Access token.";
  if (status === 429) {
    const seconds = Number(problem.retryAfter);
    detail += seconds > 0 ? ` Try again in ${seconds} s.` : " Try again in a moment.";
  }
  return { title, detail: detail.trim() };
}

async function api(path, { method = "GET", body } = {}) {
  const headers = new Headers({ Accept: "application/json" });
  if (state.token) headers.set("Authorization", `Bearer ${state.token}`);
  let response;
  try {
    response = await fetch(path, { method, body, headers });
  } catch {
    throw new Problem(0, null);
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const problem = new Problem(response.status, data, response.headers.get("retry-after"));
    if (response.status === 401) $("token-box").open = true;
    throw problem;
  }
  return { status: response.status, data };
}

function showProblem(element, problem) {
  const { title, detail } = describe(problem);
  element.replaceChildren(h("strong", {}, title), detail ? h("span", {}, ` ${detail}`) : "");
  element.hidden = false;
}

// ---------------------------------------------------------------- small helpers

function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== ""));
  return element;
}

function readCursor() {
  try {
    const saved = JSON.parse(localStorage.getItem(CURSOR_KEY) || "null");
    return saved && Number.isInteger(saved.id) ? saved : null;
  } catch {
    return null;
  }
}

function saveCursor(id, jobId) {
  if (state.cursor && id <= state.cursor.id) return;
  state.cursor = { id, job: jobId };
  localStorage.setItem(CURSOR_KEY, JSON.stringify(state.cursor));
}

function announce(text) {
  const region = $("announce");
  region.textContent = "";
  window.setTimeout(() => (region.textContent = text), 50);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
function ago(iso) {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

function clock(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function fullDate(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function duration(seconds) {
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

function bytes(size) {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function money(amount, currency) {
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

function humanize(name) {
  const text = String(name).replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function kindConfig(kind) {
  return config.kinds.find((k) => k.kind === kind) || { kind, steps: [], max_files: 1 };
}

function stepLabel(kind, step) {
  const found = kindConfig(kind).steps.find((s) => s.name === step);
  return found ? found.label : humanize(step || "");
}

function jobName(job) {
  const names = (job.inputs || []).map((f) => f.name).filter(Boolean);
  if (names.length > 1) return `${names[0]} and ${names.length - 1} more`;
  return names[0] || `${humanize(job.kind)} ${job.id.slice(0, 8)}`;
}

function statusText(job) {
  if (job.status === "running" && job.cancel_requested) return "Stopping";
  if (job.status === "running") return `Running ${job.progress}%`;
  return STATUS_LABEL[job.status] || humanize(job.status);
}

// ---------------------------------------------------------------- job state

const time = (iso) => Date.parse(iso);

const RANK = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

function isStale(answer, known) {
  // Every change sets updated_at to its event's timestamp, so an answer older than an event
  // already applied here must not undo it. Within one millisecond, a status never goes back.
  const answered = time(answer.updated_at);
  const seen = time(known.updated_at);
  return answered < seen || (answered === seen && RANK[answer.status] < RANK[known.status]);
}

function remember(job) {
  // A job as GET (or a cancel or retry) answered it.
  const known = state.jobs.get(job.id);
  if (known && isStale(job, known)) return known;
  const merged = Object.assign(known || { activity: [], seen: new Set(), message: null }, job);
  if (!ACTIVE.has(merged.status)) merged.partial = null;
  state.jobs.set(job.id, merged);
  return merged;
}

function fetchJob(id) {
  // One GET per job at a time; events that arrive meanwhile wait in state.pending.
  if (!state.fetching.has(id)) {
    const request = api(`/v1/jobs/${encodeURIComponent(id)}`)
      .then(({ data }) => {
        const job = remember(data);
        const waiting = state.pending.get(id) || [];
        state.pending.delete(id);
        for (const event of waiting) apply(event);
        render(job);
        return job;
      })
      .finally(() => state.fetching.delete(id));
    state.fetching.set(id, request);
  }
  return state.fetching.get(id);
}

function onEvent(event) {
  saveCursor(event.id, event.job_id);
  if (state.jobs.has(event.job_id)) {
    apply(event);
    return;
  }
  // A replayed event of a job older than the listed page: it appears with "Show older".
  if (state.oldestLoaded && time(event.timestamp) < time(state.oldestLoaded)) return;
  // A job this page has not listed yet (just submitted, or from elsewhere): read it, list it.
  if (!state.pending.has(event.job_id)) state.pending.set(event.job_id, []);
  state.pending.get(event.job_id).push(event);
  fetchJob(event.job_id).catch(() => state.pending.delete(event.job_id));
}

function apply(event) {
  const job = state.jobs.get(event.job_id);
  if (!job || job.seen.has(event.id)) return;
  job.seen.add(event.id);
  job.activity.push({ id: event.id, type: event.type, step: event.step || null,
    at: event.timestamp, text: activityText(job, event) });
  job.activity.sort((a, b) => a.id - b.id);
  // Older than what this page knows (a replay after a reload): history only, not state.
  if (time(event.timestamp) < time(job.updated_at)) {
    render(job);
    return;
  }
  const before = job.status;
  job.updated_at = event.timestamp;
  switch (event.type) {
    case "job.queued":
      Object.assign(job, { status: "queued", position: event.position ?? null,
        eta_seconds: event.eta_seconds ?? null, step: null, progress: 0, message: null,
        partial: null, result: null, error: null, cancel_requested: false, retry_at: null });
      break;
    case "job.started":
      Object.assign(job, { status: "running", attempt: event.attempt ?? job.attempt,
        position: null, eta_seconds: null, started_at: event.timestamp, retry_at: null });
      break;
    case "job.progress":
      Object.assign(job, { status: "running", step: event.step, progress: event.progress,
        message: event.message || null, position: null, eta_seconds: null });
      if (event.partial) job.partial = event.partial;
      break;
    case "job.retrying":
      Object.assign(job, { status: "queued", attempt: event.attempt ?? job.attempt,
        retry_at: event.retry_at || null, error: event.error || null, position: null });
      break;
    case "job.succeeded":
      Object.assign(job, { status: "succeeded", result: event.result ?? job.result,
        progress: 100, finished_at: event.timestamp, partial: null, error: null });
      break;
    case "job.failed":
      Object.assign(job, { status: "failed", error: event.error || null,
        finished_at: event.timestamp, partial: null });
      break;
    case "job.cancelled":
      Object.assign(job, { status: "cancelled", finished_at: event.timestamp, partial: null });
      break;
    default:
      return;
  }
  render(job);
  if (before !== job.status) {
    statusChanged(job);
    queueRefresh.soon();
  }
}

function activityText(job, event) {
  switch (event.type) {
    case "job.queued":
      return event.position ? `Queued, position ${event.position}` : "Queued";
    case "job.started":
      return event.attempt > 1 ? `Started (attempt ${event.attempt})` : "Started";
    case "job.progress":
      return `${event.message || stepLabel(job.kind, event.step)} (${event.progress}%)`;
    case "job.retrying":
      return `Will retry${event.retry_at ? ` at ${clock(event.retry_at)}` : ""}: ${event.error?.message || "a temporary error"}`;
    case "job.succeeded":
      return "Finished";
    case "job.failed":
      return `Failed: ${event.error?.message || event.error?.code || "unknown error"}`;
    default:
      return "Cancelled";
  }
}

function statusChanged(job) {
  const name = jobName(job);
  const lines = {
    queued: `${name} is waiting in the queue.`,
    running: `${name} is being read.`,
    succeeded: `${name} is done.`,
    failed: `${name} failed: ${job.error?.message || "unknown error"}`,
    cancelled: `${name} was cancelled.`,
  };
  if (lines[job.status]) announce(lines[job.status]);
}

// ---------------------------------------------------------------- history

function sortedJobs() {
  const created = (job) => time(job.created_at);
  return [...state.jobs.values()].sort((a, b) => created(b) - created(a) || (a.id < b.id ? 1 : -1));
}

function renderHistory() {
  const list = $("history");
  const jobs = sortedJobs();
  const wanted = jobs.map((job) => historyRow(job).item);
  if (wanted.some((item, i) => list.children[i] !== item) || list.children.length !== wanted.length) {
    list.replaceChildren(...wanted);
  }
  $("history-empty").hidden = jobs.length > 0;
  $("more").hidden = !state.nextCursor;
}

function historyRow(job) {
  let row = rows.get(job.id);
  if (!row) {
    const name = h("span", { class: "name" });
    const badge = h("span", { class: "badge" });
    const when = h("span", { class: "when" });
    const bar = h("progress", { max: "100", "aria-hidden": "true" });
    const button = h("button", { type: "button", class: "history-item", "data-id": job.id },
      name, badge, when, bar);
    button.addEventListener("click", () => openJob(job.id, { focus: true }));
    row = { item: h("li", {}, button), button, name, badge, when, bar };
    rows.set(job.id, row);
  }
  row.name.textContent = jobName(job);
  row.badge.textContent = statusText(job);
  row.badge.dataset.status = job.status;
  row.when.textContent = `${humanize(job.kind)} · ${ago(job.created_at)}`;
  row.when.title = fullDate(job.created_at);
  row.bar.hidden = job.status !== "running";
  row.bar.value = job.progress;
  row.button.setAttribute("aria-current", job.id === state.openId ? "true" : "false");
  return row;
}

async function loadHistory({ more = false } = {}) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (more && state.nextCursor) query.set("cursor", state.nextCursor);
  const { data } = await api(`/v1/jobs?${query}`);
  for (const job of data.items) remember(job);
  state.nextCursor = data.next_cursor;
  const last = data.items.at(-1);
  state.oldestLoaded = state.nextCursor && last ? last.created_at : null;
  renderHistory();
  if (state.openId && state.jobs.has(state.openId)) renderDetail(state.jobs.get(state.openId));
}

// ---------------------------------------------------------------- the open job

function render(job) {
  renderHistory();
  if (job.id === state.openId) renderDetail(job);
}

async function openJob(id, { focus = false } = {}) {
  state.openId = id;
  if (location.hash !== `#job=${id}`) history.replaceState(null, "", `#job=${id}`);
  let job = state.jobs.get(id);
  if (!job) {
    try {
      job = await fetchJob(id);
    } catch (problem) {
      state.openId = null;
      history.replaceState(null, "", location.pathname);
      closeDetail();
      if (problem instanceof Problem) showProblem($("form-error"), problem);
      return;
    }
  }
  buildDetail(job);
  renderHistory();
  if (focus) detail.title.focus();
}

function closeDetail() {
  detail = null;
  $("job").replaceChildren($("job-placeholder") || placeholder());
}

function placeholder() {
  return h("div", { class: "placeholder", id: "job-placeholder" },
    h("h2", { id: "job-heading" }, "No scan open"),
    h("p", {}, "Choose a file to scan, or open one from your history."));
}

function buildDetail(job) {
  const content = $("job-template").content.cloneNode(true);
  const slots = {};
  for (const el of content.querySelectorAll("[data-slot]")) slots[el.dataset.slot] = el;
  const cancel = content.querySelector('[data-action="cancel"]');
  const retry = content.querySelector('[data-action="retry"]');
  cancel.addEventListener("click", () => cancelJob(job.id));
  retry.addEventListener("click", () => retryJob(job.id));
  slots.steps.replaceChildren(
    ...kindConfig(job.kind).steps.map((s) => h("li", { "data-step": s.name }, s.label)),
  );
  $("job").replaceChildren(content);
  $("job").dataset.jobId = job.id;
  detail = { id: job.id, ...slots, cancel, retry, shownResult: null, activityCount: 0 };
  renderDetail(job);
}

function renderDetail(job) {
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
  detail.partial.replaceChildren(...fields.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
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
  const { cancel, retry } = detail;
  const stopping = job.status === "running" && job.cancel_requested;
  cancel.hidden = !ACTIVE.has(job.status);
  cancel.disabled = stopping;
  cancel.textContent = stopping ? "Stopping…" : "Cancel scan";
  retry.hidden = !(job.status === "failed" || job.status === "cancelled");
  // A button that just disappeared held the focus: keep it in the panel.
  const focused = document.activeElement;
  if ((focused === cancel && cancel.hidden) || (focused === retry && retry.hidden)) {
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

// ---------------------------------------------------------------- results

function renderResult(job) {
  const result = job.result;
  if (job.kind === "recipe" && Array.isArray(result.ingredients)) return renderRecipe(result);
  if (job.kind === "products" && Array.isArray(result.products)) return renderProducts(result);
  if (job.kind === "receipt" || "items" in result || "summary" in result) return renderReceipt(result);
  return [h("h3", {}, "Result"), h("pre", { class: "raw" }, JSON.stringify(result, null, 2))];
}

function isoMinutes(duration) {
  // PT1H15M → "1 h 15 min"; anything else as written.
  const found = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(duration || "");
  if (!found) return duration || "";
  return [found[1] && `${found[1]} h`, found[2] && `${found[2]} min`].filter(Boolean).join(" ");
}

function renderRecipe(result) {
  const times = result.times || {};
  const facts = [
    ["Makes", result.yields],
    ["Preparation", isoMinutes(times.prep)],
    ["Cooking", isoMinutes(times.cook)],
    ["Total time", isoMinutes(times.total)],
  ].filter(([, v]) => v);
  const amount = (i) => [i.quantity ?? "", i.unit || ""].join(" ").trim();
  const ingredients = h("ul", { class: "ingredients", "data-field": "ingredients" },
    result.ingredients.map((i) => h("li", {},
      amount(i) ? h("span", { class: "amount" }, amount(i)) : null,
      h("span", { class: "ingredient-name" }, i.name || i.text),
      i.preparation ? h("span", { class: "note" }, `, ${i.preparation}`) : null)));
  const steps = h("ol", { class: "recipe-steps", "data-field": "steps" }, result.steps.map((s) => h("li", {}, s)));
  return [
    h("h3", { "data-field": "title" }, result.title || "Recipe"),
    facts.length ? h("dl", { class: "facts" }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])) : null,
    h("h4", {}, `Ingredients (${result.ingredients.length})`), ingredients,
    h("h4", {}, "Steps"), steps,
  ];
}

function renderProducts(result) {
  const cards = result.products.map((p) => {
    const quantity = p.quantity ? p.quantity.text : null;
    const codes = (p.barcodes || []).map((b) => h("span", { class: "code" }, b.text));
    const allergens = (p.allergens || []).map(humanize).join(", ");
    const facts = [["Brand", p.brand], ["Size", quantity], ["Category", p.category_name || p.category],
      ["Allergens", allergens]].filter(([, v]) => v);
    if (codes.length) facts.push([codes.length === 1 ? "Barcode" : "Barcodes", codes.flatMap((c, i) => (i ? [", ", c] : [c]))]);
    const photos = p.photos || [];
    const from = photos.length ? `From photo${photos.length === 1 ? "" : "s"} ${photos.map((i) => i + 1).join(", ")}` : "";
    const source = p.source === "catalog" ? "details from the product catalogue" : "";
    return h("article", { class: "product-card", "data-field": "product" },
      h("h4", {}, p.name || p.brand || "Unnamed product"),
      h("dl", { class: "facts" }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      from || source ? h("p", { class: "note" }, [from, source].filter(Boolean).join("; ")) : null);
  });
  return [
    h("h3", {}, `${result.products.length} product${result.products.length === 1 ? "" : "s"}`),
    h("div", { class: "product-cards" }, cards.length ? cards : h("p", {}, "No product was recognised")),
  ];
}

function renderReceipt(result) {
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
  if (facts.length) parts.push(h("dl", { class: "facts" }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
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
    h("td", { class: "item-name" }, item.name),
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

function quantity(item) {
  if (item.quantity === undefined || item.quantity === null) return "";
  return item.unit && item.unit !== "pcs" ? `${item.quantity} ${item.unit}` : String(item.quantity);
}

function textLines(lines, collapsed) {
  const list = h("ol", { class: "lines" }, lines.map((line) => h("li", {}, line)));
  if (!collapsed) return h("div", { class: "text" }, h("h4", {}, "Text as read"), list);
  return h("details", { class: "text" }, h("summary", {}, "Text as read"), list);
}

// ---------------------------------------------------------------- actions

async function cancelJob(id) {
  try {
    const { data } = await api(`/v1/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });
    const job = remember(data);
    render(job);
    announce(job.status === "cancelled" ? `${jobName(job)} was cancelled.` : `Stopping ${jobName(job)}…`);
  } catch (problem) {
    if (problem instanceof Problem) showDetailProblem(problem);
  }
}

async function retryJob(id) {
  try {
    const { data } = await api(`/v1/jobs/${encodeURIComponent(id)}/retry`, { method: "POST" });
    const job = remember(data);
    job.activity = [];
    if (detail && detail.id === id) buildDetail(job);
    render(job);
    announce(`${jobName(job)} is queued again.`);
    detail?.title.focus();
  } catch (problem) {
    if (problem instanceof Problem) showDetailProblem(problem);
  }
}

function showDetailProblem(problem) {
  if (!detail) return;
  showProblem(detail.error, problem);
  detail.error.setAttribute("role", "alert");
}

// ---------------------------------------------------------------- the form

function chooseFiles(fileList) {
  const max = kindConfig($("kind").value).max_files || 1;
  state.files = [...fileList].slice(0, max);
  $("form-error").hidden = true;
  $("form-notice").hidden = true;
  const chosen = $("chosen");
  chosen.hidden = state.files.length === 0;
  chosen.textContent = state.files.map((f) => `${f.name} (${bytes(f.size)})`).join(", ");
  $("drop").classList.toggle("has-file", state.files.length > 0);
  $("submit").disabled = state.files.length === 0;
  if (state.files.length) announce(`Chosen: ${chosen.textContent}. Press Scan to send it.`);
}

async function submitScan(event) {
  event.preventDefault();
  if (!state.files.length) return;
  const error = $("form-error");
  error.hidden = true;
  $("form-notice").hidden = true;
  const tooBig = state.files.find((f) => f.size > config.max_upload_bytes);
  if (tooBig) {
    showProblem(error, new Problem(413, { detail: `${tooBig.name} is ${bytes(tooBig.size)}; the limit is ${bytes(config.max_upload_bytes)}.` }));
    return;
  }
  const form = new FormData();
  form.append("kind", $("kind").value);
  for (const file of state.files) form.append("file", file, file.name);
  const button = $("submit");
  button.disabled = true;
  button.textContent = "Sending…";
  try {
    const { status, data } = await api("/v1/jobs", { method: "POST", body: form });
    resetForm();
    if (status === 200) {
      const notice = $("form-notice");
      notice.textContent = "This file was scanned before: here is that scan.";
      notice.hidden = false;
    }
    await fetchJob(data.job_id).catch(() => null);
    await openJob(data.job_id, { focus: true });
  } catch (problem) {
    if (!(problem instanceof Problem)) throw problem;
    showProblem(error, problem);
    button.disabled = false;
  } finally {
    button.textContent = "Scan";
  }
}

function resetForm() {
  $("file").value = "";
  $("camera").value = "";
  chooseFiles([]);
}

function setUpForm() {
  const select = $("kind");
  select.replaceChildren(...config.kinds.map((k) => h("option", { value: k.kind }, humanize(k.kind))));
  const drops = {
    receipt: ["Drop a receipt photo or PDF here", "JPEG, PNG, WebP or PDF; several photos of one long receipt in order."],
    products: ["Drop product photos here", "JPEG, PNG or WebP: front and back of each product, up to 10."],
    recipe: ["Drop a recipe file here", "Text, Markdown, a saved web page (HTML), DOCX, PDF or a photo."],
  };
  const syncKind = () => {
    const kind = kindConfig(select.value);
    $("file").multiple = (kind.max_files || 1) > 1;
    if (Array.isArray(kind.accepts) && kind.accepts.length) $("file").accept = kind.accepts.join(",");
    const [title, help] = drops[select.value] || [`Drop a file here`, ""];
    document.querySelector(".drop-text").textContent = title;
    $("file-help").textContent = help;
    $("choose").textContent = select.value === "products" ? "Choose photos" : "Choose a file";
  };
  select.addEventListener("change", syncKind);
  syncKind();
  $("choose").addEventListener("click", () => $("file").click());
  $("take-photo").addEventListener("click", () => $("camera").click());
  for (const id of ["file", "camera"]) {
    $(id).addEventListener("change", (e) => chooseFiles(e.target.files));
  }
  const drop = $("drop");
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add("dragging");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("dragging"));
  }
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer?.files?.length) chooseFiles(e.dataTransfer.files);
  });
  $("scan-form").addEventListener("submit", submitScan);
  $("token").value = state.token;
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("token").value.trim();
    if (state.token) sessionStorage.setItem(TOKEN_KEY, state.token);
    else sessionStorage.removeItem(TOKEN_KEY);
    start();
  });
  $("refresh").addEventListener("click", () => loadHistory().catch(reportLoad));
  $("more").addEventListener("click", () => loadHistory({ more: true }).catch(reportLoad));
}

// ---------------------------------------------------------------- live updates

function setConnection(mode) {
  const texts = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", polling: "Checking every few seconds" };
  $("connection").dataset.state = mode;
  $("connection-text").textContent = texts[mode];
}

const live = {
  source: null,
  timer: null,
  delay: 1000,
  async connect() {
    this.stop();
    if (!("EventSource" in window)) {
      setConnection("polling");
      poll.start();
      return;
    }
    const query = new URLSearchParams();
    if (state.cursor) query.set("after", state.cursor.id);
    if (state.token) {
      try {
        const { data } = await api("/v1/events/tickets", { method: "POST" });
        query.set("ticket", data.ticket);
      } catch {
        setConnection("polling");
        poll.start();
        this.retry();
        return;
      }
    }
    const source = new EventSource(`/v1/events${query.size ? `?${query}` : ""}`);
    this.source = source;
    source.onopen = () => {
      setConnection("live");
      this.delay = 1000;
      poll.stop();
    };
    source.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event && event.job_id) onEvent(event);
    };
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED && !state.token) {
        setConnection("reconnecting"); // the browser retries, sending Last-Event-ID
        return;
      }
      // Refused (an error status), or a ticket the browser would resend though it is used:
      // poll meanwhile, and open a new stream from our cursor.
      source.close();
      setConnection("reconnecting");
      poll.start();
      this.retry();
    };
  },
  retry() {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 30000);
  },
  stop() {
    window.clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.source = null;
  },
};

const poll = {
  timer: null,
  start() {
    if (this.timer) return;
    this.timer = window.setInterval(() => refreshJobs((j) => ACTIVE.has(j.status)), POLL_MS);
  },
  stop() {
    window.clearInterval(this.timer);
    this.timer = null;
  },
};

// Queue positions move when other users' jobs finish, which this user's channel does not say.
const queueRefresh = {
  timer: null,
  soon() {
    window.clearTimeout(this.soonTimer);
    this.soonTimer = window.setTimeout(() => refreshJobs((j) => j.status === "queued"), 300);
  },
  start() {
    this.timer = window.setInterval(() => refreshJobs((j) => j.status === "queued"), QUEUE_REFRESH_MS);
  },
};

async function refreshJobs(which) {
  const ids = [...state.jobs.values()].filter(which).map((j) => j.id);
  await Promise.all(ids.map((id) => api(`/v1/jobs/${encodeURIComponent(id)}`)
    .then(({ data }) => render(remember(data)))
    .catch(() => null)));
}

function reportLoad(problem) {
  if (problem instanceof Problem) showProblem($("form-error"), problem);
}

async function checkCursor() {
  // A cursor saved against a database that was since reset would skip new events.
  const saved = state.cursor;
  if (!saved || state.jobs.has(saved.job)) return;
  try {
    await api(`/v1/jobs/${encodeURIComponent(saved.job)}`);
  } catch (problem) {
    if (problem instanceof Problem && problem.status === 404) {
      state.cursor = null;
      localStorage.removeItem(CURSOR_KEY);
    }
  }
}

async function start() {
  $("form-error").hidden = true;
  try {
    await loadHistory();
    await checkCursor();
  } catch (problem) {
    reportLoad(problem);
    if (problem instanceof Problem && problem.status === 401) {
      setConnection("polling");
      return;
    }
  }
  const wanted = new URLSearchParams(location.hash.slice(1)).get("job");
  if (wanted) await openJob(wanted);
  live.connect();
}

setUpForm();
if (config.auth && !state.token) $("token-box").open = true;
queueRefresh.start();
window.setInterval(renderHistory, 30000);
window.addEventListener("hashchange", () => {
  const wanted = new URLSearchParams(location.hash.slice(1)).get("job");
  if (wanted && wanted !== state.openId) openJob(wanted, { focus: true });
});
start();
