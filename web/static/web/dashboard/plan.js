/* The Plan page: choose drivers, press Plan, follow the job live on /ws/dispatch/, then edit the
 routes (drag and drop, or the keyboard controls) and dispatch them. Every change goes through
 the API; the page re-renders from what the API answers. */
import { format, gettext, ngettext } from "../conventions.js";
import * as M from "./maps.js";
import { dispatchSocket } from "./socket.js";

var data = JSON.parse(document.getElementById("plan-data").textContent);
var time = M.clock(data.time_zone);
var EDITABLE = { planned: true, dispatched: true };
var TERMINAL = { succeeded: true, failed: true };
// On a route under way some stops are done or on board: say so next to them.
var STATUS_SHOWN = { out_for_delivery: gettext("on board"), delivered: gettext("delivered"), failed: gettext("failed"),
  cancelled: gettext("cancelled") };
// A route's status on its badge.
var ROUTE_STATUS = { planned: gettext("planned"), dispatched: gettext("dispatched"), started: gettext("started"),
  completed: gettext("completed") };
var state = { routes: data.routes.slice(), job: data.job, unplanned: data.unplanned, busy: false,
  dragging: null, draggingOrder: null, polling: null, finished: {}, collapsed: {}, geometry: {} };

var byId = function (list) {
  var map = {};
  list.forEach(function (item) { map[item.id] = item; });
  return map;
};
var drivers = byId(data.drivers), vehicles = byId(data.vehicles), depots = byId(data.depots);
var onShift = {};
data.on_shift.forEach(function (id) { onShift[id] = true; });

var element = function (id) { return document.getElementById(id); };
var map = M.createMap(element("plan-map"));
var layer = L.layerGroup().addTo(map);
var message = element("plan-message");

function say(text, kind) {
  message.textContent = text;
  message.hidden = !text;
  message.className = "notice-line" + (kind ? " " + kind : "");
}

function sortRoutes() {
  state.routes.sort(function (a, b) {
    return (a.driver_name || "").localeCompare(b.driver_name || "") || a.id.localeCompare(b.id);
  });
}

function capacityText(vehicle) {
  if (!vehicle) { return gettext("no vehicle"); }
  var c = vehicle.capacity || {}, parts = [];
  if (c.weight_kg != null) { parts.push(format(gettext("%(weight)s kg"), { weight: Number(c.weight_kg) })); }
  if (c.volume_l != null) { parts.push(format(gettext("%(volume)s l"), { volume: Number(c.volume_l) })); }
  if (c.items != null) { parts.push(format(gettext("%(items)s items"), { items: c.items })); }
  return vehicle.name + (parts.length ? " (" + parts.join(", ") + ")" : "");
}

function renderDrivers() {
  var list = element("plan-driver-list");
  var weekday = M.business(data.time_zone).weekday(data.date);
  if (!data.drivers.length) {
    list.innerHTML = '<p class="muted">' + M.escapeHtml(gettext("No drivers yet: add them under Settings → Drivers.")) + "</p>";
    return;
  }
  list.innerHTML = data.drivers.map(function (driver) {
    var vehicle = vehicles[driver.default_vehicle];
    var available = onShift[driver.id];
    var note = available ? capacityText(vehicle) : format(gettext("off shift on %(weekday)s"), { weekday: weekday });
    return '<label class="driver-option' + (available ? "" : " off") + '">' +
      '<input type="checkbox" name="drivers" value="' + driver.id + '"' +
      (available ? " checked" : " disabled") + "> " +
      "<strong>" + M.escapeHtml(driver.name || driver.email) + "</strong> " +
      '<span class="muted">' + M.escapeHtml(note) + "</span></label>";
  }).join("");
}

function startPoint(route) {
  var driver = drivers[route.driver];
  if (driver && driver.start) { return [driver.start.lat, driver.start.lng]; }
  var vehicle = vehicles[route.vehicle];
  var depot = driver && (depots[driver.depot] || (vehicle && depots[vehicle.depot]));
  return depot ? [depot.location.lat, depot.location.lng] : null;
}

function endPoint(route) {
  var driver = drivers[route.driver];
  if (driver && driver.end) { return [driver.end.lat, driver.end.lng]; }
  return startPoint(route);
}

