// The raw page's transport in an isolated world, the way weft's is built
// (renderer_assets/transport.js): QWebChannel lives here, the page's own
// world reaches it only through a private port of two text nodes. No
// validation, no batching: the cost of the isolated world and the relay alone.
(function rawIsolatedTransport() {
  "use strict";
  let bridge = null;
  let queued = [];
  let toPage = null;
  const toPageEvent = new CustomEvent("raw:to-page");
  function toHost(text) {
    if (bridge !== null) bridge.post(text);
    else queued.push(text);
  }
  document.addEventListener("raw:port", (event) => {
    const toHostNode = event.relatedTarget;
    if (toPage !== null || !(toHostNode instanceof Text)) return;
    toPage = document.createTextNode("");
    toHostNode.addEventListener("raw:to-host", () => toHost(toHostNode.data));
    toHostNode.dispatchEvent(new MouseEvent("raw:relay-up", { relatedTarget: toPage }));
  });
  new QWebChannel(qt.webChannelTransport, (channel) => {
    bridge = channel.objects.bridge;
    bridge.deliver.connect((text) => {
      toPage.data = text;
      toPage.dispatchEvent(toPageEvent);
    });
    for (const text of queued) bridge.post(text);
    queued = null;
  });
})();
