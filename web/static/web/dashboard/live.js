/* The Live page: today's routes on a map; drivers move as `driver.position` arrives on
 /ws/dispatch/, route lists are re-fetched on `order.updated` / `route.updated`, and arrival
 suggestions (`stop.arrived`) are listed for the dispatcher. */
import { duration, format, gettext } from "../conventions.js";
import * as M from "./maps.js";
import { dispatchSocket } from "./socket.js";

var data = JSON.parse(document.getElementById("live-data").textContent);
var time = M.clock(data.time_zone);
var DONE = { delivered: true, failed: true, cancelled: true };
var SHOWN = { dispatched: true, started: true, completed: true };
var MOVE_MS = 800;
// A route's status on its badge.
var ROUTE_STATUS = { planned: gettext("planned"), dispatched: gettext("dispatched"), started: gettext("started"),
  completed: gettext("completed") };

var element = function (id) { return document.getElementById(id); };
var drivers = {};
data.drivers.forEach(function (d) { drivers[d.id] = d; });
var state = { routes: data.routes.slice(), positions: {}, markers: {}, arrivals: [] };

var map = M.createMap(element("live-map"));
var stopsLayer = L.layerGroup().addTo(map);
var fitted = false;

// A pickup is done once picked up; a delivery once its order is delivered, failed or cancelled.
function isDone(stop) {
  return DONE[stop.status] || (stop.kind === "pickup" && Boolean(stop.picked_up_at));
}

function sortRoutes() {
  state.routes.sort(function (a, b) {
    return (a.driver_name || "").localeCompare(b.driver_name || "") || a.id.localeCompare(b.id);
  });
}

function routeIndexOfDriver(driverId) {
  for (var i = 0; i < state.routes.length; i += 1) {
    if (state.routes[i].driver === driverId) { return i; }
  }
  return -1;
}

function driverName(driverId) {
  var d = drivers[driverId];
  if (d) { return d.name || d.email; }
  var i = routeIndexOfDriver(driverId);
  return i >= 0 ? state.routes[i].driver_name : gettext("Driver");
}

function initials(name) {
  return (name || "?").split(/\s+/).filter(Boolean).slice(0, 2).map(function (w) { return w[0]; }).join("").toUpperCase();
}

function ago(iso) {
  if (!iso) { return gettext("no position yet"); }
  var seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) { return format(gettext("last seen %(seconds)s s ago"), { seconds: seconds }); }
  if (seconds < 3600) { return format(gettext("last seen %(minutes)s min ago"), { minutes: Math.floor(seconds / 60) }); }
  return format(gettext("last seen at %(time)s"), { time: time(iso) });
}

function routeHtml(route, index) {
  var fill = M.colour(index);
  var done = route.stops.filter(function (s) { return isDone(s); }).length;
  var next = route.stops.filter(function (s) { return !isDone(s); }).slice(0, 3);
  // Delivered before the window opened (routing.lateness): the recipient may not have been in.
  var early = route.stops.filter(function (s) { return s.delivered_early_minutes; });
  var seen = state.positions[route.driver];
  return '<article class="route card" data-route-id="' + route.id + '" aria-labelledby="live-route-' + route.id + '">' +
    '<header class="route-head"><span class="swatch" style="background:' + fill + '" aria-hidden="true"></span>' +
    '<h3 id="live-route-' + route.id + '">' + M.escapeHtml(route.driver_name) + "</h3>" +
    '<span class="badge status-' + route.status + '" data-route-status>' + M.escapeHtml(ROUTE_STATUS[route.status] || route.status) +
    "</span></header>" +
    '<p class="route-meta"><span data-progress>' +
    M.escapeHtml(format(gettext("%(done)s / %(count)s stops done"), { done: done, count: route.stops.length })) + "</span> · " +
    (route.late_stops ? '<span class="chip late" data-late-stops>' +
      M.escapeHtml(format(gettext("%(count)s late"), { count: route.late_stops })) + "</span> · " : "") +
    '<span class="last-seen" data-last-seen="' + route.driver + '">' + ago(seen && seen.recorded_at) + "</span></p>" +
    '<progress max="' + (route.stops.length || 1) + '" value="' + done + '" aria-label="' +
    M.escapeHtml(format(gettext("Stops done of %(driver)s"), { driver: route.driver_name })) + '"></progress>' +
    (next.length ? '<ol class="next-stops" aria-label="' + M.escapeHtml(gettext("Next stops")) + '">' + next.map(function (stop) {
      return '<li data-stop-id="' + stop.id + '"><strong>' + stop.sequence + ".</strong> " +
        (stop.kind === "pickup" ? M.escapeHtml(gettext("Pickup:")) + " " : "") +
        M.escapeHtml(stop.external_id || "") + " " + M.escapeHtml(stop.address) +
        ' <span class="eta">' + M.escapeHtml(gettext("ETA")) + " <time>" + time(stop.expected_arrival || stop.eta || stop.planned_arrival) + "</time>" +
        (route.status === "dispatched" ? " " + M.escapeHtml(gettext("(not started)")) : "") + "</span>" +
        (stop.late ? ' <span class="chip late">' + M.escapeHtml(gettext("late")) + "</span>" :
          stop.running_late ? ' <span class="chip late" data-running-late>' + M.escapeHtml(gettext("running late")) + "</span>" : "") + "</li>";
    }).join("") + "</ol>" : '<p class="muted">' + M.escapeHtml(gettext("All stops done.")) + "</p>") +
    (early.length ? '<ul class="early-stops plain" aria-label="' + M.escapeHtml(gettext("Delivered early")) + '">' + early.map(function (stop) {
      return '<li data-stop-id="' + stop.id + '"><strong>' + stop.sequence + ".</strong> " +
        M.escapeHtml(stop.external_id || "") + " " + M.escapeHtml(stop.address) + ' <span class="chip early">' +
        M.escapeHtml(format(gettext("Delivered %(duration)s early"), { duration: duration(stop.delivered_early_minutes) })) +
        "</span></li>";
    }).join("") + "</ul>" : "") + "</article>";
}