function renderMap() {
  layer.clearLayers();
  var points = [];
  data.depots.forEach(function (depot) {
    var at = [depot.location.lat, depot.location.lng];
    L.marker(at, { icon: M.depotIcon(), title: format(gettext("Depot %(name)s"), { name: depot.name }), keyboard: false })
      .bindTooltip(M.textTooltip(format(gettext("Depot: %(name)s"), { name: depot.name }))).addTo(layer);
    points.push(at);
  });
  state.routes.forEach(function (route, index) {
    var fill = M.colour(index), line = [], start = startPoint(route);
    if (start) { line.push(start); }
    route.stops.forEach(function (stop) {
      if (!stop.location) { return; }
      var at = [stop.location.lat, stop.location.lng];
      line.push(at);
      points.push(at);
      L.marker(at, { icon: M.numberedIcon(stop.sequence, fill), keyboard: false,
        title: format(gettext("%(driver)s stop %(number)s"), { driver: route.driver_name, number: stop.sequence }) })
        .bindTooltip(M.textTooltip(route.driver_name + " · " + stop.sequence + ". " + (stop.external_id || "") + " " + stop.address))
        .addTo(layer);
    });
    var end = endPoint(route);
    if (end && route.stops.length) { line.push(end); }
    var road = roadPath(route);
    if (road) { line = road; }
    if (line.length > 1) {
      L.polyline(line, { color: fill, weight: 4, opacity: 0.85,
        className: "route-line" + (road ? " road" : "") }).addTo(layer);
    }
  });
  M.fit(map, points);
}

/* Road geometry (when the server has a routing server): asked once per route and stops, drawn
 instead of the straight lines once it arrives. */
function geometryKey(route) {
  return route.stops.map(function (s) { return s.id; }).join(",") + "|" + route.updated_at;
}

function roadPath(route) {
  var known = state.geometry[route.id];
  if (!data.road_geometry || !route.stops.length) { return null; }
  if (known && known.key === geometryKey(route)) { return known.path; }
  if (known && known.pending === geometryKey(route)) { return null; }
  var key = geometryKey(route);
  state.geometry[route.id] = { pending: key };
  M.api("GET", "/api/v1/routes/" + route.id + "/geometry").then(function (result) {
    var road = result.ok && result.body && result.body.road;
    state.geometry[route.id] = { key: key, path: road ? result.body.path : null };
    if (road) { renderMap(); }
  });
  return null;
}

function loadText(load, vehicle) {
  var c = (vehicle && vehicle.capacity) || {}, parts = [];
  if (load.weight_kg != null && Number(load.weight_kg)) {
    parts.push(format(gettext("%(weight)s kg"), { weight: Number(load.weight_kg) + (c.weight_kg != null ? " / " + Number(c.weight_kg) : "") }));
  }
  if (load.volume_l != null && Number(load.volume_l)) {
    parts.push(format(gettext("%(volume)s l"), { volume: Number(load.volume_l) + (c.volume_l != null ? " / " + Number(c.volume_l) : "") }));
  }
  if (load.items != null && (Number(load.items) || c.items != null)) {
    parts.push(format(gettext("%(items)s items"), { items: Number(load.items) + (c.items != null ? " / " + c.items : "") }));
  }
  return parts.length ? format(gettext("Load after: %(load)s"), { load: parts.join(", ") }) : "";
}

function routeLoadText(route, vehicle) {
  var load = route.load || {}, c = (vehicle && vehicle.capacity) || {}, parts = [];
  var part = function (value, cap) {
    return Math.round(Number(value || 0) * 10) / 10 + (cap != null ? " / " + Number(cap) : "");
  };
  if (c.weight_kg != null || Number(load.weight_kg)) {
    parts.push(format(gettext("%(weight)s kg"), { weight: part(load.weight_kg, c.weight_kg) }));
  }
  if (c.volume_l != null || Number(load.volume_l)) {
    parts.push(format(gettext("%(volume)s l"), { volume: part(load.volume_l, c.volume_l) }));
  }
  if (c.items != null || Number(load.items)) {
    parts.push(format(gettext("%(items)s items"), { items: part(load.items, c.items) }));
  }
  return format(gettext("Load %(load)s"), { load: parts.length ? parts.join(" · ") : gettext("none") });
}

