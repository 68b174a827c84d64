// Today's live map: depots, then drivers moved by `driver.position` on /ws/dispatch/.
// Order and route changes re-fetch the summary (htmx listens to `dispatch-changed`).
(function () {
  "use strict";
  var element = document.getElementById("today-map");
  var status = document.getElementById("map-status");
  var data = JSON.parse(document.getElementById("today-data").textContent);
  var map = null;
  var markers = {};
  if (element && window.L) {
    map = L.map(element, { zoomControl: true });
    if (element.dataset.tiles) {
      var tiles = L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 });
      tiles.on("tileerror", function () { element.classList.add("degraded"); });
      tiles.addTo(map);
    }
    var bounds = [];
    data.depots.forEach(function (depot) {
      L.circleMarker([depot.lat, depot.lng], { radius: 7, color: "#14213d", fillOpacity: 0.9 })
        .bindTooltip(depot.name).addTo(map);
      bounds.push([depot.lat, depot.lng]);
    });
    if (bounds.length) { map.fitBounds(bounds, { maxZoom: 13, padding: [30, 30] }); }
    else { map.setView([52.09, 5.12], 11); }
  }
  function driverName(id) {
    var item = document.querySelector('[data-driver="' + id + '"] strong');
    return item ? item.textContent : "Driver";
  }
  function position(data) {
    if (!map) { return; }
    var point = [data.lat, data.lng];
    if (markers[data.driver]) { markers[data.driver].setLatLng(point); }
    else {
      markers[data.driver] = L.circleMarker(point, { radius: 8, color: "#0b6e4f", fillOpacity: 0.9 })
        .bindTooltip(driverName(data.driver)).addTo(map);
    }
    status.textContent = Object.keys(markers).length + " driver(s) sharing their position.";
  }
  var delay = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/dispatch/");
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (message.type === "driver.position") { position(message.data); }
      else if (message.type === "order.updated" || message.type === "route.updated") {
        document.body.dispatchEvent(new CustomEvent("dispatch-changed"));
      }
    };
    socket.onclose = function () {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
