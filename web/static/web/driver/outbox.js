/* The phone's outbox: every action the driver takes (start, proof, delivered/failed, complete)
 * and every position taken while the socket is down is kept in IndexedDB and sent in order when
 * the network allows, each with its own Idempotency-Key, so that a retry after a lost answer
 * never does an action twice. Nothing is dropped silently: a refusal becomes a "problem" the
 * driver sees. */

import { format, gettext } from "../conventions.js";

const DB_NAME = "driver";
const DB_VERSION = 1;
const POSITION_BATCH = 500;
const MAX_BACKOFF_MS = 30000;

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("actions", { keyPath: "seq", autoIncrement: true });
      db.createObjectStore("positions", { keyPath: "seq", autoIncrement: true });
      db.createObjectStore("state");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function randomKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function csrfToken(fallback) {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : fallback;
}

/* A multipart body built once, byte for byte, with a fixed boundary: a retry sends exactly
 * the same bytes, which the server's idempotency check requires (FormData would pick a new
 * random boundary on every send). */
export function multipart(fields, files) {
  const boundary = "----driver" + randomKey().replace(/-/g, "");
  const parts = [];
  for (const [name, value] of fields) {
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
    );
  }
  for (const [name, blob, filename] of files) {
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n` +
        `Content-Type: ${blob.type || "application/octet-stream"}\r\n\r\n`,
      blob,
      "\r\n"
    );
  }
  parts.push(`--${boundary}--\r\n`);
  return { body: new Blob(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export class Outbox {
  constructor({ csrf, onChange, onResult, onProblem, onSignedOut }) {
    this.csrf = csrf;
    this.onChange = onChange || (() => {});
    this.onResult = onResult || (() => {});
    this.onProblem = onProblem || (() => {});
    this.onSignedOut = onSignedOut || (() => {});
    this.db = null;
    this.running = false;
    this.again = false;
    this.paused = false;
    this.backoffMs = 1000;
    this.timer = null;
    this.positionBatchKey = null;
  }

  async open() {
    this.db = await openDb();
    window.addEventListener("online", () => this.kick(true));
    return this;
  }

  store(name, mode) {
    return this.db.transaction(name, mode || "readonly").objectStore(name);
  }

  async stateGet(key) {
    return done(this.store("state").get(key));
  }

  async stateSet(key, value) {
    return done(this.store("state", "readwrite").put(value, key));
  }

  async actions() {
    return done(this.store("actions").getAll());
  }

  async positionsCount() {
    return done(this.store("positions").count());
  }

  /* action: {kind, label, method, url, body (string|Blob), contentType, order?, route?, data?} */
  async add(action) {
    const record = Object.assign({ idempotencyKey: randomKey(), createdAt: Date.now() }, action);
    await done(this.store("actions", "readwrite").add(record));
    await this.onChange();
    this.kick(true);
    return record;
  }

  async addPosition(position) {
    await done(this.store("positions", "readwrite").add(position));
    this.kick(false);
  }

  kick(resetBackoff) {
    if (resetBackoff) this.backoffMs = 1000;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.run();
  }

  later() {
    if (this.timer) clearTimeout(this.timer);
    const wait = this.backoffMs + Math.floor(Math.random() * 500);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, wait);
  }

  async send(method, url, body, contentType, key) {
    const headers = { "Idempotency-Key": key, "X-CSRFToken": csrfToken(this.csrf) };
    if (contentType) headers["Content-Type"] = contentType;
    return fetch(url, {
      method,
      body,
      headers,
      credentials: "same-origin",
      cache: "no-store",
    });
  }

  async run() {
    if (this.running || this.paused) return;
    this.running = true;
    this.again = false;
    let retry = false;
    try {
      retry = !(await this.drainActions());
      if (!retry) retry = !(await this.drainPositions());
    } finally {
      this.running = false;
    }
    if (this.paused) return;
    // A kick while this round ran (back online, a new action) deserves a try right away.
    if (this.again) this.run();
    else if (retry) this.later();
  }

  /* true when the queue is empty, false when something must be retried later. */
  async drainActions() {
    for (;;) {
      const cursor = await done(this.store("actions").openCursor());
      if (!cursor) return true;
      const action = cursor.value;
      let response;
      try {
        response = await this.send(
          action.method,
          action.url,
          action.body,
          action.contentType,
          action.idempotencyKey
        );
      } catch (networkError) {
        return false; // offline or a dead spot: keep it, try again later
      }
      const outcome = await this.outcome(response);
      if (outcome.kind === "retry") return false;
      if (outcome.kind === "signed-out") {
        this.paused = true;
        this.onSignedOut();
        return false;
      }
      await done(this.store("actions", "readwrite").delete(action.seq));
      this.backoffMs = 1000;
      if (outcome.kind === "ok") await this.onResult(action, outcome.body);
      else await this.onProblem(action, outcome.error, response.status);
      await this.onChange();
    }
  }

  async outcome(response) {
    let body = null;
    try {
      body = await response.json();
    } catch (notJson) {
      body = null;
    }
    if (response.ok) return { kind: "ok", body };
    const error = (body && body.error) || {
      code: "http_" + response.status,
      message: format(gettext("The server answered %(status)s."), { status: response.status }),
    };
    if (response.status === 401 || response.status === 403) return { kind: "signed-out" };
    if (response.status >= 500 || response.status === 429) return { kind: "retry" };
    if (response.status === 409 && error.code === "idempotency_request_in_progress") {
      return { kind: "retry" };
    }
    return { kind: "problem", error };
  }

  /* Positions go out in batches, oldest first; the batch keeps its key until it is answered. */
  async drainPositions() {
    for (;;) {
      const batch = await done(this.store("positions").getAll(null, POSITION_BATCH));
      if (!batch.length) return true;
      const first = batch[0].seq;
      const last = batch[batch.length - 1].seq;
      if (!this.positionBatchKey || this.positionBatchKey.first !== first ||
          this.positionBatchKey.last !== last) {
        this.positionBatchKey = { first, last, key: randomKey() };
      }
      const positions = batch.map(({ seq, ...position }) => position);
      let response;
      try {
        response = await this.send(
          "POST",
          "/api/v1/positions",
          JSON.stringify({ positions }),
          "application/json",
          this.positionBatchKey.key
        );
      } catch (networkError) {
        return false;
      }
      if (response.status >= 500 || response.status === 429 || response.status === 404 ||
          response.status === 401 || response.status === 403 || response.status === 409) {
        // 404: a server without the positions endpoint yet; keep them for a later try.
        return false;
      }
      if (!response.ok) {
        console.warn("positions refused", response.status, await response.text());
      }
      await done(this.store("positions", "readwrite").delete(IDBKeyRange.bound(first, last)));
      this.positionBatchKey = null;
      await this.onChange();
    }
  }

  async clear() {
    this.db.close();
    await done(indexedDB.deleteDatabase(DB_NAME));
  }
}
