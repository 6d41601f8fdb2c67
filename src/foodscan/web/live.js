// Live updates: one EventSource on /v1/events (the user's channel). The browser resends
// Last-Event-ID when it reconnects by itself; when the stream fails for good a new one is
// opened with ?after= the last event seen (state.cursor, kept in localStorage, so a reload
// replays exactly what happened since). With a token EventSource cannot send the Authorization
// header: the page asks for a single-use ticket (POST /v1/events/tickets) and opens
// /v1/events?ticket=…; a ticket works once, so after a drop it asks for a new one. The jobs
// still active are polled only while there is no stream.

import { api, currentToken, jobPath, Problem } from "./api.js";
import { $ } from "./dom.js";
import { onEvent, refreshJobs } from "./jobs.js";
import { ACTIVE, forgetCursor, state } from "./state.js";

const POLL_MS = 2000;

export function setConnection(mode) {
  const texts = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", polling: "Checking every few seconds" };
  $("connection").dataset.state = mode;
  $("connection-text").textContent = texts[mode];
}

export const live = {
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
    if (currentToken()) {
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
      if (source.readyState !== EventSource.CLOSED && !currentToken()) {
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

export async function checkCursor() {
  // A cursor saved against a database that was since reset would skip new events.
  const saved = state.cursor;
  if (!saved || state.jobs.has(saved.job)) return;
  try {
    await api(jobPath(saved.job));
  } catch (problem) {
    if (problem instanceof Problem && problem.status === 404) forgetCursor();
  }
}
