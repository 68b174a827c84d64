/* The driver's phone: today's route, the current stop, proof of delivery, location sharing.
 * What is shown = the newest copy of the server's data + the driver's actions still waiting in
 * the outbox (applied optimistically), so the page works the same online, offline and after a
 * reload in a dead spot. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("driver-config").textContent);
  const embedded = JSON.parse(document.getElementById("driver-today").textContent);
  const FINISHED = new Set(["delivered", "failed", "cancelled"]);
  const POSITION_EVERY_MS = 5000;
  const POSITION_FRESH_MS = 120000;
  // The dispatcher's changes (an order assigned by hand, one cancelled or moved to another
  // day) reach the phone within this time while the page is open, and at once when it is
  // brought back to the front. The phone's socket only sends (no channel-layer subscription).
  const ROUTE_REFRESH_MS = 30000;
  const PHOTO_MAX_SIDE = 1600;
  const MAX_PHOTOS = 9;

  const app = document.getElementById("app");
  const networkBadge = document.getElementById("network");
  const waitingBar = document.getElementById("waiting");
  const problemsBox = document.getElementById("problems");

  let server = embedded; // the newest data the server gave us
  let pending = []; // actions in the outbox, oldest first
  let positionsWaiting = 0;
  // Positions sent on the socket and not yet answered (by recorded_at, in ms).
  const unanswered = new Map();
  const POSITION_ANSWER_MS = 10000;
  let problems = [];
  let tab = "stop";
  let selectedStop = null;
  let form = null; // null | "deliver" | "fail"
  let photos = []; // Blobs chosen for the delivery being completed
  let signature = null;
  let outbox = null;
  let signedOut = false;
  let map = null;
  let mapLayer = null;
  let watchId = null;
  let lastPosition = null;
  let lastSentAt = 0;
  let socket = null;
  let socketBackoffMs = 1000;
  let socketTimer = null;

  const clock = new Intl.DateTimeFormat([], {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    timeZone: config.time_zone,
  });

  /* ---------- small DOM helper ---------- */
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else if (name === "className") element.className = value;
      else element.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  /* ---------- state ---------- */
  function view() {
    const state = JSON.parse(JSON.stringify(server));
    const waiting = new Set();
    for (const action of pending) {
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

  function stopsOf(state) {
    if (!state.route) return [];
    const orders = new Map(state.orders.map((order) => [order.id, order]));
    return state.route.stops
      .map((stop) => ({ stop, order: orders.get(stop.order) }))
      .filter((entry) => entry.order);
  }

  function isPickup(stop) {
    return stop.kind === "pickup";
  }

  function stopDone({ stop, order }) {
    if (FINISHED.has(order.status)) return true;
    return isPickup(stop) && Boolean(stop.picked_up_at);
  }

  function currentStop(state) {
    const open = stopsOf(state).filter((entry) => !stopDone(entry));
    return open.find((entry) => entry.stop.id === selectedStop) || open[0] || null;
  }

  async function serverSet(data) {
    server = data;
    if (outbox) await outbox.stateSet("snapshot", data);
  }

  async function refresh() {
    if (signedOut) return;
    try {
      const response = await fetch(config.data_url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (response.redirected || !type.includes("application/json")) {
        signOutNotice();
        return;
      }
      if (response.ok) {
        const data = await response.json();
        // In a dead spot the service worker answers with its last copy: never go backwards.
        if (new Date(data.generated_at) >= new Date(server.generated_at)) await serverSet(data);
        render();
      }
    } catch (offline) {
      /* a dead spot: keep what we have */
    }
  }

  /* ---------- outbox callbacks ---------- */
  async function onChange() {
    pending = await outbox.actions();
    positionsWaiting = await outbox.positionsCount();
    render();
  }

  async function onResult(action, body) {
    if (!body) return;
    if (
      action.kind === "route.start" ||
      action.kind === "route.complete" ||
      action.kind === "stop.picked_up"
    ) {
      await serverSet(Object.assign({}, server, { route: body }));
      if (action.kind === "route.start") refresh();
    } else if (action.kind === "order.delivered" || action.kind === "order.failed") {
      const orders = server.orders.map((order) => (order.id === body.id ? body : order));
      await serverSet(Object.assign({}, server, { orders }));
    }
    if (pending.length <= 1) refresh();
  }

  async function onProblem(action, error, status) {
    problems.push({
      id: action.idempotencyKey,
      message: `${action.label}: ${error.message}`,
      code: error.code,
      status,
    });
    await outbox.stateSet("problems", problems);
    refresh(); // the dispatcher changed something: show the truth
  }

  function signOutNotice() {
    signedOut = true;
    render();
  }

  /* ---------- actions ---------- */
  function jsonAction(kind, label, url, data, ids) {
    return outbox.add(
      Object.assign(
        {
          kind,
          label,
          method: "POST",
          url,
          body: data === null ? null : JSON.stringify(data),
          contentType: data === null ? null : "application/json",
        },
        ids
      )
    );
  }

  function freshLocation() {
    if (!lastPosition || Date.now() - lastPosition.at > POSITION_FRESH_MS) return null;
    return { lat: lastPosition.lat, lng: lastPosition.lng };
  }

  async function routeStart() {
    const route = view().state.route;
    await jsonAction("route.start", "Start route", `/api/v1/routes/${route.id}/start`, null, {
      route: route.id,
    });
    tab = "stop";
  }

  async function routeComplete() {
    const route = view().state.route;
    await jsonAction(
      "route.complete",
      "Complete route",
      `/api/v1/routes/${route.id}/complete`,
      null,
      { route: route.id }
    );
  }

  async function pickedUp(stop, order) {
    const route = view().state.route;
    const where = freshLocation();
    await jsonAction(
      "stop.picked_up",
      `Picked up for ${order.recipient.name || order.address}`,
      `/api/v1/routes/${route.id}/stops/${stop.id}/picked-up`,
      where ? { location: where } : {},
      { route: route.id, stop: stop.id }
    );
    selectedStop = null;
  }

  async function photoForUpload(file) {
    // Phone cameras take 3–8 MB pictures; a smaller JPEG goes through a weak signal far sooner.
    try {
      if (file.size < 1500000 || !window.createImageBitmap) return file;
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const smaller = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
      return smaller && smaller.size < file.size ? smaller : file;
    } catch (unreadable) {
      return file;
    }
  }

  async function deliver(order, formElement) {
    const name = formElement.elements.recipient_name.value.trim();
    const note = formElement.elements.note.value.trim();
    const files = photos.map((blob, index) => [
      "photo",
      blob,
      `photo-${index + 1}.${blob.type === "image/png" ? "png" : blob.type === "image/webp" ? "webp" : "jpg"}`,
    ]);
    if (signature && signature.inked) {
      files.push(["signature", await signature.toBlob(), "signature.png"]);
    }
    const where = freshLocation();
    const label = order.recipient.name || order.address;
    if (files.length) {
      const fields = [];
      if (name) fields.push(["recipient_name", name]);
      if (where) fields.push(["lat", String(where.lat)], ["lng", String(where.lng)]);
      const { body, contentType } = DriverQueue.multipart(fields, files);
      await outbox.add({
        kind: "proof",
        label: `Proof of delivery for ${label}`,
        method: "POST",
        url: `/api/v1/orders/${order.id}/proofs`,
        body,
        contentType,
        order: order.id,
      });
    }
    const transition = { to: "delivered" };
    if (name) transition.recipient_name = name;
    if (note) transition.note = note;
    if (where) transition.location = where;
    await jsonAction(
      "order.delivered",
      `Delivered to ${label}`,
      `/api/v1/orders/${order.id}/transition`,
      transition,
      { order: order.id }
    );
    formClose();
  }

  async function fail(order, formElement) {
    const reason = formElement.elements.reason.value;
    if (!reason) {
      formElement.querySelector(".form-error").textContent = "Choose a reason.";
      return;
    }
    const note = formElement.elements.note.value.trim();
    const transition = { to: "failed", reason };
    if (note) transition.note = note;
    const where = freshLocation();
    if (where) transition.location = where;
    await jsonAction(
      "order.failed",
      `Not delivered to ${order.recipient.name || order.address}`,
      `/api/v1/orders/${order.id}/transition`,
      transition,
      { order: order.id }
    );
    formClose();
  }

  function formClose() {
    form = null;
    photos = [];
    signature = null;
    selectedStop = null;
    render();
    window.scrollTo(0, 0);
  }

  /* ---------- rendering ---------- */
  function windowsText(order) {
    return (order.time_windows || [])
      .map((w) => `${clock.format(new Date(w.start))}–${clock.format(new Date(w.end))}`)
      .join(", ");
  }

  function statusText(status) {
    return (
      {
        assigned: "To do",
        out_for_delivery: "On the way",
        delivered: "Delivered",
        failed: "Not delivered",
        cancelled: "Cancelled",
        unassigned: "Removed",
      }[status] || status
    );
  }

  function navigationLinks(stop) {
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

  function contactLinks(order) {
    const phone = order.recipient.phone;
    if (!phone) return h("p", { className: "muted" }, "No phone number for this recipient.");
    return h(
      "div",
      { className: "row" },
      h("a", { className: "button contact", href: `tel:${phone}` }, "Call"),
      h("a", { className: "button contact", href: `sms:${phone}` }, "SMS")
    );
  }

  function renderHeader(state) {
    const online = navigator.onLine;
    networkBadge.textContent = online ? "Online" : "Offline";
    networkBadge.className = "badge " + (online ? "online" : "offline");
    const count = pending.length;
    if (count || positionsWaiting) {
      const parts = [];
      if (count) parts.push(`${count} action${count === 1 ? "" : "s"} waiting`);
      if (positionsWaiting) {
        parts.push(`${positionsWaiting} position${positionsWaiting === 1 ? "" : "s"} waiting`);
      }
      waitingBar.textContent = parts.join(" · ");
      waitingBar.hidden = false;
    } else {
      waitingBar.hidden = true;
      waitingBar.textContent = "";
    }
    problemsBox.replaceChildren();
    if (signedOut) {
      problemsBox.append(
        h(
          "p",
          {},
          "You are signed out. Your waiting actions are kept. ",
          h("a", { href: config.login_url, className: "button" }, "Sign in again")
        )
      );
    }
    for (const problem of problems) {
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
                problems = problems.filter((p) => p.id !== problem.id);
                await outbox.stateSet("problems", problems);
                render();
              },
            },
            "OK"
          )
        )
      );
    }
    problemsBox.hidden = !problemsBox.childElementCount;
    for (const button of document.querySelectorAll(".tab")) {
      button.setAttribute("aria-pressed", String(button.dataset.tab === tab));
    }
    return state;
  }

  function renderSummary(state) {
    const stops = stopsOf(state);
    const done = stops.filter(stopDone).length;
    return h(
      "p",
      { className: "summary" },
      `${state.driver ? state.driver.name : ""} · ${stops.length} stop${stops.length === 1 ? "" : "s"} · ${done} done · route ${state.route.status}`
    );
  }

  function renderStopTab(state, waiting) {
    if (!state.driver) {
      return [h("h1", {}, "Not set up yet"), h("p", {}, "Your account has no driver profile. Ask your dispatcher.")];
    }
    if (!state.route) {
      return [
        h("h1", {}, "No route today"),
        h("p", {}, "Nothing has been dispatched to you for today yet."),
        h("button", { type: "button", className: "button primary", onclick: refresh }, "Check again"),
      ];
    }
    const route = state.route;
    const parts = [renderSummary(state)];
    if (route.status === "dispatched") {
      parts.push(
        h("button", { type: "button", className: "button primary huge", onclick: routeStart }, "Start route")
      );
    }
    if (route.status === "completed") {
      parts.push(h("h1", {}, "Route completed"), h("p", {}, "Well done. Drive safely."));
      return parts;
    }
    const current = currentStop(state);
    if (!current) {
      parts.push(h("h1", {}, "All stops done"));
      if (route.status === "started") {
        parts.push(
          h("button", { type: "button", className: "button primary huge", onclick: routeComplete }, "Complete route")
        );
      }
      return parts;
    }
    if (form === "deliver") return parts.concat(renderDeliverForm(current.order));
    if (form === "fail") return parts.concat(renderFailForm(current.order, state));
    parts.push(renderStopCard(current, state, waiting));
    return parts;
  }

  function renderStopCard({ stop, order }, state, waiting) {
    const stops = stopsOf(state);
    const eta = stop.eta || stop.planned_arrival;
    const started = state.route.status === "started";
    const canAct = started && order.status === "out_for_delivery";
    const pickup = isPickup(stop);
    const windows = pickup ? windowsText(order.pickup || {}) : windowsText(order);
    let actions;
    if (pickup && started) {
      actions = h(
        "div",
        { className: "actions" },
        h("button", { type: "button", className: "button ok huge", onclick: () => pickedUp(stop, order) }, "Picked up")
      );
    } else if (!pickup && canAct) {
      actions = h(
        "div",
        { className: "actions" },
        h("button", { type: "button", className: "button ok huge", onclick: () => { selectedStop = stop.id; form = "deliver"; render(); } }, "Delivered"),
        h("button", { type: "button", className: "button bad huge", onclick: () => { selectedStop = stop.id; form = "fail"; render(); } }, "Not delivered")
      );
    } else {
      actions = h("p", { className: "muted" }, state.route.status === "dispatched" ? "Start the route to deliver." : statusText(order.status));
    }
    return h(
      "section",
      { className: "card stop", "aria-label": "Current stop" },
      h("p", { className: "muted" }, `Stop ${stop.sequence} of ${stops.length}`, pickup ? " · pickup" : "", waiting.has(order.id) || waiting.has(stop.id) ? " · waiting to send" : ""),
      pickup ? h("p", { className: "kind" }, `Collect the goods for ${order.recipient.name || "the recipient"}`) : null,
      h("h1", {}, pickup ? "Pickup" : order.recipient.name || "Recipient"),
      h("p", { className: "address" }, stop.address),
      windows ? h("p", { className: "window" }, `Time window ${windows}`) : null,
      eta ? h("p", {}, `Expected ${clock.format(new Date(eta))}`) : null,
      order.notes ? h("p", { className: "notes" }, h("strong", {}, "Notes: "), order.notes) : null,
      pickup ? null : contactLinks(order),
      h("div", { className: "row" }, navigationLinks(stop)),
      actions
    );
  }

  function renderDeliverForm(order) {
    const previews = h("div", { className: "previews" });
    const showPreviews = () => {
      previews.replaceChildren(
        ...photos.map((blob) => h("img", { src: URL.createObjectURL(blob), alt: "Photo taken" }))
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
          if (photos.length < MAX_PHOTOS) photos.push(await photoForUpload(file));
        }
        event.target.value = "";
        showPreviews();
      },
    });
    const canvas = h("canvas", { id: "signature", className: "signature", "aria-label": "Signature: sign with your finger" });
    const element = h(
      "form",
      {
        className: "card form",
        "aria-label": "Complete delivery",
        onsubmit: (event) => {
          event.preventDefault();
          element.querySelector("button[type=submit]").disabled = true; // one tap, one delivery
          deliver(order, element);
        },
      },
      h("h1", {}, `Deliver to ${order.recipient.name || order.address}`),
      h("label", { for: "photo", className: "button" }, "Photo"),
      photoInput,
      previews,
      h("p", { className: "label" }, "Signature"),
      canvas,
      h("button", { type: "button", className: "button small", onclick: () => signature && signature.clear() }, "Clear signature"),
      h("label", { for: "recipient-name" }, "Recipient name"),
      h("input", { id: "recipient-name", name: "recipient_name", autocomplete: "off", maxlength: "200", value: order.recipient.name || "" }),
      h("label", { for: "deliver-note" }, "Note"),
      h("textarea", { id: "deliver-note", name: "note", rows: "2", maxlength: "2000" }),
      h("button", { type: "submit", className: "button ok huge" }, "Confirm delivery"),
      h("button", { type: "button", className: "button", onclick: formClose }, "Back")
    );
    showPreviews();
    requestAnimationFrame(() => {
      signature = new SignaturePad(canvas);
    });
    return element;
  }

  function renderFailForm(order, state) {
    const element = h(
      "form",
      {
        className: "card form",
        "aria-label": "Not delivered",
        onsubmit: (event) => {
          event.preventDefault();
          fail(order, element);
        },
      },
      h("h1", {}, `Not delivered: ${order.recipient.name || order.address}`),
      h(
        "fieldset",
        { className: "reasons" },
        h("legend", {}, "Reason"),
        state.failure_reasons.map((reason) =>
          h("label", { className: "reason" }, h("input", { type: "radio", name: "reason", value: reason.value }), reason.label)
        )
      ),
      h("p", { className: "form-error", role: "alert" }),
      h("label", { for: "fail-note" }, "Note"),
      h("textarea", { id: "fail-note", name: "note", rows: "3", maxlength: "2000" }),
      h("button", { type: "submit", className: "button bad huge" }, "Confirm not delivered"),
      h("button", { type: "button", className: "button", onclick: formClose }, "Back")
    );
    return element;
  }

  function renderListTab(state, waiting) {
    if (!state.route) return [h("p", {}, "No route today.")];
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
              selectedStop = stop.id;
              form = null;
              tab = "stop";
              render();
            },
          },
          h("span", { className: "number" }, String(stop.sequence)),
          h(
            "span",
            { className: "what" },
            h("strong", {}, isPickup(stop) ? `Pickup for ${order.recipient.name}` : order.recipient.name || order.address),
            h("span", {}, stop.address),
            windowsText(isPickup(stop) ? order.pickup || {} : order) ? h("span", {}, windowsText(isPickup(stop) ? order.pickup || {} : order)) : null
          ),
          h(
            "span",
            { className: "state" },
            isPickup(stop) ? (stop.picked_up_at ? "Picked up" : "To collect") : statusText(order.status),
            waiting.has(order.id) || waiting.has(stop.id) ? " ⏳" : ""
          )
        )
      )
    );
    return [
      renderSummary(state),
      h("ol", { className: "stops" }, items),
      h("button", { type: "button", className: "button", onclick: signOut }, "Sign out"),
    ];
  }

  function renderMapTab(state) {
    const container = h("div", { id: "map", className: "map", role: "region", "aria-label": "Map of today's stops" });
    const note = h("p", { className: "muted" }, "Numbers are the stops in order. The map background needs a connection.");
    requestAnimationFrame(() => mapDraw(container, state));
    return [container, note];
  }

  function mapDraw(container, state) {
    if (!window.L) {
      container.replaceChildren(h("p", {}, "The map is not available; use the list."));
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
    if (lastPosition) {
      L.circleMarker([lastPosition.lat, lastPosition.lng], { radius: 9, color: "#d00", fillOpacity: 1 }).addTo(mapLayer);
    }
    if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.2));
    else map.setView([0, 0], 2);
  }

  function render() {
    const { state, waiting } = view();
    renderHeader(state);
    // Keep the open form (photo, signature, typed name) under the driver's finger while the
    // outbox and refreshes change things around it.
    if (tab === "stop" && form && app.querySelector("form")) {
      return tracking(state);
    }
    let parts;
    if (tab === "list") parts = renderListTab(state, waiting);
    else if (tab === "map") parts = renderMapTab(state);
    else parts = renderStopTab(state, waiting);
    if (map && tab !== "map") {
      map.remove();
      map = null;
    }
    app.replaceChildren(...[].concat(parts));
    tracking(state);
  }

  /* ---------- location sharing ---------- */
  function tracking(state) {
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

  function positionTaken(position) {
    const c = position.coords;
    lastPosition = { lat: c.latitude, lng: c.longitude, at: Date.now() };
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
    if (navigator.onLine && socket && socket.readyState === WebSocket.OPEN && positionsWaiting === 0) {
      socket.send(JSON.stringify(Object.assign({ type: "position" }, message)));
      const key = Date.parse(message.recorded_at);
      unanswered.set(key, message);
      setTimeout(() => unansweredToOutbox([key]), POSITION_ANSWER_MS);
    } else {
      outbox.addPosition(message).then(onChange);
    }
  }

  function unansweredToOutbox(keys) {
    for (const key of keys) {
      const message = unanswered.get(key);
      if (!message) continue;
      unanswered.delete(key);
      outbox.addPosition(message).then(onChange);
    }
  }

  function socketOpen() {
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
      outbox.kick(true); // positions kept while it was down go out by HTTP
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

  function socketRetry() {
    if (socketTimer) return;
    const wait = socketBackoffMs + Math.floor(Math.random() * 1000);
    socketBackoffMs = Math.min(socketBackoffMs * 2, 60000);
    socketTimer = setTimeout(() => {
      socketTimer = null;
      if (watchId !== null) socketOpen();
    }, wait);
  }

  function socketClose() {
    if (socketTimer) clearTimeout(socketTimer);
    socketTimer = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = null;
    }
    unansweredToOutbox([...unanswered.keys()]);
  }

  /* ---------- sign out ---------- */
  async function signOut() {
    if (pending.length && !confirm(`${pending.length} action(s) are not sent yet and will be lost. Sign out anyway?`)) {
      return;
    }
    try {
      if (window.caches) {
        for (const name of await caches.keys()) if (name.startsWith("driver-")) await caches.delete(name);
      }
      await outbox.clear();
    } finally {
      document.getElementById("logout").submit();
    }
  }

  /* ---------- start ---------- */
  async function start() {
    for (const button of document.querySelectorAll(".tab")) {
      button.addEventListener("click", () => {
        tab = button.dataset.tab;
        form = null;
        render();
      });
    }
    window.addEventListener("online", () => {
      render();
      refresh();
      if (watchId !== null && !socket) {
        socketBackoffMs = 1000;
        socketOpen();
      }
    });
    setInterval(() => {
      if (document.visibilityState === "visible" && navigator.onLine) refresh();
    }, ROUTE_REFRESH_MS);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && navigator.onLine) refresh();
    });
    window.addEventListener("offline", () => {
      // The phone knows it lost the network: positions wait in the outbox until it is back.
      socketClose();
      render();
    });
    outbox = await new DriverQueue.Outbox({
      csrf: config.csrf_token,
      onChange,
      onResult,
      onProblem,
      onSignedOut: signOutNotice,
    }).open();
    const stored = await outbox.stateGet("snapshot");
    const sameDriver =
      stored && stored.driver && embedded.driver && stored.driver.id === embedded.driver.id;
    if (sameDriver && new Date(stored.generated_at) > new Date(embedded.generated_at)) {
      server = stored; // this page came from the offline cache; we have seen newer data
    } else {
      await outbox.stateSet("snapshot", embedded);
    }
    problems = (await outbox.stateGet("problems")) || [];
    await onChange();
    outbox.kick(true);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker
        .register(config.service_worker_url, { scope: "/driver/" })
        .catch((error) => console.warn("service worker", error));
    }
  }

  start();
})();
