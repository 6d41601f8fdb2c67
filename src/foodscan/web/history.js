// The history list: one row per job this page knows, newest first, each row's element kept and
// updated in place. Opening a row is wired by the page (app.js), by the row's data-id.

import { $, h } from "./dom.js";
import { ago, fullDate, humanize } from "./format.js";
import { jobName, state, statusText, time } from "./state.js";

const rows = new Map(); // job id -> its history row's elements

function sortedJobs() {
  const created = (job) => time(job.created_at);
  return [...state.jobs.values()].sort((a, b) => created(b) - created(a) || (a.id < b.id ? 1 : -1));
}

export function renderHistory() {
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
