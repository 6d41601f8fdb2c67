// The scan form: pick a kind, choose, drop or photograph files (as many as the kind takes),
// send them as one job and open it; the access token form; the history's Refresh and Show
// older buttons. A refused upload or load is shown in the form's error box. ("Scan again" asks
// the server to scan a finished job's kept uploads: jobs.js.)

import { api, currentToken, Problem, setToken, showProblem } from "./api.js";
import { config, kindConfig } from "./config.js";
import { $, announce, h } from "./dom.js";
import { bytes, humanize } from "./format.js";
import { fetchJob, loadHistory, openJob } from "./jobs.js";

let files = [];
// Answers that refuse the chosen file itself: too large, not a type we read, unreadable.
const FILE_REFUSALS = new Set([413, 415, 422]);

const DROPS = {
  receipt: ["Drop a receipt photo or PDF here", "JPEG, PNG, WebP or PDF; several photos of one long receipt in order."],
  products: ["Drop product photos here", "JPEG, PNG or WebP: front and back of each product, up to 10."],
  recipe: ["Drop a recipe file here", "Text, Markdown, a saved web page (HTML), DOCX, PDF or a photo."],
};

export function reportLoad(problem) {
  if (problem instanceof Problem) showProblem($("form-error"), problem);
}

function chooseFiles(fileList) {
  const max = kindConfig($("kind").value).max_files || 1;
  files = [...fileList].slice(0, max);
  $("form-error").hidden = true;
  $("form-notice").hidden = true;
  const chosen = $("chosen");
  chosen.hidden = files.length === 0;
  chosen.textContent = files.map((f) => `${f.name} (${bytes(f.size)})`).join(", ");
  $("drop").classList.toggle("has-file", files.length > 0);
  $("submit").disabled = files.length === 0;
  if (files.length) announce(`Chosen: ${chosen.textContent}. Press Scan to send it.`);
}

async function submitScan(event) {
  event.preventDefault();
  if (!files.length) return;
  const error = $("form-error");
  error.hidden = true;
  $("form-notice").hidden = true;
  const refusal = refuse(files);
  if (refusal) {
    resetForm();
    showProblem(error, refusal);
    return;
  }
  const button = $("submit");
  button.disabled = true;
  button.textContent = "Sending…";
  try {
    const { status, data } = await send($("kind").value, files);
    resetForm();
    if (status === 200) {
      const notice = $("form-notice");
      notice.textContent = "This file was scanned before: here is that earlier scan. Press Scan again to read it anew.";
      notice.hidden = false;
    }
    await fetchJob(data.job_id).catch(() => null);
    await openJob(data.job_id, { focus: true });
  } catch (problem) {
    if (!(problem instanceof Problem)) throw problem;
    // The file itself was refused (type, size, content): clear it, so Scan waits for another.
    // Other refusals (a limit, the server away) keep it chosen, to send again.
    if (FILE_REFUSALS.has(problem.status)) resetForm();
    else button.disabled = false;
    showProblem(error, problem);
  } finally {
    button.textContent = "Scan";
  }
}

// A Problem for a file the server would refuse anyway (empty, too large), or null.
function refuse(chosen) {
  const empty = chosen.find((f) => f.size === 0);
  if (empty) return new Problem(422, { detail: `${empty.name}: the file is empty.` });
  const tooBig = chosen.find((f) => f.size > config.max_upload_bytes);
  if (!tooBig) return null;
  return new Problem(413, { detail: `${tooBig.name}: the file is ${bytes(tooBig.size)}; the limit is ${bytes(config.max_upload_bytes)}.` });
}

function send(kind, chosen) {
  const form = new FormData();
  form.append("kind", kind);
  for (const file of chosen) form.append("file", file, file.name);
  return api("/v1/jobs", { method: "POST", body: form });
}

function resetForm() {
  $("file").value = "";
  $("camera").value = "";
  chooseFiles([]);
}

function setUpKinds() {
  const select = $("kind");
  select.replaceChildren(...config.kinds.map((k) => h("option", { value: k.kind }, humanize(k.kind))));
  const syncKind = () => {
    const kind = kindConfig(select.value);
    $("file").multiple = (kind.max_files || 1) > 1;
    if (Array.isArray(kind.accepts) && kind.accepts.length) $("file").accept = kind.accepts.join(",");
    const [title, help] = DROPS[select.value] || [`Drop a file here`, ""];
    document.querySelector(".drop-text").textContent = title;
    $("file-help").textContent = help;
    $("choose").textContent = select.value === "products" ? "Choose photos" : "Choose a file";
  };
  select.addEventListener("change", syncKind);
  syncKind();
}

function setUpDrop() {
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
}

// restart: what a new token sets going again (loading the history, the live stream).
export function setUpForm({ restart }) {
  setUpKinds();
  $("choose").addEventListener("click", () => $("file").click());
  $("take-photo").addEventListener("click", () => $("camera").click());
  for (const id of ["file", "camera"]) {
    $(id).addEventListener("change", (e) => chooseFiles(e.target.files));
  }
  setUpDrop();
  $("scan-form").addEventListener("submit", submitScan);
  $("token").value = currentToken();
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    setToken($("token").value.trim());
    restart();
  });
  $("refresh").addEventListener("click", () => loadHistory().catch(reportLoad));
  $("more").addEventListener("click", () => loadHistory({ more: true }).catch(reportLoad));
}
