/* Location sharing while the route is under way: positions go live over the driver socket
 * (/ws/driver/); anything taken while it is down, or sent and never answered, goes to the outbox
 * in order. */

import { config, hooks, store } from "./state.js";

const POSITION_EVERY_MS = 5000;
const POSITION_FRESH_MS = 120000;
const POSITION_ANSWER_MS = 10000;
// Positions sent on the socket and not yet answered (by recorded_at, in ms).
const unanswered = new Map();
let watchId = null;
let lastSentAt = 0;
let socket = null;
let socketBackoffMs = 1000;
let socketTimer = null;

export function freshLocation() {
  if (!store.lastPosition || Date.now() - store.lastPosition.at > POSITION_FRESH_MS) return null;
  return { lat: store.lastPosition.lat, lng: store.lastPosition.lng };
}

export function tracking(state) {
  const active = state.route && state.route.status === "started";
  if (active && watchId === null && navigator.geolocation) {
    watchId = navigator.geolocation.watchPosition(positionTaken, () => {}, {
      enableHighAccuracy: true,
      maximumAge: 10000,
      timeout: 30000,
    });
    socketOpen();
  } else if (!active && watchId !== null) {
    navigator.geolocation.clearWatch(watchId);
    watchId = null;
    socketClose();
  }
}

export function positionTaken(position) {
  const c = position.coords;
  store.lastPosition = { lat: c.latitude, lng: c.longitude, at: Date.now() };
  if (Date.now() - lastSentAt < POSITION_EVERY_MS) return;
  lastSentAt = Date.now();
  const message = {
    lat: c.latitude,
    lng: c.longitude,
    accuracy: c.accuracy,
    heading: Number.isFinite(c.heading) ? c.heading : null,
    speed: Number.isFinite(c.speed) ? c.speed : null,
    recorded_at: new Date(position.timestamp || Date.now()).toISOString(),
  };
  // Live over the socket; anything taken while it is down goes to the outbox, in order. A
  // position sent on the socket counts only once the server says it is stored: unanswered
  // ones (a dead spot the phone has not noticed yet) go to the outbox too.
  if (navigator.onLine && socket && socket.readyState === WebSocket.OPEN && store.positionsWaiting === 0) {
    socket.send(JSON.stringify(Object.assign({ type: "position" }, message)));
    const key = Date.parse(message.recorded_at);
    unanswered.set(key, message);
    setTimeout(() => unansweredToOutbox([key]), POSITION_ANSWER_MS);
  } else {
    store.outbox.addPosition(message).then(() => hooks.outboxChanged());
  }
}

export function unansweredToOutbox(keys) {
  for (const key of keys) {
    const message = unanswered.get(key);
    if (!message) continue;
    unanswered.delete(key);
    store.outbox.addPosition(message).then(() => hooks.outboxChanged());
  }
}

export function socketOpen() {
  if (socket || socketTimer) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  try {
    socket = new WebSocket(`${scheme}://${location.host}${config.socket_path}`);
  } catch (refused) {
    socket = null;
    socketRetry();
    return;
  }
  socket.onopen = () => {
    socketBackoffMs = 1000;
    store.outbox.kick(true); // positions kept while it was down go out by HTTP
  };
  socket.onmessage = (event) => {
    try {
      const message = JSON.parse(event.data);
      if (message.type === "position.accepted" || message.type === "position.rejected") {
        unanswered.delete(Date.parse(message.data.recorded_at));
      }
      if (message.type === "position.rejected") console.warn("position rejected", message.data);
    } catch (notJson) {
      /* ignore */
    }
  };
  socket.onclose = () => {
    socket = null;
    unansweredToOutbox([...unanswered.keys()]);
    if (watchId !== null) socketRetry();
  };
}

export function socketRetry() {
  if (socketTimer) return;
  const wait = socketBackoffMs + Math.floor(Math.random() * 1000);
  socketBackoffMs = Math.min(socketBackoffMs * 2, 60000);
  socketTimer = setTimeout(() => {
    socketTimer = null;
    if (watchId !== null) socketOpen();
  }, wait);
}

export function socketClose() {
  if (socketTimer) clearTimeout(socketTimer);
  socketTimer = null;
  if (socket) {
    socket.onclose = null;
    socket.close();
    socket = null;
  }
  unansweredToOutbox([...unanswered.keys()]);
}

export function locationOnline() {
  if (watchId !== null && !socket) {
    socketBackoffMs = 1000;
    socketOpen();
  }
}
