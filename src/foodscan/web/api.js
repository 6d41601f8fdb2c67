// The public HTTP API as the page calls it: one fetch helper that sends the user's access token
// (kept in this tab's sessionStorage) and turns an error answer into a Problem, and how a
// Problem is told to the user. The only module that calls fetch.

import { $, h } from "./dom.js";

const TOKEN_KEY = "foodscan.token";
let token = sessionStorage.getItem(TOKEN_KEY) || "";

// The token the user typed, "" without one.
export const currentToken = () => token;

export function setToken(value) {
  token = value;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class Problem extends Error {
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
  410: "The files are no longer kept",
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

// ``as: "blob"`` reads a successful answer as a Blob (a preview picture) instead of JSON.
export async function api(path, { method = "GET", body, as = "json" } = {}) {
  const headers = new Headers({ Accept: "application/json" });
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let response;
  try {
    response = await fetch(path, { method, body, headers });
  } catch {
    throw new Problem(0, null);
  }
  const type = response.headers.get("content-type") || "";
  const blob = as === "blob" && response.ok;
  const data = blob ? await response.blob()
    : type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const problem = new Problem(response.status, data, response.headers.get("retry-after"));
    if (response.status === 401) $("token-box").open = true;
    throw problem;
  }
  return { status: response.status, data, headers: response.headers };
}

export const jobPath = (id) => `/v1/jobs/${encodeURIComponent(id)}`;

export function showProblem(element, problem) {
  const { title, detail } = describe(problem);
  element.replaceChildren(h("strong", {}, title), detail ? h("span", {}, ` ${detail}`) : "");
  element.hidden = false;
}