function routeHtml(route, index) {
  var fill = M.colour(index), vehicle = vehicles[route.vehicle];
  var editable = EDITABLE[route.status] && data.editable;
  // Violations name the stop's order, or none when they concern the whole route.
  var problems = {}, routeProblems = [];
  (route.violations || []).forEach(function (v) {
    if (v.order) { (problems[v.order] = problems[v.order] || []).push(v.message || v.kind); }
    else { routeProblems.push(v.message || v.kind); }
  });
  var others = state.routes.filter(function (r) { return r.id !== route.id && EDITABLE[r.status]; });
  var stops = route.stops.map(function (stop) {
    var movable = editable && !stop.locked;
    var issues = problems[stop.order] || [];
    var label = stop.sequence + ". " + (stop.recipient_name || stop.external_id || stop.address);
    var controls = movable ? '<div class="stop-controls">' +
      '<button type="button" class="icon" data-move="up" aria-label="' +
        M.escapeHtml(format(gettext("Move %(stop)s up"), { stop: label })) + '">↑</button>' +
      '<button type="button" class="icon" data-move="down" aria-label="' +
        M.escapeHtml(format(gettext("Move %(stop)s down"), { stop: label })) + '">↓</button>' +
      (others.length ? '<select data-move-to aria-label="' +
        M.escapeHtml(format(gettext("Move %(stop)s to another route"), { stop: label })) + '">' +
        '<option value="">' + M.escapeHtml(gettext("Move to…")) + "</option>" + others.map(function (r) {
          return '<option value="' + r.id + '">' + M.escapeHtml(r.driver_name) + "</option>";
        }).join("") + "</select>" : "") + "</div>" : "";
    return '<li class="stop' + (issues.length ? " violation" : "") + (movable ? " movable" : "") +
      '" data-stop-id="' + stop.id + '"' + (movable ? ' draggable="true"' : "") + ">" +
      '<span class="num" style="background:' + fill + '">' + stop.sequence + "</span>" +
      '<div class="stop-body"><strong class="recipient">' + M.escapeHtml(stop.recipient_name || "") + "</strong> " +
      (stop.external_id ? '<span class="ref">' + M.escapeHtml(stop.external_id) + "</span> " : "") +
      (stop.kind === "pickup" ? '<span class="badge stop-kind">' + M.escapeHtml(gettext("pickup")) + "</span> " : "") +
      (STATUS_SHOWN[stop.status] && stop.kind !== "pickup" ? '<span class="badge stop-status">' + STATUS_SHOWN[stop.status] + "</span> " : "") +
      M.escapeHtml(stop.address) + '<br><span class="times">' + M.escapeHtml(gettext("Arrive")) + " <time data-arrival>" +
      time(stop.planned_arrival) + "</time> · " + M.escapeHtml(gettext("leave")) + " <time>" + time(stop.planned_departure) +
      "</time>" + (stop.waiting_s ? " · " + M.escapeHtml(format(gettext("waits %(duration)s"), { duration: M.duration(stop.waiting_s) })) : "") + "</span> " +
      (stop.late ? '<span class="chip late" data-late>' + M.escapeHtml(gettext("late · expected")) + " <time>" + time(stop.expected_arrival) + "</time></span> " : "") +
      '<span class="load">' + M.escapeHtml(loadText(stop.load_after || {}, vehicle)) + "</span>" +
      issues.map(function (text) {
        return '<span class="violation-text"><span aria-hidden="true">⚠ </span>' + M.escapeHtml(text) + "</span>";
      }).join("") + "</div>" + controls + "</li>";
  }).join("");
  var count = (route.violations || []).length, collapsed = !!state.collapsed[route.id];
  return '<article class="route card' + (collapsed ? " collapsed" : "") + (editable ? " accepts-orders" : "") +
    '" data-route-id="' + route.id + '" aria-labelledby="route-' + route.id + '">' +
    '<header class="route-head"><div class="route-title"><span class="swatch" style="background:' + fill + '" aria-hidden="true"></span>' +
    '<h3 id="route-' + route.id + '">' + M.escapeHtml(route.driver_name) + "</h3>" +
    '<span class="badge status-' + route.status + '">' + M.escapeHtml(ROUTE_STATUS[route.status] || route.status) + "</span>" +
    (route.late_stops ? ' <span class="chip late" data-late-stops>' +
      M.escapeHtml(format(gettext("%(count)s late"), { count: route.late_stops })) + "</span>" : "") +
    (route.status === "planned" && data.editable ? '<button type="button" class="button small" data-dispatch="' + route.id +
      '">' + M.escapeHtml(gettext("Dispatch")) + '<span class="sr-only"> ' +
      M.escapeHtml(format(gettext("route of %(driver)s"), { driver: route.driver_name })) + "</span></button>" : "") +
    '<button type="button" class="icon collapse" data-collapse="' + route.id + '" aria-expanded="' + !collapsed +
    '" aria-controls="stops-' + route.id + '" aria-label="' +
    M.escapeHtml(format(collapsed ? gettext("Show the stops of %(driver)s") : gettext("Hide the stops of %(driver)s"),
      { driver: route.driver_name })) + '">' + (collapsed ? "▸" : "▾") + "</button></div>" +
    '<p class="route-meta" data-route-meta>' +
    M.escapeHtml(format(ngettext("%(count)s stop", "%(count)s stops", route.stops.length), { count: route.stops.length })) + " · " +
    '<span data-km>' + M.kilometres(route.distance_m) + "</span> · " + '<span data-time>' + M.duration(route.duration_s) + "</span> · " +
    // A route under way ends when it is expected back: never before its stops still to do.
    time(route.planned_start) + "–" + '<time data-end>' + time(route.status === "started" && route.expected_end ? route.expected_end : route.planned_end) + "</time><br>" +
    '<span data-load>' + M.escapeHtml(routeLoadText(route, vehicle)) + "</span> · " + M.escapeHtml(vehicle ? vehicle.name : gettext("no vehicle")) + "</p>" +
    "</header>" +
    (count ? '<div class="violations" role="alert"><p>' +
      M.escapeHtml(format(ngettext("%(count)s broken constraint", "%(count)s broken constraints", count), { count: count })) +
      "</p>" + (routeProblems.length ? "<ul>" + routeProblems.map(function (text) {
        return "<li>" + M.escapeHtml(text) + "</li>";
      }).join("") + "</ul>" : "") + "</div>" : "") +
    '<ol class="stops" id="stops-' + route.id + '" data-route-id="' + route.id + '"' + (editable ? ' data-droppable="true"' : "") +
    (collapsed ? " hidden" : "") + ">" +
    (stops || '<li class="empty muted">' + M.escapeHtml(gettext("No stops")) + "</li>") + "</ol></article>";
}

