/* The driver page's state: the server's newest data, the actions still in the outbox, and what
 * the driver has open. What is shown = the newest copy of the server's data + the outbox's
 * actions applied optimistically (`view()`), so the page works the same online, offline and
 * after a reload in a dead spot. */

import { conventions } from "../conventions.js";

export const config = JSON.parse(document.getElementById("driver-config").textContent);
export const embedded = JSON.parse(document.getElementById("driver-today").textContent);
export const FINISHED = new Set(["delivered", "failed", "cancelled"]);

export const store = {
  server: embedded, // the newest data the server gave us
  pending: [], // actions in the outbox, oldest first
  positionsWaiting: 0,
  problems: [],
  tab: "stop",
  selectedStop: null,
  form: null, // null | "early" (confirm delivering before the window) | "deliver" | "fail"
  photos: [], // Blobs chosen for the delivery being completed
  signature: null,
  outbox: null,
  signedOut: false,
  lastPosition: null, // { lat, lng, at } of the phone's newest position
};

// Set by driver.js. The modules that change the state call these instead of importing the
// screens (modules import one way: driver → screens → actions → location → state).
export const hooks = {
  render: () => {},
  outboxChanged: () => {},
};

// Times and dates as the business writes them (its clock, its order of day and month, its
// zone): web/conventions.js, with the settings the server put in the page's config.
export const business = conventions({
  locale: config.locale,
  hour12: config.hour12,
  monthFirst: config.monthFirst,
  timeZone: config.timeZone || config.time_zone,
});

export function view() {
  const state = JSON.parse(JSON.stringify(store.server));
  const waiting = new Set();
  for (const action of store.pending) {
    const route = state.route;
    if (action.kind === "route.start" && route && route.id === action.route) {
      route.status = "started";
      for (const order of state.orders) {
        if (order.status === "assigned") order.status = "out_for_delivery";
      }
    } else if (action.kind === "route.complete" && route && route.id === action.route) {
      route.status = "completed";
    } else if (action.kind === "order.delivered" || action.kind === "order.failed") {
      const order = state.orders.find((o) => o.id === action.order);
      if (order) order.status = action.kind === "order.delivered" ? "delivered" : "failed";
      waiting.add(action.order);
    } else if (action.kind === "proof") {
      waiting.add(action.order);
    } else if (action.kind === "stop.picked_up" && route && route.id === action.route) {
      const stop = route.stops.find((s) => s.id === action.stop);
      if (stop) stop.picked_up_at = stop.picked_up_at || new Date(action.createdAt).toISOString();
      waiting.add(action.stop);
    }
  }
  return { state, waiting };
}

export function stopsOf(state) {
  if (!state.route) return [];
  const orders = new Map(state.orders.map((order) => [order.id, order]));
  return state.route.stops
    .map((stop) => ({ stop, order: orders.get(stop.order) }))
    .filter((entry) => entry.order);
}

export function isPickup(stop) {
  return stop.kind === "pickup";
}

export function stopDone({ stop, order }) {
  if (FINISHED.has(order.status)) return true;
  return isPickup(stop) && Boolean(stop.picked_up_at);
}

export function currentStop(state) {
  const open = stopsOf(state).filter((entry) => !stopDone(entry));
  return open.find((entry) => entry.stop.id === store.selectedStop) || open[0] || null;
}

export async function serverSet(data) {
  store.server = data;
  if (store.outbox) await store.outbox.stateSet("snapshot", data);
}
