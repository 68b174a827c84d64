/* The driver's screens: the current stop (with the delivered / not delivered forms), the list
 * of stops and the map; the header shows the network, what waits in the outbox and problems. */

import {
  deliver, fail, formClose, photoForUpload, pickedUp, refresh, routeComplete, routeStart, signOut,
} from "./actions.js";
import { h } from "./dom.js";
import { tracking } from "./location.js";
import { SignaturePad } from "./signature.js";
import { duration, format, gettext, ngettext } from "../conventions.js";
import { FINISHED, business, config, currentStop, isPickup, store, stopDone, stopsOf, view } from "./state.js";

const MAX_PHOTOS = 9;
const app = document.getElementById("app");
const networkBadge = document.getElementById("network");
const waitingBar = document.getElementById("waiting");
const problemsBox = document.getElementById("problems");
let map = null;
let mapLayer = null;

export function windowsText(order) {
  return (order.time_windows || [])
    .map((w) => `${business.time(w.start)}–${business.time(w.end)}`)
    .join(", ");
}

/* When the order's first window opens, if that is still ahead (routing.lateness's rule for
 * "early": delivering before then is early); null once it has opened, or without windows. */
export function windowOpensLater(order, now = Date.now()) {
  const starts = (order.time_windows || []).map((w) => new Date(w.start).getTime());
  if (!starts.length) return null;
  const opens = Math.min(...starts);
  return opens > now ? new Date(opens) : null;
}

export function windowOpensText(opens, now = Date.now()) {
  const minutes = Math.ceil((opens.getTime() - now) / 60000);
  return format(gettext("Window opens at %(time)s — %(wait)s from now"), {
    time: business.time(opens),
    wait: duration(minutes),
  });
}

export function statusText(status) {
  return (
    {
      assigned: gettext("To do"),
      out_for_delivery: gettext("On the way"),
      delivered: gettext("Delivered"),
      failed: gettext("Not delivered"),
      cancelled: gettext("Cancelled"),
      unassigned: gettext("Removed"),
    }[status] || status
  );
}

export function routeStatusText(status) {
  return (
    {
      planned: gettext("route planned"),
      dispatched: gettext("route ready to start"),
      started: gettext("route under way"),
      completed: gettext("route completed"),
    }[status] || status
  );
}

export function navigationLinks(stop) {
  const where = stop.location;
  const destination = where ? `${where.lat},${where.lng}` : stop.address;
  const query = encodeURIComponent(destination);
  return [
    ["Google Maps", `https://www.google.com/maps/dir/?api=1&destination=${query}`],
    ["Apple Maps", `https://maps.apple.com/?daddr=${query}`],
    [
      "Waze",
      where
        ? `https://waze.com/ul?ll=${query}&navigate=yes`
        : `https://waze.com/ul?q=${query}&navigate=yes`,
    ],
  ].map(([label, href]) =>
    h("a", { className: "button nav", href, target: "_blank", rel: "noopener" }, label)
  );
}

export function contactLinks(order) {
  const phone = order.recipient.phone;
  if (!phone) return h("p", { className: "muted" }, gettext("No phone number for this recipient."));
  return h(
    "div",
    { className: "row" },
    h("a", { className: "button contact", href: `tel:${phone}` }, gettext("Call")),
    h("a", { className: "button contact", href: `sms:${phone}` }, gettext("SMS"))
  );
}

export function renderHeader(state) {
  const online = navigator.onLine;
  networkBadge.textContent = online ? gettext("Online") : gettext("Offline");
  networkBadge.className = "badge " + (online ? "online" : "offline");
  const count = store.pending.length;
  if (count || store.positionsWaiting) {
    const parts = [];
    if (count) {
      parts.push(format(ngettext("%(count)s action waiting", "%(count)s actions waiting", count), { count }));
    }
    if (store.positionsWaiting) {
      const positions = store.positionsWaiting;
      parts.push(
        format(ngettext("%(count)s position waiting", "%(count)s positions waiting", positions), { count: positions })
      );
    }
    waitingBar.textContent = parts.join(" · ");
    waitingBar.hidden = false;
  } else {
    waitingBar.hidden = true;
    waitingBar.textContent = "";
  }
  problemsBox.replaceChildren();
  if (store.signedOut) {
    problemsBox.append(
      h(
        "p",
        {},
        gettext("You are signed out. Your waiting actions are kept.") + " ",
        h("a", { href: config.login_url, className: "button" }, gettext("Sign in again"))
      )
    );
  }
  for (const problem of store.problems) {
    problemsBox.append(
      h(
        "div",
        { className: "problem" },
        h("p", {}, problem.message),
        h(
          "button",
          {
            type: "button",
            className: "button small",
            onclick: async () => {
              store.problems = store.problems.filter((p) => p.id !== problem.id);
              await store.outbox.stateSet("problems", store.problems);
              render();
            },
          },
          gettext("OK")
        )
      )
    );
  }
  problemsBox.hidden = !problemsBox.childElementCount;
  for (const button of document.querySelectorAll(".tab")) {
    button.setAttribute("aria-pressed", String(button.dataset.tab === store.tab));
  }
  return state;
}