function renderRoutes() {
  sortRoutes();
  element("live-routes").innerHTML = state.routes.length ? state.routes.map(routeHtml).join("") :
    '<p class="muted">' + M.escapeHtml(gettext("No routes are out today.")) + "</p>";
}

function renderStops() {
  stopsLayer.clearLayers();
  var points = [];
  data.depots.forEach(function (depot) {
    var at = [depot.location.lat, depot.location.lng];
    L.marker(at, { icon: M.depotIcon(), keyboard: false, title: format(gettext("Depot %(name)s"), { name: depot.name }) })
      .addTo(stopsLayer);
    points.push(at);
  });
  state.routes.forEach(function (route, index) {
    var fill = M.colour(index), line = [];
    route.stops.forEach(function (stop) {
      if (!stop.location) { return; }
      var at = [stop.location.lat, stop.location.lng];
      line.push(at);
      points.push(at);
      L.marker(at, { icon: M.numberedIcon(stop.sequence, fill, isDone(stop) ? "done" : ""), keyboard: false,
        title: format(gettext("%(driver)s stop %(number)s"), { driver: route.driver_name, number: stop.sequence }) })
        .addTo(stopsLayer);
    });
    if (line.length > 1) { L.polyline(line, { color: fill, weight: 3, opacity: 0.6, className: "route-line" }).addTo(stopsLayer); }
  });
  Object.keys(state.positions).forEach(function (id) {
    points.push([state.positions[id].lat, state.positions[id].lng]);
  });
  if (!fitted && points.length) { M.fit(map, points); fitted = true; }
}

function render() { renderRoutes(); renderStops(); refreshDriverIcons(); }

function refreshDriverIcons() {
  Object.keys(state.markers).forEach(function (id) {
    var index = routeIndexOfDriver(id);
    state.markers[id].setIcon(M.driverIcon(initials(driverName(id)), index >= 0 ? M.colour(index) : "#4a5568"));
  });
}

/* Glide from where the marker is to where the driver is now, instead of jumping. */
function glide(marker, to) {
  var from = marker.getLatLng(), started = performance.now();
  if (marker._glide) { cancelAnimationFrame(marker._glide); }
  function step(now) {
    var t = Math.min(1, (now - started) / MOVE_MS), ease = t * (2 - t);
    marker.setLatLng(t < 1 ? [from.lat + (to[0] - from.lat) * ease, from.lng + (to[1] - from.lng) * ease] : to);
    marker._glide = t < 1 ? requestAnimationFrame(step) : null;
  }
  marker._glide = requestAnimationFrame(step);
}

function position(p) {
  if (!p || !p.driver || typeof p.lat !== "number" || typeof p.lng !== "number") { return; }
  var previous = state.positions[p.driver];
  if (previous && previous.recorded_at && p.recorded_at && new Date(p.recorded_at) < new Date(previous.recorded_at)) {
    return; // an older point that arrived late (offline catch-up) must not move the marker back
  }
  state.positions[p.driver] = p;
  var marker = state.markers[p.driver], to = [p.lat, p.lng];
  if (!marker) {
    var index = routeIndexOfDriver(p.driver);
    marker = L.marker(to, { icon: M.driverIcon(initials(driverName(p.driver)), index >= 0 ? M.colour(index) : "#4a5568"),
      title: driverName(p.driver), zIndexOffset: 1000, keyboard: false });
    marker.bindTooltip("");
    marker.addTo(map);
    state.markers[p.driver] = marker;
  } else {
    glide(marker, to);
  }
  marker.getElement() && marker.getElement().setAttribute("data-driver", p.driver);
  marker.setTooltipContent(M.escapeHtml(driverName(p.driver)) + " · " + ago(p.recorded_at));
  tick();
}

