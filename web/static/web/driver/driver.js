/* The driver's phone: today's route, the current stop, proof of delivery, location sharing.
 * Modules by concern: state.js (server data + outbox, the view), outbox.js (IndexedDB outbox),
 * actions.js (what the driver does), location.js (positions and the driver socket), push.js (the
 * route socket: the dispatcher's changes, at once), screens.js
 * (rendering), signature.js (the signature pad), dom.js (a small DOM helper). */

import { onChange, onProblem, onResult, refresh, signOutNotice } from "./actions.js";
import { locationOnline, socketClose } from "./location.js";
import { Outbox } from "./outbox.js";
import { pushClose, pushOnline, pushOpen } from "./push.js";
import { render } from "./screens.js";
import { config, embedded, hooks, store } from "./state.js";

// The dispatcher's changes (an order assigned by hand, one cancelled or moved to another day,
// a re-plan) reach the phone at once by push (push.js); this poll is the fallback for a push
// socket that is down, and the page also re-reads when it is brought back to the front.
const ROUTE_REFRESH_MS = config.refresh_ms || 30000;

async function start() {
  hooks.render = render;
  hooks.outboxChanged = onChange;
  for (const button of document.querySelectorAll(".tab")) {
    button.addEventListener("click", () => {
      store.tab = button.dataset.tab;
      store.form = null;
      render();
    });
  }
  window.addEventListener("online", () => {
    render();
    refresh();
    locationOnline();
    pushOnline();
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
    pushClose();
    render();
  });
  store.outbox = await new Outbox({
    csrf: config.csrf_token,
    onChange,
    onResult,
    onProblem,
    onSignedOut: signOutNotice,
  }).open();
  const stored = await store.outbox.stateGet("snapshot");
  const sameDriver =
    stored && stored.driver && embedded.driver && stored.driver.id === embedded.driver.id;
  if (sameDriver && new Date(stored.generated_at) > new Date(embedded.generated_at)) {
    store.server = stored; // this page came from the offline cache; we have seen newer data
  } else {
    await store.outbox.stateSet("snapshot", embedded);
  }
  store.problems = (await store.outbox.stateGet("problems")) || [];
  await onChange();
  store.outbox.kick(true);
  pushOpen();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker
      .register(config.service_worker_url, { scope: "/driver/" })
      .catch((error) => console.warn("service worker", error));
  }
}

start();