export function renderSummary(state) {
  const stops = stopsOf(state);
  const done = stops.filter(stopDone).length;
  return h(
    "p",
    { className: "summary" },
    [
      state.driver ? state.driver.name : "",
      format(ngettext("%(count)s stop", "%(count)s stops", stops.length), { count: stops.length }),
      format(gettext("%(count)s done"), { count: done }),
      routeStatusText(state.route.status),
    ].join(" · ")
  );
}

export function renderStopTab(state, waiting) {
  if (!state.driver) {
    return [
      h("h1", {}, gettext("Not set up yet")),
      h("p", {}, gettext("Your account has no driver profile. Ask your dispatcher.")),
    ];
  }
  if (!state.route) {
    return [
      h("h1", {}, gettext("No route today")),
      h("p", {}, gettext("Nothing has been dispatched to you for today yet.")),
      h("button", { type: "button", className: "button primary", onclick: refresh }, gettext("Check again")),
    ];
  }
  const route = state.route;
  const parts = [renderSummary(state)];
  if (route.status === "dispatched") {
    parts.push(
      h("button", { type: "button", className: "button primary huge", onclick: routeStart }, gettext("Start route"))
    );
  }
  if (route.status === "completed") {
    parts.push(h("h1", {}, gettext("Route completed")), h("p", {}, gettext("Well done. Drive safely.")));
    return parts;
  }
  const current = currentStop(state);
  if (!current) {
    parts.push(h("h1", {}, gettext("All stops done")));
    if (route.status === "started") {
      parts.push(
        h("button", { type: "button", className: "button primary huge", onclick: routeComplete }, gettext("Complete route"))
      );
    }
    return parts;
  }
  if (store.form === "deliver") return parts.concat(renderDeliverForm(current.order));
  if (store.form === "fail") return parts.concat(renderFailForm(current.order, state));
  parts.push(renderStopCard(current, state, waiting));
  return parts;
}

export function renderStopCard({ stop, order }, state, waiting) {
  const stops = stopsOf(state);
  const eta = stop.expected_arrival || stop.eta || stop.planned_arrival;
  const started = state.route.status === "started";
  const canAct = started && order.status === "out_for_delivery";
  const pickup = isPickup(stop);
  const windows = pickup ? windowsText(order.pickup || {}) : windowsText(order);
  const opens = pickup ? null : windowOpensLater(order);
  let actions;
  if (pickup && started) {
    actions = h(
      "div",
      { className: "actions" },
      h("button", { type: "button", className: "button ok huge", onclick: () => pickedUp(stop, order) }, gettext("Picked up"))
    );
  } else if (!pickup && canAct && store.form === "early") {
    // Delivering before the window opens: the recipient may not be there yet. Asked here, in
    // the page, before the proof is taken.
    actions = h(
      "div",
      { className: "actions confirm", role: "group", "aria-label": gettext("Deliver early?") },
      h("p", { className: "early" }, gettext("Deliver before the window opens?")),
      h("button", { type: "button", className: "button ok huge", onclick: () => { store.form = "deliver"; render(); } }, gettext("Deliver now")),
      h("button", { type: "button", className: "button huge", onclick: () => { store.form = null; render(); } }, gettext("Cancel"))
    );
  } else if (!pickup && canAct) {
    actions = h(
      "div",
      { className: "actions" },
      // Asked at the tap, by the clock then: the card may have been drawn minutes before.
      h("button", { type: "button", className: "button ok huge", onclick: () => { store.selectedStop = stop.id; store.form = windowOpensLater(order) ? "early" : "deliver"; render(); } }, gettext("Delivered")),
      h("button", { type: "button", className: "button bad huge", onclick: () => { store.selectedStop = stop.id; store.form = "fail"; render(); } }, gettext("Not delivered"))
    );
  } else {
    actions = h("p", { className: "muted" }, state.route.status === "dispatched" ? gettext("Start the route to deliver.") : statusText(order.status));
  }
  return h(
    "section",
    { className: "card stop", "aria-label": gettext("Current stop") },
    h(
      "p",
      { className: "muted" },
      format(gettext("Stop %(number)s of %(count)s"), { number: stop.sequence, count: stops.length }),
      pickup ? ` · ${gettext("pickup")}` : "",
      waiting.has(order.id) || waiting.has(stop.id) ? ` · ${gettext("waiting to send")}` : ""
    ),
    pickup
      ? h("p", { className: "kind" }, order.recipient.name
        ? format(gettext("Collect the goods for %(name)s"), { name: order.recipient.name })
        : gettext("Collect the goods for the recipient"))
      : null,
    h("h1", {}, pickup ? gettext("Pickup") : order.recipient.name || gettext("Recipient")),
    h("p", { className: "address" }, stop.address),
    windows ? h("p", { className: "window" }, format(gettext("Time window %(windows)s"), { windows })) : null,
    opens && !FINISHED.has(order.status) ? h("p", { className: "early" }, windowOpensText(opens)) : null,
    eta ? h("p", {}, format(gettext("Expected %(time)s"), { time: business.time(eta) })) : null,
    stop.late ? h("p", { className: "late" }, gettext("Late: expected after its time window")) : null,
    !stop.late && stop.running_late ? h("p", { className: "late" }, gettext("Running late")) : null,
    order.notes ? h("p", { className: "notes" }, h("strong", {}, gettext("Notes:") + " "), order.notes) : null,
    order.delivery_instructions
      ? h("p", { className: "notes instructions" }, h("strong", {}, gettext("From the recipient:") + " "), order.delivery_instructions)
      : null,
    pickup ? null : contactLinks(order),
    h("div", { className: "row" }, navigationLinks(stop)),
    actions
  );
}

