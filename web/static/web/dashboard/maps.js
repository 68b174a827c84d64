/* Shared helpers of the dispatcher's map pages (Plan, Live): route colours, numbered markers, a
 tile layer that degrades to a plain map when tiles cannot load, the API with the session's
 CSRF token, times in the business's zone. The /ws/dispatch/ socket is socket.js. */
import { conventions, duration as minutesText, format, gettext, pageSettings } from "../conventions.js";

// Okabe–Ito hues (told apart with the common colour-vision deficiencies), darkened so that the
// white stop numbers on them reach 4.5:1; every marker also carries its number, so colour is
// never the only cue.
export const COLOURS = ["#0072b2", "#b34700", "#007a58", "#a3457a", "#7a5f00", "#56429c",
  "#c0392b", "#117a8b", "#6b4226", "#2f4f4f"];

export function colour(index) { return COLOURS[index % COLOURS.length]; }

export function escapeHtml(text) {
  return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

// Leaflet puts a string tooltip in as HTML: names and addresses go in as a text node instead.
export function textTooltip(text) {
  var span = document.createElement("span");
  span.textContent = String(text == null ? "" : text);
  return span;
}

// Where a map opens before it has anything to show: the business's first depot, else its
// country whole, else the world (the page's "map-view" JSON, web.selectors.maps).
export function openingView(map) {
  var element = document.getElementById("map-view");
  var view = element ? JSON.parse(element.textContent) : { lat: 20, lng: 0, zoom: 2 };
  map.setView([view.lat, view.lng], view.zoom);
}

export function createMap(element) {
  var config = document.getElementById("map-config").dataset;
  var map = L.map(element, { zoomControl: true, attributionControl: true });
  openingView(map);
  if (config.tileUrl) {
    var failures = 0;
    var tiles = L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 });
    tiles.on("tileerror", function () {
      failures += 1;
      var notice = document.getElementById("map-notice");
      if (notice && failures === 1) { notice.hidden = false; }
      element.classList.add("map-degraded");
    });
    tiles.addTo(map);
  } else {
    element.classList.add("map-degraded");
  }
  return map;
}

export function numberedIcon(number, fill, extraClass) {
  return L.divIcon({
    className: "stop-marker" + (extraClass ? " " + extraClass : ""),
    html: '<span style="background:' + fill + '">' + escapeHtml(number) + "</span>",
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  });
}

export function depotIcon() {
  return L.divIcon({ className: "depot-marker", html: "<span aria-hidden=\"true\">D</span>",
    iconSize: [28, 28], iconAnchor: [14, 14] });
}

export function driverIcon(label, fill) {
  return L.divIcon({
    className: "driver-marker",
    html: '<span style="border-color:' + fill + '">' + escapeHtml(label) + "</span>",
    iconSize: [34, 34],
    iconAnchor: [17, 17],
  });
}

export function fit(map, points) {
  if (points.length === 1) { map.setView(points[0], 14); }
  else if (points.length > 1) { map.fitBounds(L.latLngBounds(points), { padding: [30, 30] }); }
}

export function csrfToken() {
  var config = document.getElementById("map-config");
  return config ? config.dataset.csrfToken : "";
}

/* fetch() against our API: resolves {ok, status, body}; never throws on HTTP errors. */
export function api(method, url, body) {
  var options = { method: method, credentials: "same-origin",
    headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(url, options).then(function (response) {
    return response.text().then(function (text) {
      var parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
      return { ok: response.ok, status: response.status, body: parsed };
    });
  }, function () { return { ok: false, status: 0, body: null }; });
}

export function errorMessage(result) {
  if (result.body && result.body.error) {
    var error = result.body.error, details = [];
    Object.keys(error.fields || {}).forEach(function (name) {
      details.push(name + ": " + [].concat(error.fields[name]).join(" "));
    });
    return error.message + (details.length ? " (" + details.join("; ") + ")" : "");
  }
  return result.status ? format(gettext("The server answered %(status)s."), { status: result.status }) :
    gettext("The server could not be reached.");
}

export function clock(timeZone) {
  // The business's conventions, as the server writes them (web/conventions.js): e.g. en-GB and
  // 24-hour "14:05", en-US and 12-hour "2:05 PM"; "–" for no time.
  return business(timeZone).time;
}

/* The business's formatters (time, date, day, weekday, dateTime) in `timeZone` (default: the
 * business's own, from <html data-time-zone>). */
export function business(timeZone) {
  var settings = pageSettings();
  if (timeZone) { settings.timeZone = timeZone; }
  return conventions(settings);
}

export function duration(seconds) {
  return minutesText(Math.round((seconds || 0) / 60));
}

export function kilometres(metres) { return ((metres || 0) / 1000).toFixed(1) + " km"; }
