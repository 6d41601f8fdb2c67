// The user's jobs kept in step with the server and on screen: read a job (one GET at a time,
// holding the events that arrive meanwhile), take in an event, list the history (summaries: a
// job is read in full when opened), open, cancel, retry and scan again a job, and refresh the
// ones whose queue position may have moved. Whatever changes a job here is rendered here.

import { api, jobPath, Problem, showProblem } from "./api.js";
import { $, announce } from "./dom.js";
import { buildDetail, closeDetail, focusTitle, renderDetail, showDetailProblem, showsJob } from "./detail.js";
import { renderHistory } from "./history.js";
import { apply, jobName, remember, saveCursor, state, time } from "./state.js";

const PAGE_SIZE = 20;
const QUEUE_REFRESH_MS = 3000;

const pending = new Map(); // job id -> events that arrived while the job was being fetched
const fetching = new Map(); // job id -> its GET in flight

function render(job) {
  renderHistory();
  if (job.id === state.openId) renderDetail(job);
}

export function fetchJob(id) {
  // One GET per job at a time; events that arrive meanwhile wait in pending.
  if (!fetching.has(id)) {
    const request = api(jobPath(id))
      .then(({ data }) => {
        const job = remember(data);
        const waiting = pending.get(id) || [];
        pending.delete(id);
        for (const event of waiting) show(event);
        render(job);
        return job;
      })
      .finally(() => fetching.delete(id));
    fetching.set(id, request);
  }
  return fetching.get(id);
}

export function onEvent(event) {
  saveCursor(event.id, event.job_id);
  if (state.jobs.has(event.job_id)) {
    show(event);
    return;
  }
  // A replayed event of a job older than the listed page: it appears with "Show older".
  if (state.oldestLoaded && time(event.timestamp) < time(state.oldestLoaded)) return;
  // A job this page has not listed yet (just submitted, or from elsewhere): read it, list it.
  if (!pending.has(event.job_id)) pending.set(event.job_id, []);
  pending.get(event.job_id).push(event);
  fetchJob(event.job_id).catch(() => pending.delete(event.job_id));
}

function show(event) {
  const applied = apply(event);
  if (!applied) return;
  const { job, before } = applied;
  render(job);
  if (before !== job.status) {
    statusChanged(job);
    queueRefresh.soon();
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

export async function refreshJobs(which) {
  const ids = [...state.jobs.values()].filter(which).map((j) => j.id);
  await Promise.all(ids.map((id) => api(jobPath(id))
    .then(({ data }) => render(remember(data)))
    .catch(() => null)));
}

// Queue positions move when other users' jobs finish, which this user's channel does not say.
export const queueRefresh = {
  timer: null,
  soon() {
    window.clearTimeout(this.soonTimer);
    this.soonTimer = window.setTimeout(() => refreshJobs((j) => j.status === "queued"), 300);
  },
  start() {
    this.timer = window.setInterval(() => refreshJobs((j) => j.status === "queued"), QUEUE_REFRESH_MS);
  },
};

export async function loadHistory({ more = false } = {}) {
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

export async function openJob(id, { focus = false } = {}) {
  state.openId = id;
  if (location.hash !== `#job=${id}`) history.replaceState(null, "", `#job=${id}`);
  let job = state.jobs.get(id);
  // The history lists summaries (no result): read the job in full before showing it.
  if (!job || !("result" in job)) {
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
  if (focus) focusTitle();
}

export async function cancelJob(id) {
  try {
    const { data } = await api(jobPath(id), { method: "DELETE" });
    const job = remember(data);
    render(job);
    announce(job.status === "cancelled" ? `${jobName(job)} was cancelled.` : `Stopping ${jobName(job)}…`);
  } catch (problem) {
    if (problem instanceof Problem) showDetailProblem(problem);
  }
}

export async function retryJob(id) {
  try {
    const { data } = await api(`${jobPath(id)}/retry`, { method: "POST" });
    const job = remember(data);
    job.activity = [];
    if (showsJob(id)) buildDetail(job);
    render(job);
    announce(`${jobName(job)} is queued again.`);
    focusTitle();
  } catch (problem) {
    if (problem instanceof Problem) showDetailProblem(problem);
  }
}

// "Scan again" on any finished job: the server makes a new job of the uploads it kept (the
// same kind and options); the new job opens at once.
export async function rescanJob(id) {
  try {
    const { data } = await api(`${jobPath(id)}/rescan`, { method: "POST" });
    $("form-notice").hidden = true;
    $("form-error").hidden = true;
    await fetchJob(data.job_id).catch(() => null);
    await openJob(data.job_id, { focus: true });
    const job = state.jobs.get(data.job_id);
    if (job) announce(`${jobName(job)} is being scanned again.`);
  } catch (problem) {
    if (problem instanceof Problem) showDetailProblem(problem);
  }
}