export function renderDeliverForm(order) {
  const previews = h("div", { className: "previews" });
  const showPreviews = () => {
    previews.replaceChildren(
      ...store.photos.map((blob) => h("img", { src: URL.createObjectURL(blob), alt: gettext("Photo taken") }))
    );
  };
  const photoInput = h("input", {
    type: "file",
    id: "photo",
    name: "photo",
    accept: "image/*",
    capture: "environment",
    className: "visually-hidden",
    onchange: async (event) => {
      for (const file of event.target.files) {
        // The API takes 10 files per upload: 9 photos leave room for the signature.
        if (store.photos.length < MAX_PHOTOS) store.photos.push(await photoForUpload(file));
      }
      event.target.value = "";
      showPreviews();
    },
  });
  const canvas = h("canvas", { id: "signature", className: "signature", "aria-label": gettext("Signature: sign with your finger") });
  const element = h(
    "form",
    {
      className: "card form",
      "aria-label": gettext("Complete delivery"),
      onsubmit: (event) => {
        event.preventDefault();
        element.querySelector("button[type=submit]").disabled = true; // one tap, one delivery
        deliver(order, element);
      },
    },
    h("h1", {}, format(gettext("Deliver to %(name)s"), { name: order.recipient.name || order.address })),
    h("label", { for: "photo", className: "button" }, gettext("Photo")),
    photoInput,
    previews,
    h("p", { className: "label" }, gettext("Signature")),
    canvas,
    h("button", { type: "button", className: "button small", onclick: () => store.signature && store.signature.clear() }, gettext("Clear signature")),
    h("label", { for: "recipient-name" }, gettext("Recipient name")),
    h("input", { id: "recipient-name", name: "recipient_name", autocomplete: "off", maxlength: "200", value: order.recipient.name || "" }),
    h("label", { for: "deliver-note" }, gettext("Note")),
    h("textarea", { id: "deliver-note", name: "note", rows: "2", maxlength: "2000" }),
    h("button", { type: "submit", className: "button ok huge" }, gettext("Confirm delivery")),
    h("button", { type: "button", className: "button", onclick: formClose }, gettext("Back"))
  );
  showPreviews();
  requestAnimationFrame(() => {
    store.signature = new SignaturePad(canvas);
  });
  return element;
}

