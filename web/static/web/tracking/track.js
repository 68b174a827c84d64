/* The recipient's tracking page: a Leaflet map that works without tiles, live over a socket.
 * Its words come from the server (config.texts) in the recipient's language. */
import { conventions } from "../conventions.js";

(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("tracking-config").textContent);
  var snapshot = JSON.parse(document.getElementById("snapshot").textContent);
  var texts = config.texts;
  var map = null, home = null, driver = null;
  var initialStatus = snapshot.status;
  // The business's conventions (tenants.locale): its clock (24- or 12-hour) and time zone, as
  // the server, the SMS and the e-mail write them; the recipient waits at the delivery address.
  var time = conventions(config).time;

  function icon(className) {
    return L.divIcon({className: "", html: '<div class="' + className + '"></div>', iconSize: [18, 18]});
  }

  function mapSetup() {
    if (typeof L === "undefined") return;
    var centre = snapshot.destination || snapshot.driver_position;
    if (!centre) { document.getElementById("map").hidden = true; return; }
    map = L.map("map", {zoomControl: true}).setView([centre.lat, centre.lng], 14);
    var tiles = L.tileLayer(config.tileUrl, {attribution: config.tileAttribution, maxZoom: 19});
    tiles.on("tileerror", function () {
      document.getElementById("map-note").textContent = texts.mapFailed;
    });
    tiles.addTo(map);
    if (snapshot.destination) {
      home = L.marker([snapshot.destination.lat, snapshot.destination.lng], {icon: icon("home-dot"), title: texts.yourAddress, keyboard: false}).addTo(map);
    }
  }

  function driverShow(position) {
    if (!map) return;
    if (!position) {
      if (driver) { map.removeLayer(driver); driver = null; }
      return;
    }
    if (!driver) {
      driver = L.marker([position.lat, position.lng], {icon: icon("driver-dot"), title: texts.yourDriver, keyboard: false}).addTo(map);
    } else {
      driver.setLatLng([position.lat, position.lng]);
    }
    var points = [driver.getLatLng()];
    if (home) points.push(home.getLatLng());
    map.fitBounds(L.latLngBounds(points).pad(0.3), {maxZoom: 16});
  }

  function render(data) {
    snapshot = data;
    if (data.status !== initialStatus && data.status === "failed") {
      // What happened and the next step come from the server, in the page's language.
      location.reload();
      return;
    }
    var status = document.getElementById("status");
    status.textContent = texts.status[data.status] || data.status_label;
    status.dataset.status = data.status;
    var eta = document.getElementById("eta");
    eta.hidden = !data.eta_window;
    if (data.eta_window) {
      document.getElementById("eta-start").textContent = time(data.eta_window.start);
      document.getElementById("eta-end").textContent = time(data.eta_window.end);
    }
    var who = document.getElementById("driver");
    who.hidden = !data.driver_first_name;
    document.getElementById("driver-name").textContent = data.driver_first_name || "";
    var finished = document.getElementById("finished");
    // After a failed attempt, the server's sentence says when and why (#failure).
    finished.hidden = !data.finished_at || data.status === "failed";
    if (data.finished_at) {
      finished.textContent = texts.finishedAt
        .replace("%(status)s", texts.status[data.status] || data.status_label)
        .replace("%(time)s", time(data.finished_at));
    }
    var proofs = document.getElementById("proofs"), list = document.getElementById("proof-list");
    proofs.hidden = !data.proofs.length;
    list.replaceChildren.apply(list, data.proofs.map(function (proof) {
      var img = document.createElement("img");
      img.src = proof.url;
      img.alt = proof.kind === "signature" ? texts.signature : texts.photo;
      return img;
    }));
    driverShow(data.driver_position);
  }

  function connect(delay) {
    var live = document.getElementById("live");
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + config.socketPath);
    socket.onopen = function () { live.textContent = texts.live; delay = 1000; };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "tracking.updated") render(message.data);
      if (message.type === "driver.position") driverShow(message.data);
    };
    socket.onclose = function (event) {
      if (event.code === 4404 || event.code === 4410) { live.textContent = texts.invalid; return; }
      live.textContent = texts.reconnecting;
      setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay);
    };
  }

  mapSetup();
  render(snapshot);
  connect(1000);
})();
