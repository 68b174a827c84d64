/* The driver's service worker (scope /driver/): the page and today's data network-first (so
 * online visits are always fresh), falling back to the last copy in a dead spot; the static
 * files served from the cache and refreshed behind the scenes. The API is never cached here:
 * the page's outbox deals with it. */
"use strict";

const CACHE = "driver-{{ version }}";
const PAGES = ["{% url 'driver-home' %}", "{% url 'driver-data' %}"];
const STATIC = [{% for url in static_urls %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all([
        cache.addAll(STATIC),
        ...PAGES.map((page) =>
          fetch(page, { credentials: "same-origin", cache: "no-store" })
            .then((response) => (usable(response) ? cache.put(page, response) : null))
            .catch(() => null)
        ),
      ])
    ).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) =>
        Promise.all(
          names.filter((name) => name.startsWith("driver-") && name !== CACHE).map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

function usable(response) {
  // A redirect means signed out: never keep the sign-in page as the driver's route.
  return response && response.ok && !response.redirected && response.type === "basic";
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    if (usable(response)) await cache.put(key, response.clone());
    return response;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null));
  try {
    const first = await Promise.race([network, timeout]);
    if (first) return first;
  } catch (offline) {
    /* fall through to the cache */
  }
  const cached = await cache.match(key);
  if (cached) return cached;
  return network; // nothing cached: wait for the network (or its error)
}

async function staleWhileRevalidate(request, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key);
  const network = fetch(request)
    .then(async (response) => {
      if (usable(response)) await cache.put(key, response.clone());
      return response;
    })
    .catch(() => null);
  if (cached) return cached;
  return (await network) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PAGES.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (STATIC.includes(url.pathname)) {
    event.respondWith(staleWhileRevalidate(request, url.pathname));
  }
});
