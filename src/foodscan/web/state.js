// What the page knows of the user's jobs: each job as the API last described it plus what the
// events since then said (its message, partial fields, activity), the history page's cursor,
// the open job, and the last event seen (kept in localStorage so a reload replays from there).
// Changes state only; it renders nothing and calls no API.

import { stepLabel } from "./config.js";
import { clock, humanize } from "./format.js";

export const ACTIVE = new Set(["queued", "running"]);
const STATUS_LABEL = {
  queued: "Queued",
  running: "Running",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};
const CURSOR_KEY = "foodscan.cursor";

export const state = {
  jobs: new Map(), // id -> job (the API's job resource, plus message, partial, activity)
  nextCursor: null,
  oldestLoaded: null, // created_at of the oldest listed job while older ones exist
  openId: null,
  cursor: readCursor(), // the last event seen: { id, job }
};

function readCursor() {
  try {
    const saved = JSON.parse(localStorage.getItem(CURSOR_KEY) || "null");
    return saved && Number.isInteger(saved.id) ? saved : null;
  } catch {
    return null;
  }
}

export function saveCursor(id, jobId) {
  if (state.cursor && id <= state.cursor.id) return;
  state.cursor = { id, job: jobId };
  localStorage.setItem(CURSOR_KEY, JSON.stringify(state.cursor));
}

export function forgetCursor() {
  state.cursor = null;
  localStorage.removeItem(CURSOR_KEY);
}

export const time = (iso) => Date.parse(iso);

const RANK = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

function isStale(answer, known) {
  // Every change sets updated_at to its event's timestamp, so an answer older than an event
  // already applied here must not undo it. Within one millisecond, a status never goes back.
  const answered = time(answer.updated_at);
  const seen = time(known.updated_at);
  return answered < seen || (answered === seen && RANK[answer.status] < RANK[known.status]);
}

export function remember(job) {
  // A job as GET (or a cancel or retry) answered it.
  const known = state.jobs.get(job.id);
  if (known && isStale(job, known)) return known;
  const merged = Object.assign(known || { activity: [], seen: new Set(), message: null }, job);
  if (!ACTIVE.has(merged.status)) merged.partial = null;
  state.jobs.set(job.id, merged);
  return merged;
}

// One event of a job known here, applied to it. Returns the job and its status before, to be
// shown; null when there is nothing to show (an unknown job, an event seen, an unknown type).
export function apply(event) {
  const job = state.jobs.get(event.job_id);
  if (!job || job.seen.has(event.id)) return null;
  job.seen.add(event.id);
  job.activity.push({ id: event.id, type: event.type, step: event.step || null,
    at: event.timestamp, text: activityText(job, event) });
  job.activity.sort((a, b) => a.id - b.id);
  // Older than what this page knows (a replay after a reload): history only, not state.
  if (time(event.timestamp) < time(job.updated_at)) return { job, before: job.status };
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
      return null;
  }
  return { job, before };
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

export function jobName(job) {
  const names = (job.inputs || []).map((f) => f.name).filter(Boolean);
  if (names.length > 1) return `${names[0]} and ${names.length - 1} more`;
  return names[0] || `${humanize(job.kind)} ${job.id.slice(0, 8)}`;
}

export function statusText(job) {
  if (job.status === "running" && job.cancel_requested) return "Stopping";
  if (job.status === "running") return `Running ${job.progress}%`;
  return STATUS_LABEL[job.status] || humanize(job.status);
}
