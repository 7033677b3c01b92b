// The raw benchmark page (raw_protocol.js's messages) talking through an
// isolated world's transport (raw_isolated_transport.js) over a private port.
"use strict";
(() => {
  const toHostNode = document.createTextNode("");
  const toHostEvent = new CustomEvent("raw:to-host");
  const send = (text) => {
    toHostNode.data = text;
    toHostNode.dispatchEvent(toHostEvent);
  };
  const receive = rawEndpoint(send);
  toHostNode.addEventListener("raw:relay-up", (event) => {
    const toPage = event.relatedTarget;
    toPage.addEventListener("raw:to-page", () => receive(toPage.data));
    send(JSON.stringify({ k: "ready" }));
  });
  document.dispatchEvent(new MouseEvent("raw:port", { relatedTarget: toHostNode }));
})();