export function renderFailForm(order, state) {
  const element = h(
    "form",
    {
      className: "card form",
      "aria-label": gettext("Not delivered"),
      onsubmit: (event) => {
        event.preventDefault();
        fail(order, element);
      },
    },
    h("h1", {}, format(gettext("Not delivered: %(name)s"), { name: order.recipient.name || order.address })),
    h(
      "fieldset",
      { className: "reasons" },
      h("legend", {}, gettext("Reason")),
      state.failure_reasons.map((reason) =>
        h("label", { className: "reason" }, h("input", { type: "radio", name: "reason", value: reason.value }), reason.label)
      )
    ),
    h("p", { className: "form-error", role: "alert" }),
    h("label", { for: "fail-note" }, gettext("Note")),
    h("textarea", { id: "fail-note", name: "note", rows: "3", maxlength: "2000" }),
    h("button", { type: "submit", className: "button bad huge" }, gettext("Confirm not delivered")),
    h("button", { type: "button", className: "button", onclick: formClose }, gettext("Back"))
  );
  return element;
}

export function renderListTab(state, waiting) {
  if (!state.route) return [h("p", {}, gettext("No route today."))];
  const items = stopsOf(state).map(({ stop, order }) =>
    h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          className: `stop-item status-${stopDone({ stop, order }) && isPickup(stop) ? "picked-up" : order.status}`,
          onclick: () => {
            store.selectedStop = stop.id;
            store.form = null;
            store.tab = "stop";
            render();
          },
        },
        h("span", { className: "number" }, String(stop.sequence)),
        h(
          "span",
          { className: "what" },
          h("strong", {}, isPickup(stop) ? format(gettext("Pickup for %(name)s"), { name: order.recipient.name }) : order.recipient.name || order.address),
          h("span", {}, stop.address),
          windowsText(isPickup(stop) ? order.pickup || {} : order) ? h("span", {}, windowsText(isPickup(stop) ? order.pickup || {} : order)) : null
        ),
        h(
          "span",
          { className: "state" },
          isPickup(stop) ? (stop.picked_up_at ? gettext("Picked up") : gettext("To collect")) : statusText(order.status),
          waiting.has(order.id) || waiting.has(stop.id) ? " ⏳" : ""
        )
      )
    )
  );
  return [
    renderSummary(state),
    h("ol", { className: "stops" }, items),
    h("button", { type: "button", className: "button", onclick: signOut }, gettext("Sign out")),
  ];
}

export function renderMapTab(state) {
  const container = h("div", { id: "map", className: "map", role: "region", "aria-label": gettext("Map of today's stops") });
  const note = h(
    "p",
    { className: "muted" },
    gettext("Numbers are the stops in order. The map background needs a connection.")
  );
  requestAnimationFrame(() => mapDraw(container, state));
  return [container, note];
}

export function mapDraw(container, state) {
  if (!window.L) {
    container.replaceChildren(h("p", {}, gettext("The map is not available; use the list.")));
    return;
  }
  if (map) map.remove();
  map = L.map(container, { zoomControl: true, attributionControl: true });
  L.tileLayer(config.map_tile_url, { attribution: config.map_tile_attribution, maxZoom: 19 }).addTo(map);
  mapLayer = L.featureGroup().addTo(map);
  const points = [];
  if (state.route) {
    for (const { stop, order } of stopsOf(state)) {
      if (!stop.location) continue;
      const at = [stop.location.lat, stop.location.lng];
      points.push(at);
      const look = isPickup(stop) ? (stop.picked_up_at ? "picked-up" : "pickup") : order.status;
      L.marker(at, {
        icon: L.divIcon({ className: `pin status-${look}`, html: String(stop.sequence), iconSize: [34, 34] }),
        title: `${stop.sequence}. ${stop.address}`,
      }).addTo(mapLayer);
    }
    if (points.length > 1) L.polyline(points, { color: "#0645ad", weight: 4 }).addTo(mapLayer);
  }
  if (store.lastPosition) {
    L.circleMarker([store.lastPosition.lat, store.lastPosition.lng], { radius: 9, color: "#d00", fillOpacity: 1 }).addTo(mapLayer);
  }
  if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.2));
  else map.setView([0, 0], 2);
}

export function render() {
  const { state, waiting } = view();
  renderHeader(state);
  // Keep the open form (photo, signature, typed name) under the driver's finger while the
  // outbox and refreshes change things around it.
  if (store.tab === "stop" && store.form && app.querySelector("form")) {
    return tracking(state);
  }
  let parts;
  if (store.tab === "list") parts = renderListTab(state, waiting);
  else if (store.tab === "map") parts = renderMapTab(state);
  else parts = renderStopTab(state, waiting);
  if (map && store.tab !== "map") {
    map.remove();
    map = null;
  }
  app.replaceChildren(...[].concat(parts));
  tracking(state);
}