/* Re-rendering replaces the lists: put the keyboard focus back on the same control. */
function focusKey() {
  var active = document.activeElement, order = active && active.closest && active.closest("[data-order-id]");
  if (order && active.matches("select[data-assign]")) { return { order: order.dataset.orderId }; }
  var item = active && active.closest && active.closest("[data-stop-id]");
  if (item && element("routes").contains(item)) {
    return { stop: item.dataset.stopId, move: active.dataset.move, select: active.matches("select") };
  }
  var dispatchButton = active && active.dataset && active.dataset.dispatch;
  if (active && active.dataset && active.dataset.collapse) { return { collapse: active.dataset.collapse }; }
  return dispatchButton ? { dispatch: dispatchButton } : null;
}

function focusRestore(key) {
  if (!key) { return; }
  var target = null;
  if (key.dispatch) { target = document.querySelector('[data-dispatch="' + key.dispatch + '"]'); }
  else if (key.collapse) { target = document.querySelector('[data-collapse="' + key.collapse + '"]'); }
  else if (key.order) {
    // The order may have left the list (it is on a route now): the next one takes the focus.
    target = document.querySelector('#unassigned-list [data-order-id="' + key.order + '"] select') ||
      document.querySelector("#unassigned-list select[data-assign]");
  } else {
    var item = document.querySelector('#routes [data-stop-id="' + key.stop + '"]');
    if (item) {
      target = (key.move && item.querySelector('[data-move="' + key.move + '"]')) ||
        (key.select && item.querySelector("select")) || item.querySelector("button, select");
    }
  }
  if (target) { target.focus(); }
}

function renderRoutes() {
  sortRoutes();
  var host = element("routes"), key = focusKey();
  host.innerHTML = state.routes.map(routeHtml).join("");
  focusRestore(key);
  var stops = state.routes.reduce(function (n, r) { return n + r.stops.length; }, 0);
  element("routes-summary").textContent = state.routes.length ?
    format(ngettext("%(routes)s route, %(stops)s stops.", "%(routes)s routes, %(stops)s stops.", state.routes.length),
      { routes: state.routes.length, stops: stops }) :
    gettext("No routes for this day yet.");
  var planned = state.routes.some(function (r) { return r.status === "planned"; });
  element("dispatch-all").hidden = !(planned && data.editable);
}

