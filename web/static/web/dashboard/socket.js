/* The dispatchers' socket, one for Today, Plan and Live: connects to /ws/dispatch/, reconnects
   with exponential backoff (1 s … 30 s, with jitter) and hands every message to the handler of
   its type (`handlers["driver.position"](data, message)`); types without a handler are ignored.
   `handlers.resync` is called when pushes may have been missed and the page should re-read its
   state over the API: when the socket is open again after a drop, and when the server says so
   (a "resync" message: its channel layer's Redis restarted and the socket's groups were joined
   again, pushes sent meanwhile are lost).
   `onState(state, delaySeconds)` tells the page how the connection is: "open" (the server's
   hello: the socket is in its groups), "closed"
   (reconnecting in `delaySeconds`) or "refused" (4401/4403: not signed in or not allowed;
   retrying will not help until the page is reloaded). */

export const DISPATCH_PATH = "/ws/dispatch/";
const REFUSED = new Set([4401, 4403]);
const MAX_DELAY_SECONDS = 30;

export function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  return scheme + location.host + path;
}

export function dispatchSocket({ handlers, onState = () => {} }) {
  let attempt = 0;
  let socket = null;
  let stopped = false;
  let opened = false;

  function open() {
    socket = new WebSocket(socketUrl(DISPATCH_PATH));
    socket.onopen = () => {
      attempt = 0;
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      // The server says hello once the socket is in its groups: from then on no push is missed.
      if (message && message.type === "hello") {
        onState("open");
        if (opened && handlers.resync) handlers.resync({}, { type: "resync", data: {} });
        opened = true;
      }
      const handler = message && handlers[message.type];
      if (handler) handler(message.data || {}, message);
    };
    socket.onclose = (event) => {
      if (stopped) return;
      if (REFUSED.has(event.code)) {
        onState("refused");
        return;
      }
      const delay = Math.min(MAX_DELAY_SECONDS, 2 ** attempt) * (0.8 + Math.random() * 0.4);
      attempt += 1;
      onState("closed", Math.round(delay));
      setTimeout(open, delay * 1000);
    };
  }

  open();
  return {
    close() {
      stopped = true;
      if (socket) socket.close();
    },
  };
}
