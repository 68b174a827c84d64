/* Shared helpers of the dispatcher's map pages (Plan, Live): route colours, numbered markers, a
   tile layer that degrades to a plain map when tiles cannot load, the API with the session's
   CSRF token, times in the business's zone, and the /ws/dispatch/ socket with reconnect backoff. */
(function () {
  "use strict";

  // Okabe–Ito hues (told apart with the common colour-vision deficiencies), darkened so that the
  // white stop numbers on them reach 4.5:1; every marker also carries its number, so colour is
  // never the only cue.
  var COLOURS = ["#0072b2", "#b34700", "#007a58", "#a3457a", "#7a5f00", "#56429c",
    "#c0392b", "#117a8b", "#6b4226", "#2f4f4f"];

  function colour(index) { return COLOURS[index % COLOURS.length]; }

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function createMap(element) {
    var config = document.getElementById("map-config").dataset;
    var map = L.map(element, { zoomControl: true, attributionControl: true });
    map.setView([52.37, 4.89], 11);
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

  function numberedIcon(number, fill, extraClass) {
    return L.divIcon({
      className: "stop-marker" + (extraClass ? " " + extraClass : ""),
      html: '<span style="background:' + fill + '">' + escapeHtml(number) + "</span>",
      iconSize: [26, 26],
      iconAnchor: [13, 13],
    });
  }

  function depotIcon() {
    return L.divIcon({ className: "depot-marker", html: "<span aria-hidden=\"true\">D</span>",
      iconSize: [28, 28], iconAnchor: [14, 14] });
  }

  function driverIcon(label, fill) {
    return L.divIcon({
      className: "driver-marker",
      html: '<span style="border-color:' + fill + '">' + escapeHtml(label) + "</span>",
      iconSize: [34, 34],
      iconAnchor: [17, 17],
    });
  }

  function fit(map, points) {
    if (points.length === 1) { map.setView(points[0], 14); }
    else if (points.length > 1) { map.fitBounds(L.latLngBounds(points), { padding: [30, 30] }); }
  }

  function csrfToken() {
    var config = document.getElementById("map-config");
    return config ? config.dataset.csrfToken : "";
  }

  /* fetch() against our API: resolves {ok, status, body}; never throws on HTTP errors. */
  function api(method, url, body) {
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

  function errorMessage(result) {
    if (result.body && result.body.error) {
      var error = result.body.error, details = [];
      Object.keys(error.fields || {}).forEach(function (name) {
        details.push(name + ": " + [].concat(error.fields[name]).join(" "));
      });
      return error.message + (details.length ? " (" + details.join("; ") + ")" : "");
    }
    return result.status ? "The server answered " + result.status + "." : "The server could not be reached.";
  }

  function clock(timeZone) {
    var format = new Intl.DateTimeFormat("en-GB", { timeZone: timeZone, hour: "2-digit", minute: "2-digit" });
    return function (iso) { return iso ? format.format(new Date(iso)) : "–"; };
  }

  function duration(seconds) {
    var minutes = Math.round((seconds || 0) / 60);
    return minutes >= 60 ? Math.floor(minutes / 60) + " h " + (minutes % 60) + " min" : minutes + " min";
  }

  function kilometres(metres) { return ((metres || 0) / 1000).toFixed(1) + " km"; }

  /* The dispatchers' socket. Reconnects with exponential backoff (1 s … 30 s, with jitter);
     `onState(state, detail)` tells the page ("open", "closed" with the delay in seconds). */
  function dispatchSocket(onMessage, onState) {
    var attempt = 0, socket = null, stopped = false;
    function open() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + "/ws/dispatch/");
      socket.onopen = function () { attempt = 0; onState("open"); };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message && message.type) { onMessage(message); }
      };
      socket.onclose = function (event) {
        if (stopped) { return; }
        // 4401/4403: not signed in or not allowed; retrying will not help until the page reloads.
        if (event.code === 4401 || event.code === 4403) { onState("refused"); return; }
        var delay = Math.min(30, Math.pow(2, attempt)) * (0.8 + Math.random() * 0.4);
        attempt += 1;
        onState("closed", Math.round(delay));
        setTimeout(open, delay * 1000);
      };
    }
    open();
    return { close: function () { stopped = true; if (socket) { socket.close(); } } };
  }

  window.DeliveryMaps = {
    COLOURS: COLOURS, colour: colour, escapeHtml: escapeHtml, createMap: createMap,
    numberedIcon: numberedIcon, depotIcon: depotIcon, driverIcon: driverIcon, fit: fit,
    api: api, errorMessage: errorMessage, clock: clock, duration: duration,
    kilometres: kilometres, dispatchSocket: dispatchSocket,
  };
})();