function renderUnassigned() {
  var reasons = {};
  ((state.job && state.job.unassigned) || []).forEach(function (item) { reasons[item.order] = item.reason; });
  var list = element("unassigned-list"), key = focusKey();
  var targets = assignTargets();
  list.innerHTML = state.unplanned.length ? state.unplanned.map(function (order) {
    var reason = reasons[order.id] ||
      (order.location_status === "needs_location" ? gettext("needs a location") : gettext("not planned yet"));
    var name = order.recipient_name || order.external_id || order.address;
    var movable = data.editable && targets.length;
    return '<li data-order-id="' + order.id + '"' + (movable ? ' draggable="true" class="movable"' : "") + ">" +
      '<strong class="recipient">' + M.escapeHtml(order.recipient_name || "") + "</strong> " +
      (order.external_id ? '<span class="ref">' + M.escapeHtml(order.external_id) + "</span> " : "") +
      M.escapeHtml(order.address) + '<br><span class="reason">' + M.escapeHtml(reason) + "</span>" +
      (movable ? '<div class="stop-controls"><select data-assign aria-label="' +
        M.escapeHtml(format(gettext("Put %(order)s on a route"), { order: name })) + '">' +
        '<option value="">' + M.escapeHtml(gettext("Put on route…")) + "</option>" + targets.map(function (target) {
          return '<option value="' + target.driver + '">' + M.escapeHtml(target.label) + "</option>";
        }).join("") + "</select></div>" : "") + "</li>";
  }).join("") : '<li class="muted">' + M.escapeHtml(gettext("Every order of the day is on a route.")) + "</li>";
  focusRestore(key);
}

/* Where an unplaced order can go: the editable routes (their drivers), then the drivers on
 shift that have no route yet (a new route is made for them). */
function assignTargets() {
  if (!data.editable) { return []; }
  var withRoute = {}, targets = [];
  state.routes.forEach(function (route) {
    withRoute[route.driver] = true;
    if (EDITABLE[route.status]) {
      targets.push({ driver: route.driver, label: route.driver_name, name: route.driver_name, route: route.id });
    }
  });
  data.drivers.forEach(function (driver) {
    if (onShift[driver.id] && !withRoute[driver.id]) {
      var name = driver.name || driver.email;
      targets.push({ driver: driver.id, label: format(gettext("%(driver)s (new route)"), { driver: name }), name: name,
        route: null });
    }
  });
  return targets;
}

function render() { renderRoutes(); renderMap(); renderUnassigned(); }

function replaceRoutes(routes) {
  var index = byId(state.routes);
  routes.forEach(function (route) { index[route.id] = route; });
  state.routes = Object.keys(index).map(function (id) { return index[id]; });
  render();
}

function orderSummary(order) {
  return { id: order.id, external_id: order.external_id,
    recipient_name: order.recipient ? order.recipient.name : order.recipient_name,
    address: order.address, status: order.status, location_status: order.location_status };
}

function loadDay() {
  var day = encodeURIComponent(data.date);
  return Promise.all([
    M.api("GET", "/api/v1/routes?limit=500&date=" + day),
    M.api("GET", "/api/v1/orders/?limit=500&status=unassigned&date=" + day),
  ]).then(function (results) {
    if (results[0].ok) { state.routes = results[0].body.results; }
    if (results[1].ok) { state.unplanned = results[1].body.results.map(orderSummary); }
    render();
    if (!results[0].ok || !results[1].ok) {
      say(format(gettext("Could not reload the day: %(error)s"), { error: M.errorMessage(results[0].ok ? results[1] : results[0]) }),
        "error");
    }
  });
}

/* ---- planning ---- */
function showJob(job) {
  var box = element("plan-progress"), bar = element("plan-progress-bar");
  box.hidden = false;
  bar.value = job.progress || 0;
  element("plan-progress-label").textContent = {
    queued: gettext("Waiting for a planner…"), running: format(gettext("Planning… %(progress)s%"), { progress: job.progress || 0 }),
    succeeded: gettext("Planned"), failed: gettext("Planning failed"),
  }[job.status] || job.status;
  box.dataset.status = job.status;
}

function finishJob(job) {
  if (state.polling) { clearInterval(state.polling); state.polling = null; }
  state.busy = false;
  element("plan-button").disabled = false;
  M.api("GET", "/api/v1/optimizations/" + job.id).then(function (result) {
    state.job = result.ok ? result.body : job;
    showJob(state.job);
    if (state.job.status === "failed") {
      say(format(gettext("Planning failed: %(error)s The routes were left as they were."),
        { error: state.job.error || gettext("no reason given") }), "error");
      return loadDay();
    }
    return loadDay().then(function () {
      var left = (state.job.unassigned || []).length;
      var routes = state.routes.length;
      say(format(ngettext("Planned %(count)s route", "Planned %(count)s routes", routes), { count: routes }) +
        (left ? format(ngettext("; %(count)s order could not be placed (see below).",
          "; %(count)s orders could not be placed (see below).", left), { count: left }) : ".") +
        positionsText(state.job.summary || {}), "success");
    });
  });
}

