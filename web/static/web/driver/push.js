/* The dispatcher's changes reach the phone by push: the route socket (/ws/driver/route/) says
 * when the driver's route or one of its orders changed (`route.changed`, `order.changed`), and
 * the page re-reads its data at once. Polling (driver.js) stays as the fallback for a socket
 * that is down; a socket that comes back re-reads too, for what it missed, and so does a socket
 * told `resync` (the server's channel layer came back and pushes sent meanwhile were lost). */

import { refresh } from "./actions.js";
import { config } from "./state.js";

const REFRESH_AFTER_MS = 200; // a re-plan changes many orders at once: one read for the burst
let socket = null;
let backoffMs = 1000;
let retryTimer = null;
let refreshTimer = null;
let wanted = false;

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, REFRESH_AFTER_MS);
}

function open() {
  if (socket || retryTimer || !wanted) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  try {
    socket = new WebSocket(`${scheme}://${location.host}${config.route_socket_path}`);
  } catch (refused) {
    socket = null;
    retry();
    return;
  }
  let opened = false;
  socket.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (notJson) {
      return;
    }
    if (message.type === "hello") {
      document.body.dataset.push = "open";
      if (opened) return;
      opened = true;
      if (backoffMs > 1000) refreshSoon(); // back after a drop: catch up
      backoffMs = 1000;
    } else if (
      message.type === "route.changed" ||
      message.type === "order.changed" ||
      message.type === "resync"
    ) {
      refreshSoon();
    }
  };
  socket.onclose = (event) => {
    socket = null;
    document.body.dataset.push = "closed";
    // Not a driver (any more), or signed out: the data request will say so; do not insist.
    if (event.code === 4401 || event.code === 4403) {
      wanted = false;
      return;
    }
    retry();
  };
}

function retry() {
  if (retryTimer || !wanted) return;
  const wait = backoffMs + Math.floor(Math.random() * 1000);
  backoffMs = Math.min(backoffMs * 2, 60000);
  retryTimer = setTimeout(() => {
    retryTimer = null;
    open();
  }, wait);
}

export function pushOpen() {
  wanted = true;
  if (navigator.onLine) open();
}

export function pushOnline() {
  if (!wanted) return;
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  backoffMs = 2000; // refresh once it is back
  open();
}

export function pushClose() {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  if (socket) {
    socket.onclose = null;
    socket.close();
    socket = null;
    document.body.dataset.push = "closed";
  }
}
