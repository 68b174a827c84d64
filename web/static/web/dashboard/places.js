/* An address and its coordinates as one place, on the depot, order and driver forms: the address
 box suggests places as it is typed (from /places/search/, debounced; arrow keys, Enter and Escape
 work as in any combobox), and a map shows the pin, which a click drops and a drag moves. The
 coordinates fields stay: the pin fills them, and typing in them moves the pin. Without map tiles
 the map is a plain grid, where the pin can still be dropped and dragged.

 Markup (web/forms/fields.py place_fields): the address input has data-place="<group>", its
 latitude and longitude inputs data-place-lat / data-place-lng="<group>". */

import { format, gettext, ngettext } from "../conventions.js";
import { createMap } from "./maps.js";

var DEBOUNCE_MS = 300;
var MIN_CHARS = 3;

function round(value) { return Math.round(value * 1e6) / 1e6; }

function parse(text) {
  var value = parseFloat(String(text || "").replace(",", "."));
  return isFinite(value) ? value : null;
}

function pinIcon() {
  return L.divIcon({ className: "place-pin", html: '<span aria-hidden="true"></span>',
    iconSize: [26, 26], iconAnchor: [13, 26] });
}

function setUp(address, lat, lng, index) {
  var group = address.dataset.place;
  var id = "place-" + group + "-" + index;

  // --- the suggestion box (ARIA 1.2 combobox with a listbox popup) ---
  var list = document.createElement("ul");
  list.id = id + "-suggestions";
  list.className = "place-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", gettext("Suggested places"));
  list.hidden = true;
  var status = document.createElement("p");
  status.id = id + "-status";
  status.className = "place-status help";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  address.insertAdjacentElement("afterend", list);
  list.insertAdjacentElement("afterend", status);
  address.setAttribute("role", "combobox");
  address.setAttribute("aria-autocomplete", "list");
  address.setAttribute("aria-expanded", "false");
  address.setAttribute("aria-controls", list.id);
  var described = address.getAttribute("aria-describedby");
  address.setAttribute("aria-describedby", (described ? described + " " : "") + status.id);

  var results = [], active = -1, timer = null, asked = "", sequence = 0;

  function close() {
    list.hidden = true;
    address.setAttribute("aria-expanded", "false");
    address.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    Array.prototype.forEach.call(list.children, function (option, position) {
      option.setAttribute("aria-selected", position === index ? "true" : "false");
    });
    if (index >= 0) {
      address.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      address.removeAttribute("aria-activedescendant");
    }
  }

  function show(found) {
    results = found;
    list.textContent = "";
    found.forEach(function (place, position) {
      var option = document.createElement("li");
      option.id = id + "-option-" + position;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = place.label;
      // mousedown, not click: the address box keeps its focus.
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        choose(position);
      });
      list.appendChild(option);
    });
    list.hidden = found.length === 0;
    address.setAttribute("aria-expanded", found.length ? "true" : "false");
    active = -1;
  }

  function choose(position) {
    var place = results[position];
    if (!place) { return; }
    address.value = place.label;
    asked = place.label;
    close();
    place_set(place.lat, place.lng, true);
    status.textContent = format(gettext("Placed at %(lat)s, %(lng)s. Drag the pin to correct it."),
      { lat: round(place.lat), lng: round(place.lng) });
  }

  function search() {
    var query = address.value.trim();
    if (query.length < MIN_CHARS || query === asked) { return; }
    asked = query;
    var mine = ++sequence;
    status.textContent = gettext("Looking for places…");
    fetch("/places/search/?q=" + encodeURIComponent(query), {
      credentials: "same-origin", headers: { "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return null; });
    }, function () { return null; }).then(function (body) {
      if (mine !== sequence) { return; }  // an older answer, overtaken by newer typing
      if (!body) {
        status.textContent = gettext("Address lookup could not be reached: place the pin on the map.");
        show([]);
        return;
      }
      show(body.results || []);
      status.textContent = body.results && body.results.length
        ? format(ngettext("%(count)s suggestion: use the arrow keys and Enter to choose.",
          "%(count)s suggestions: use the arrow keys and Enter to choose.", body.results.length),
          { count: body.results.length })
        : (body.message || gettext("No place found."));
      if (body.state !== "ready") { asked = ""; }  // ask again once it may answer
    });
  }

  address.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  address.addEventListener("keydown", function (event) {
    var open = !list.hidden && results.length;
    if (event.key === "ArrowDown") {
      if (!open) { asked = ""; search(); return; }
      event.preventDefault();
      highlight((active + 1) % results.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active <= 0 ? results.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();  // choose, do not submit the form
      choose(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  address.addEventListener("blur", function () { setTimeout(close, 150); });

  // --- the map and its pin ---
  var holder = document.createElement("div");
  holder.className = "place-map-holder";
  var mapElement = document.createElement("div");
  mapElement.id = id + "-map";
  mapElement.className = "map place-map";
  mapElement.setAttribute("role", "application");
  mapElement.setAttribute("aria-label", gettext("Map: click to place the pin, drag the pin to move it"));
  var hint = document.createElement("p");
  hint.className = "help";
  hint.textContent = gettext("Click the map to place the pin, or drag the pin to correct the place. " +
    "Keyboard: type the coordinates above.");
  holder.appendChild(mapElement);
  holder.appendChild(hint);
  var after = lng.closest(".row") || lng.closest(".field") || lng;
  after.insertAdjacentElement("afterend", holder);

  var map = createMap(mapElement);
  var marker = null;

  function place_set(latValue, lngValue, move) {
    lat.value = round(latValue);
    lng.value = round(lngValue);
    lat.dispatchEvent(new Event("change", { bubbles: true }));
    if (!marker) {
      marker = L.marker([latValue, lngValue], { draggable: true, icon: pinIcon(),
        keyboard: true, title: gettext("The place of this address"), alt: gettext("Pin") }).addTo(map);
      marker.on("dragend", function () {
        var point = marker.getLatLng();
        place_set(point.lat, point.lng, false);
        status.textContent = format(gettext("Pin moved to %(lat)s, %(lng)s."), { lat: round(point.lat), lng: round(point.lng) });
      });
    } else {
      marker.setLatLng([latValue, lngValue]);
    }
    mapElement.dataset.pin = round(latValue) + "," + round(lngValue);
    if (move) { map.setView([latValue, lngValue], Math.max(map.getZoom(), 15)); }
  }

  map.on("click", function (event) {
    place_set(event.latlng.lat, event.latlng.lng, false);
    status.textContent = format(gettext("Pin placed at %(lat)s, %(lng)s. Drag it to correct it."),
      { lat: round(event.latlng.lat), lng: round(event.latlng.lng) });
  });

  function fromFields() {
    var a = parse(lat.value), b = parse(lng.value);
    if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
      place_set(a, b, true);
    }
  }
  lat.addEventListener("input", fromFields);
  lng.addEventListener("input", fromFields);
  fromFields();
  // The map was laid out while hidden parts of the form were still moving.
  setTimeout(function () { map.invalidateSize(); }, 0);
}

document.querySelectorAll("input[data-place]").forEach(function (address, index) {
  var group = address.dataset.place;
  var form = address.form || document;
  var lat = form.querySelector('input[data-place-lat="' + group + '"]');
  var lng = form.querySelector('input[data-place-lng="' + group + '"]');
  if (lat && lng && window.L) { setUp(address, lat, lng, index); }
});