/* Re-planning routes under way: from where each driver is, or from their current stop. */
function positionsText(summary) {
  var names = function (list) { return list.map(function (item) { return item.name; }).join(", "); };
  var used = summary.from_positions || [], stale = summary.positions_stale || [];
  var text = "";
  if (used.length) {
    text += " " + format(gettext("Planned from the drivers' last known positions: %(drivers)s (each heading to their current stop first)."),
      { drivers: names(used) });
  }
  if (stale.length) {
    text += " " + format(gettext("No recent position for %(drivers)s: planned from their current stop."), { drivers: names(stale) });
  }
  return text;
}

function jobUpdate(job) {
  if (!state.job || job.id !== state.job.id || state.finished[job.id]) { return; }
  state.job = Object.assign({}, state.job, { status: job.status, progress: job.progress });
  showJob(state.job);
  if (TERMINAL[job.status]) {
    state.finished[job.id] = true;
    finishJob(state.job);
  }
}

function follow() {
  // The socket brings progress; polling is the safety net for a socket that is down.
  state.polling = setInterval(function () {
    M.api("GET", "/api/v1/optimizations/" + state.job.id).then(function (poll) {
      if (poll.ok) { jobUpdate(poll.body); }
    });
  }, 3000);
}

element("plan-form").addEventListener("submit", function (event) {
  event.preventDefault();
  if (state.busy) { return; }
  var chosen = Array.prototype.map.call(
    document.querySelectorAll('#plan-driver-list input[name="drivers"]:checked'),
    function (input) { return input.value; });
  if (!chosen.length) { say(gettext("Choose at least one driver to plan with."), "error"); return; }
  var mode = document.querySelector('input[name="mode"]:checked').value;
  state.busy = true;
  element("plan-button").disabled = true;
  say("");
  M.api("POST", "/api/v1/optimizations", { date: data.date, mode: mode, drivers: chosen }).then(function (result) {
    if (!result.ok) {
      state.busy = false;
      element("plan-button").disabled = false;
      say(format(gettext("Could not start planning: %(error)s"), { error: M.errorMessage(result) }), "error");
      return;
    }
    state.job = result.body;
    showJob(state.job);
    follow();
  });
});

/* ---- editing ---- */
function stopIds(route) { return route.stops.map(function (s) { return s.id; }); }

function routeOf(stopId) {
  return state.routes.filter(function (r) { return stopIds(r).indexOf(stopId) >= 0; })[0];
}

function reorder(routeId, ids, focusStop) {
  say(gettext("Saving the new order…"));
  return M.api("POST", "/api/v1/routes/" + routeId + "/reorder", { stops: ids }).then(function (result) {
    if (!result.ok) { say(format(gettext("Could not move the stop: %(error)s"), { error: M.errorMessage(result) }), "error"); return; }
    replaceRoutes(result.body.routes);
    var broken = result.body.routes.reduce(function (n, r) { return n + (r.violations || []).length; }, 0);
    say(broken ? format(ngettext("Times recomputed; %(count)s broken constraint highlighted.",
      "Times recomputed; %(count)s broken constraints highlighted.", broken), { count: broken }) :
      gettext("Times recomputed."), broken ? "warning" : "success");
    if (focusStop && !element("routes").contains(document.activeElement)) {
      focusRestore({ stop: focusStop });
    }
  });
}

function moveTo(stopId, targetId, position) {
  var target = state.routes.filter(function (r) { return r.id === targetId; })[0];
  if (!target) { return; }
  var ids = stopIds(target).filter(function (id) { return id !== stopId; });
  if (position == null || position > ids.length) { position = ids.length; }
  ids.splice(position, 0, stopId);
  var source = routeOf(stopId);
  if (source && source.id === target.id && ids.join() === stopIds(target).join()) { return; }
  reorder(target.id, ids, stopId);
}

