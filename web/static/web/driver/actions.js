/* What the driver does (start, picked up, delivered with proof, not delivered, complete, sign
 * out) goes into the outbox (outbox.js) and is sent in order; the outbox's callbacks bring the
 * server's answers back into the state. */

import { format, gettext, ngettext } from "../conventions.js";
import { multipart } from "./outbox.js";
import { freshLocation } from "./location.js";
import { config, hooks, serverSet, store, view } from "./state.js";

const PHOTO_MAX_SIDE = 1600;

export async function refresh() {
  if (store.signedOut) return;
  try {
    const response = await fetch(config.data_url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    });
    const type = response.headers.get("Content-Type") || "";
    if (response.redirected || !type.includes("application/json")) {
      signOutNotice();
      return;
    }
    if (response.ok) {
      const data = await response.json();
      // In a dead spot the service worker answers with its last copy: never go backwards.
      if (new Date(data.generated_at) >= new Date(store.server.generated_at)) await serverSet(data);
      hooks.render();
    }
  } catch (offline) {
    /* a dead spot: keep what we have */
  }
}

export async function onChange() {
  store.pending = await store.outbox.actions();
  store.positionsWaiting = await store.outbox.positionsCount();
  hooks.render();
}

export async function onResult(action, body) {
  if (!body) return;
  if (
    action.kind === "route.start" ||
    action.kind === "route.complete" ||
    action.kind === "stop.picked_up"
  ) {
    await serverSet(Object.assign({}, store.server, { route: body }));
    if (action.kind === "route.start") refresh();
  } else if (action.kind === "order.delivered" || action.kind === "order.failed") {
    const orders = store.server.orders.map((order) => (order.id === body.id ? body : order));
    await serverSet(Object.assign({}, store.server, { orders }));
  }
  if (store.pending.length <= 1) refresh();
}

export async function onProblem(action, error, status) {
  store.problems.push({
    id: action.idempotencyKey,
    message: `${action.label}: ${error.message}`,
    code: error.code,
    status,
  });
  await store.outbox.stateSet("problems", store.problems);
  refresh(); // the dispatcher changed something: show the truth
}

export function signOutNotice() {
  store.signedOut = true;
  hooks.render();
}

export function jsonAction(kind, label, url, data, ids) {
  return store.outbox.add(
    Object.assign(
      {
        kind,
        label,
        method: "POST",
        url,
        body: data === null ? null : JSON.stringify(data),
        contentType: data === null ? null : "application/json",
      },
      ids
    )
  );
}

export async function routeStart() {
  const route = view().state.route;
  await jsonAction("route.start", gettext("Start route"), `/api/v1/routes/${route.id}/start`, null, {
    route: route.id,
  });
  store.tab = "stop";
}

export async function routeComplete() {
  const route = view().state.route;
  await jsonAction(
    "route.complete",
    gettext("Complete route"),
    `/api/v1/routes/${route.id}/complete`,
    null,
    { route: route.id }
  );
}

export async function pickedUp(stop, order) {
  const route = view().state.route;
  const where = freshLocation();
  await jsonAction(
    "stop.picked_up",
    format(gettext("Picked up for %(name)s"), { name: order.recipient.name || order.address }),
    `/api/v1/routes/${route.id}/stops/${stop.id}/picked-up`,
    where ? { location: where } : {},
    { route: route.id, stop: stop.id }
  );
  store.selectedStop = null;
}

export async function photoForUpload(file) {
  // Phone cameras take 3–8 MB pictures; a smaller JPEG goes through a weak signal far sooner.
  try {
    if (file.size < 1500000 || !window.createImageBitmap) return file;
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const smaller = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    return smaller && smaller.size < file.size ? smaller : file;
  } catch (unreadable) {
    return file;
  }
}

export async function deliver(order, formElement) {
  const name = formElement.elements.recipient_name.value.trim();
  const note = formElement.elements.note.value.trim();
  const files = store.photos.map((blob, index) => [
    "photo",
    blob,
    `photo-${index + 1}.${blob.type === "image/png" ? "png" : blob.type === "image/webp" ? "webp" : "jpg"}`,
  ]);
  if (store.signature && store.signature.inked) {
    files.push(["signature", await store.signature.toBlob(), "signature.png"]);
  }
  const where = freshLocation();
  const label = order.recipient.name || order.address;
  if (files.length) {
    const fields = [];
    if (name) fields.push(["recipient_name", name]);
    if (where) fields.push(["lat", String(where.lat)], ["lng", String(where.lng)]);
    const { body, contentType } = multipart(fields, files);
    await store.outbox.add({
      kind: "proof",
      label: format(gettext("Proof of delivery for %(name)s"), { name: label }),
      method: "POST",
      url: `/api/v1/orders/${order.id}/proofs`,
      body,
      contentType,
      order: order.id,
    });
  }
  const transition = { to: "delivered" };
  if (name) transition.recipient_name = name;
  if (note) transition.note = note;
  if (where) transition.location = where;
  await jsonAction(
    "order.delivered",
    format(gettext("Delivered to %(name)s"), { name: label }),
    `/api/v1/orders/${order.id}/transition`,
    transition,
    { order: order.id }
  );
  formClose();
}

export async function fail(order, formElement) {
  const reason = formElement.elements.reason.value;
  if (!reason) {
    formElement.querySelector(".form-error").textContent = gettext("Choose a reason.");
    return;
  }
  const note = formElement.elements.note.value.trim();
  const transition = { to: "failed", reason };
  if (note) transition.note = note;
  const where = freshLocation();
  if (where) transition.location = where;
  await jsonAction(
    "order.failed",
    format(gettext("Not delivered to %(name)s"), { name: order.recipient.name || order.address }),
    `/api/v1/orders/${order.id}/transition`,
    transition,
    { order: order.id }
  );
  formClose();
}

export function formClose() {
  store.form = null;
  store.photos = [];
  store.signature = null;
  store.selectedStop = null;
  hooks.render();
  window.scrollTo(0, 0);
}

export async function signOut() {
  const count = store.pending.length;
  const question = ngettext(
    "%(count)s action is not sent yet and will be lost. Sign out anyway?",
    "%(count)s actions are not sent yet and will be lost. Sign out anyway?",
    count
  );
  if (count && !confirm(format(question, { count }))) return;
  try {
    if (window.caches) {
      for (const name of await caches.keys()) if (name.startsWith("driver-")) await caches.delete(name);
    }
    await store.outbox.clear();
  } finally {
    document.getElementById("logout").submit();
  }
}
