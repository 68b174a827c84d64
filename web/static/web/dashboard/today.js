/* Today's live map: depots, then drivers moved by `driver.position` on /ws/dispatch/. Order and
   route changes re-fetch the summary (htmx listens to `dispatch-changed` on the body). */
import { format, gettext, ngettext } from "../conventions.js";
import { openingView, textTooltip } from "./maps.js";
import { dispatchSocket } from "./socket.js";

const element = document.getElementById("today-map");
const status = document.getElementById("map-status");
const data = JSON.parse(document.getElementById("today-data").textContent);
const markers = {};
let map = null;

if (element && window.L) {
  map = L.map(element, { zoomControl: true });
  if (element.dataset.tiles) {
    const tiles = L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 });
    tiles.on("tileerror", () => element.classList.add("degraded"));
    tiles.addTo(map);
  }
  const bounds = [];
  data.depots.forEach((depot) => {
    L.circleMarker([depot.lat, depot.lng], { radius: 7, color: "#14213d", fillOpacity: 0.9 })
      .bindTooltip(textTooltip(depot.name)).addTo(map);
    bounds.push([depot.lat, depot.lng]);
  });
  if (bounds.length) map.fitBounds(bounds, { maxZoom: 13, padding: [30, 30] });
  else openingView(map);
}

function driverName(id) {
  const item = document.querySelector('[data-driver="' + id + '"] strong');
  return item ? item.textContent : gettext("Driver");
}

function position(point) {
  if (!map) return;
  const at = [point.lat, point.lng];
  if (markers[point.driver]) markers[point.driver].setLatLng(at);
  else {
    markers[point.driver] = L.circleMarker(at, { radius: 8, color: "#0b6e4f", fillOpacity: 0.9 })
      .bindTooltip(textTooltip(driverName(point.driver))).addTo(map);
  }
  const count = Object.keys(markers).length;
  status.textContent = format(
    ngettext("%(count)s driver sharing their position.", "%(count)s drivers sharing their position.", count),
    { count }
  );
}

function changed() {
  document.body.dispatchEvent(new CustomEvent("dispatch-changed"));
}

dispatchSocket({
  // resync: pushes may have been missed (socket down, or the server's channel layer away).
  handlers: {
    "driver.position": position, "order.updated": changed, "route.updated": changed, resync: changed,
  },
  onState: (state) => { document.body.dataset.socket = state; },
});