var routesHost = element("routes");
routesHost.addEventListener("click", function (event) {
  var button = event.target.closest("button");
  if (!button) { return; }
  if (button.dataset.dispatch) { dispatch([button.dataset.dispatch]); return; }
  if (button.dataset.collapse) {
    state.collapsed[button.dataset.collapse] = !state.collapsed[button.dataset.collapse];
    renderRoutes();
    return;
  }
  var item = button.closest("[data-stop-id]");
  if (!item || !button.dataset.move) { return; }
  var route = routeOf(item.dataset.stopId), ids = stopIds(route);
  var at = ids.indexOf(item.dataset.stopId), to = button.dataset.move === "up" ? at - 1 : at + 1;
  if (to < 0 || to >= ids.length) { return; }
  moveTo(item.dataset.stopId, route.id, to);
});
routesHost.addEventListener("change", function (event) {
  if (!event.target.matches("select[data-move-to]") || !event.target.value) { return; }
  moveTo(event.target.closest("[data-stop-id]").dataset.stopId, event.target.value, null);
});

function dropIndex(list, clientY) {
  var items = Array.prototype.filter.call(list.querySelectorAll("li[data-stop-id]"), function (li) {
    return li.dataset.stopId !== state.dragging;
  });
  for (var i = 0; i < items.length; i += 1) {
    var box = items[i].getBoundingClientRect();
    if (clientY < box.top + box.height / 2) { return i; }
  }
  return items.length;
}

routesHost.addEventListener("dragstart", function (event) {
  var item = event.target.closest && event.target.closest("li[draggable]");
  if (!item) { return; }
  state.dragging = item.dataset.stopId;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", item.dataset.stopId);
  item.classList.add("dragging");
});
routesHost.addEventListener("dragend", function () {
  state.dragging = null;
  document.querySelectorAll(".dragging, .drop-target").forEach(function (el) {
    el.classList.remove("dragging", "drop-target");
  });
});
function orderDropTarget(event) {
  var card = event.target.closest && event.target.closest("article.accepts-orders");
  return state.draggingOrder && card ? card : null;
}

routesHost.addEventListener("dragover", function (event) {
  var card = orderDropTarget(event);
  if (card) {
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    card.classList.add("drop-target");
    return;
  }
  var list = event.target.closest && event.target.closest("ol[data-droppable]");
  if (!list || !state.dragging) { return; }
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  list.classList.add("drop-target");
});
routesHost.addEventListener("dragleave", function (event) {
  var card = event.target.closest && event.target.closest("article.accepts-orders");
  if (card && !card.contains(event.relatedTarget)) { card.classList.remove("drop-target"); }
  var list = event.target.closest && event.target.closest("ol[data-droppable]");
  if (list && !list.contains(event.relatedTarget)) { list.classList.remove("drop-target"); }
});
routesHost.addEventListener("drop", function (event) {
  var card = orderDropTarget(event);
  if (card) {
    event.preventDefault();
    card.classList.remove("drop-target");
    var orderId = state.draggingOrder, route = state.routes.filter(function (r) { return r.id === card.dataset.routeId; })[0];
    state.draggingOrder = null;
    if (route) { assign(orderId, route.driver); }
    return;
  }
  var list = event.target.closest && event.target.closest("ol[data-droppable]");
  var stopId = state.dragging || event.dataTransfer.getData("text/plain");
  if (!list || !stopId) { return; }
  event.preventDefault();
  list.classList.remove("drop-target");
  moveTo(stopId, list.dataset.routeId, dropIndex(list, event.clientY));
  state.dragging = null;
});

/* ---- unplaced orders onto routes: drag one onto a route, or choose the route in its menu.
 The server puts it where it costs least on the driver's route (routing.assignment), or says
 why it cannot. ---- */
function assign(orderId, driverId) {
  var order = state.unplanned.filter(function (o) { return o.id === orderId; })[0];
  var target = assignTargets().filter(function (t) { return t.driver === driverId; })[0];
  if (!order || !target) { return Promise.resolve(); }
  var name = order.recipient_name || order.external_id || gettext("the order");
  var who = target.name;
  say(format(gettext("Putting %(order)s on %(driver)s’s route…"), { order: name, driver: who }));
  state.busy = true;
  return M.api("POST", "/api/v1/orders/" + orderId + "/transition", { to: "assigned", driver: driverId }).then(function (result) {
    state.busy = false;
    if (!result.ok) {
      say(format(gettext("Could not put %(order)s on %(driver)s’s route: %(error)s"),
        { order: name, driver: who, error: M.errorMessage(result) }), "error");
      return;
    }
    return loadDay().then(function () {
      var route = state.routes.filter(function (r) { return r.driver === driverId; })[0];
      var stop = route && route.stops.filter(function (s) { return s.order === orderId && s.kind !== "pickup"; })[0];
      var broken = route ? (route.violations || []).length : 0;
      say((stop ? format(gettext("%(order)s is on %(driver)s’s route as stop %(number)s."),
        { order: name, driver: who, number: stop.sequence }) :
        format(gettext("%(order)s is on %(driver)s’s route."), { order: name, driver: who })) +
        (broken ? " " + format(ngettext("%(count)s broken constraint highlighted.",
          "%(count)s broken constraints highlighted.", broken), { count: broken }) : ""),
        broken ? "warning" : "success");
    });
  });
}