function tick() {
  document.querySelectorAll("[data-last-seen]").forEach(function (label) {
    var seen = state.positions[label.dataset.lastSeen];
    label.textContent = ago(seen && seen.recorded_at);
  });
}
setInterval(tick, 1000);

// A delivery moves every later stop's ETA: a burst of order.updated for one route. One read of
// a route at a time, and one more after it if pushes came meanwhile (not one read per push,
// which ran into the API's rate limit and could drop the latest state).
var refreshing = {};

function refreshRoute(routeId) {
  if (refreshing[routeId]) {
    refreshing[routeId] = "again";
    return Promise.resolve();
  }
  refreshing[routeId] = "reading";
  return M.api("GET", "/api/v1/routes/" + routeId).then(function (result) {
    var again = refreshing[routeId] === "again";
    delete refreshing[routeId];
    routeRead(routeId, result);
    if (again) { return refreshRoute(routeId); }
  });
}

function routeRead(routeId, result) {
  if (result.status === 404) { // re-planned away: the route no longer exists
    state.routes = state.routes.filter(function (r) { return r.id !== routeId; });
    render();
    return;
  }
  if (!result.ok) { return; }
  var route = result.body;
  state.routes = state.routes.filter(function (r) { return r.id !== route.id; });
  // Yesterday's round still under way after midnight stays too, as the page was served.
  var carried = route.status === "started" && route.delivery_date < data.date;
  if ((route.delivery_date === data.date || carried) && SHOWN[route.status]) { state.routes.push(route); }
  render();
}

// A stop not done is never expected before now: when the clock passes the ETA shown (a van
// running late sends nothing new), the route is read again and the server moves it with the
// clock. At most once a minute per route.
var ETA_RECHECK_MS = 60000;
var rechecked = {};

function etasBehindTheClock() {
  var now = Date.now();
  state.routes.forEach(function (route) {
    if (route.status !== "started" || now - (rechecked[route.id] || 0) < ETA_RECHECK_MS) { return; }
    var behind = route.stops.some(function (stop) {
      return !isDone(stop) && stop.expected_arrival && new Date(stop.expected_arrival).getTime() < now;
    });
    if (behind) {
      rechecked[route.id] = now;
      refreshRoute(route.id);
    }
  });
}
setInterval(etasBehindTheClock, 5000);

function routeOfOrder(orderId) {
  var found = state.routes.filter(function (r) {
    return r.stops.some(function (s) { return s.order === orderId; });
  })[0];
  return found && found.id;
}

function arrival(item) {
  state.arrivals.unshift(item);
  state.arrivals = state.arrivals.slice(0, 10);
  element("live-arrivals").hidden = false;
  element("arrival-list").innerHTML = state.arrivals.map(function (a) {
    var route = state.routes.filter(function (r) { return r.id === a.route; })[0];
    var stop = route && route.stops.filter(function (s) { return s.id === a.stop || s.order === a.order; })[0];
    var guess = stop ?
      format(gettext("%(driver)s seems to have arrived at stop %(number)s (%(stop)s)"),
        { driver: driverName(a.driver), number: stop.sequence, stop: stop.external_id || stop.address }) :
      format(gettext("%(driver)s seems to have arrived at a stop"), { driver: driverName(a.driver) });
    return "<li>" + M.escapeHtml(a.message || guess) +
      (a.arrived_at || a.recorded_at ? " · " + time(a.arrived_at || a.recorded_at) : "") + "</li>";
  }).join("");
}

var connection = element("live-connection");
dispatchSocket({ handlers: {
  "driver.position": position,
  "route.updated": function (d) { if (d.id) { refreshRoute(d.id); } },
  "order.updated": function (d) {
    var routeId = d.route || routeOfOrder(d.id);
    if (routeId) { refreshRoute(routeId); }
    var old = routeOfOrder(d.id);
    if (old && old !== routeId) { refreshRoute(old); }
  },
  "stop.arrived": arrival,
  // Anything missed while the socket was down or the server's channel layer was away: reload
  // the routes shown.
  resync: function () { state.routes.forEach(function (route) { refreshRoute(route.id); }); },
}, onState: function (status, delay) {
  connection.dataset.state = status;
  connection.textContent = {
    open: gettext("Live: connected."),
    closed: format(gettext("Connection lost; reconnecting in %(seconds)s s…"), { seconds: delay }),
    refused: gettext("Live updates are not allowed for this account; reload the page after signing in again."),
  }[status];
} });

M.api("GET", "/api/v1/positions/latest").then(function (result) {
  if (!result.ok) { return; } // the endpoint may not exist (404): positions come live instead
  var list = Array.isArray(result.body) ? result.body : (result.body && result.body.results) || [];
  list.forEach(position);
  if (list.length && !fitted) { renderStops(); }
});

window.DeliveryLive = {
  markerAt: function (driverId) {
    var marker = state.markers[driverId];
    if (!marker) { return null; }
    var at = marker.getLatLng();
    return [at.lat, at.lng];
  },
};
render();
