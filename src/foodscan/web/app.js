// foodscan's web page: submit a scan, follow every job of the user live over /v1/events,
// browse the history, open a job, cancel, retry and scan it again. It speaks the public HTTP
// API only.
//
// The entry module (index.html loads it with <script type="module">). The page's parts are
// native ES modules beside it, served by foodscan from foodscan/web, with no build step:
//   api.js       the fetch helper, the access token, problems told to the user
//   live.js      the event stream (EventSource, tickets, reconnects) and its polling fallback
//   state.js     the jobs as this page knows them, events applied to them, the event cursor
//   jobs.js      reading, opening, cancelling, retrying and rescanning jobs, and rendering
//                what changed
//   history.js   the history list; detail.js the open job's panel
//   receipt.js, products.js, recipe.js   a result of each kind
//   form.js      the scan form and the token form
//   config.js    what the server told the page; dom.js, format.js elements and text
// This module wires them together and starts the page.

import { currentToken, Problem } from "./api.js";
import { config } from "./config.js";
import { $ } from "./dom.js";
import { reportLoad, setUpForm } from "./form.js";
import { renderHistory } from "./history.js";
import { cancelJob, loadHistory, openJob, queueRefresh, rescanJob, retryJob } from "./jobs.js";
import { checkCursor, live, setConnection } from "./live.js";
import { state } from "./state.js";

const wantedJob = () => new URLSearchParams(location.hash.slice(1)).get("job");

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
  const wanted = wantedJob();
  if (wanted) await openJob(wanted);
  live.connect();
}

setUpForm({ restart: start });
$("history").addEventListener("click", (e) => {
  const row = e.target.closest(".history-item");
  if (row) openJob(row.dataset.id, { focus: true });
});
$("job").addEventListener("click", (e) => {
  const action = e.target.closest("[data-action]")?.dataset.action;
  if (action === "cancel") cancelJob($("job").dataset.jobId);
  if (action === "retry") retryJob($("job").dataset.jobId);
  if (action === "rescan") rescanJob($("job").dataset.jobId);
});
if (config.auth && !currentToken()) $("token-box").open = true;
queueRefresh.start();
window.setInterval(renderHistory, 30000);
window.addEventListener("hashchange", () => {
  const wanted = wantedJob();
  if (wanted && wanted !== state.openId) openJob(wanted, { focus: true });
});
start();