var unassignedHost = element("unassigned-list");
unassignedHost.addEventListener("change", function (event) {
  if (!event.target.matches("select[data-assign]") || !event.target.value) { return; }
  assign(event.target.closest("[data-order-id]").dataset.orderId, event.target.value);
});
unassignedHost.addEventListener("dragstart", function (event) {
  var item = event.target.closest && event.target.closest("li[draggable][data-order-id]");
  if (!item) { return; }
  state.draggingOrder = item.dataset.orderId;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", "order:" + item.dataset.orderId);
  item.classList.add("dragging");
});
unassignedHost.addEventListener("dragend", function () {
  state.draggingOrder = null;
  document.querySelectorAll(".dragging, .drop-target").forEach(function (el) {
    el.classList.remove("dragging", "drop-target");
  });
});

/* ---- dispatching ---- */
function dispatch(ids) {
  var done = 0, failed = [];
  say(gettext("Dispatching…"));
  return ids.reduce(function (chain, id) {
    return chain.then(function () {
      return M.api("POST", "/api/v1/routes/" + id + "/dispatch").then(function (result) {
        if (result.ok) { done += 1; replaceRoutes([result.body]); } else { failed.push(M.errorMessage(result)); }
      });
    });
  }, Promise.resolve()).then(function () {
    say(failed.length ? format(gettext("Dispatched %(count)s; failed: %(errors)s"), { count: done, errors: failed.join(" ") }) :
      format(ngettext("Dispatched %(count)s route to the drivers.", "Dispatched %(count)s routes to the drivers.", done),
        { count: done }), failed.length ? "error" : "success");
  });
}

element("dispatch-all").addEventListener("click", function () {
  dispatch(state.routes.filter(function (r) { return r.status === "planned"; }).map(function (r) { return r.id; }));
});

/* ---- live updates ---- */
function catchUp() {
  // Pushes may have been missed (the socket was down, or the server's channel layer was away):
  // read the followed job and the day again.
  if (state.job && !TERMINAL[state.job.status]) {
    M.api("GET", "/api/v1/optimizations/" + state.job.id).then(function (poll) {
      if (poll.ok) { jobUpdate(poll.body); }
    });
  }
  if (!state.busy && !state.dragging && !state.draggingOrder) { loadDay(); }
}

dispatchSocket({ handlers: {
  resync: catchUp,
  "optimization.updated": function (job) {
    if (job.delivery_date === data.date) { jobUpdate(job); }
  },
  "order.updated": function () {
    if (state.busy || state.dragging || state.draggingOrder) { return; }
    // Orders arrive, move or get cancelled while the page is open: reload the day once the
    // burst is over (a plan updates every order of the day at once).
    clearTimeout(state.reload);
    state.reload = setTimeout(function () {
      if (!state.busy && !state.dragging) { loadDay(); }
    }, 1000);
  },
  "route.updated": function (route) {
    if (route.delivery_date !== data.date || state.busy) { return; }
    M.api("GET", "/api/v1/routes/" + route.id).then(function (result) {
      if (result.ok) { replaceRoutes([result.body]); }
    });
  },
}, onState: function (status, delay) {
  document.body.dataset.socket = status;
  if (status === "closed") { element("plan-map").dataset.reconnectIn = delay; }
} });

if (!data.editable) {
  element("plan-button").disabled = true;
  say(gettext("This day is over: its routes are shown as they were."), "");
}
if (data.underway) { document.querySelector('input[name="mode"][value="replan"]').checked = true; }
renderDrivers();
render();
if (state.job && !TERMINAL[state.job.status]) {
  state.busy = true;
  element("plan-button").disabled = true;
  showJob(state.job);
  follow();
} else if (state.job && state.job.status === "succeeded" && data.editable &&
    positionsText(state.job.summary || {})) {
  say(gettext("The last plan of this day:") + positionsText(state.job.summary || {}), "");
}
