// The raw benchmark page (raw_page.js's messages) talking through an
// isolated world's transport (raw_isolated_transport.js) over a private port.
"use strict";
(() => {
  const toHostNode = document.createTextNode("");
  const toHostEvent = new CustomEvent("raw:to-host");
  const pending = new Map();
  let nextId = 1;
  const post = (message) => {
    toHostNode.data = JSON.stringify(message);
    toHostNode.dispatchEvent(toHostEvent);
  };

  function call(payload) {
    return new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      post({ k: "call", i: id, p: payload });
    });
  }

  function receive(text) {
    const message = JSON.parse(text);
    switch (message.k) {
      case "reply": {
        const resolve = pending.get(message.i);
        pending.delete(message.i);
        if (resolve) resolve(message.p);
        break;
      }
      case "call":
        post({ k: "reply", i: message.i, p: message.p });
        break;
      default:
        if (Object.hasOwn(BENCH_TASKS, message.k)) {
          reportOf(BENCH_TASKS[message.k](call, message.p)).then((report) => post({ k: "report", p: report }));
        }
    }
  }

  toHostNode.addEventListener("raw:relay-up", (event) => {
    const toPage = event.relatedTarget;
    toPage.addEventListener("raw:to-page", () => receive(toPage.data));
    post({ k: "ready" });
  });
  document.dispatchEvent(new MouseEvent("raw:port", { relatedTarget: toHostNode }));
})();
