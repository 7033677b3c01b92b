// weft transport: runs in the page's *isolated* script world, right after
// Qt's qwebchannel.js. It owns the QWebChannel connection, which the page's
// own world never sees (there, `typeof qt` is "undefined"), and relays batch
// strings between the bridge object and runtime.js through the runtime's
// private port: two text nodes whose data is the batch (runtime/relay.js).
(function weftTransport() {
  "use strict";
  const doc = document;

  let bridge = null;
  let queued = [];
  let toPage = null; // the runtime's port: see runtime/relay.js
  const toPageEvent = new CustomEvent("weft:to-page");
  let toPageBusy = false;

  function toHost(batch) {
    if (bridge !== null) bridge.post(batch);
    else queued.push(batch);
  }

  function deliver(batch) {
    if (toPage === null) return; // no runtime in this document
    toPage.data = batch;
    if (toPageBusy) {
      toPage.dispatchEvent(new CustomEvent("weft:to-page"));
      return;
    }
    toPageBusy = true;
    try {
      toPage.dispatchEvent(toPageEvent);
    } finally {
      toPageBusy = false;
    }
  }

  // The runtime offers its to-host node; the first offer is the runtime's
  // (both scripts run before any page script), later ones are ignored.
  doc.addEventListener("weft:port", (event) => {
    const toHostNode = event.relatedTarget;
    if (toPage !== null || !(toHostNode instanceof Text)) return;
    toPage = doc.createTextNode("");
    toHostNode.addEventListener("weft:to-host", () => {
      const batch = toHostNode.data;
      toHostNode.data = ""; // read once: its memory goes
      toHost(batch);
    });
    toHostNode.dispatchEvent(new MouseEvent("weft:relay-up", { relatedTarget: toPage }));
  });

  const channel = new QWebChannel(qt.webChannelTransport, (ready) => {
    bridge = ready.objects.bridge;
    bridge.deliver.connect(deliver);
    for (const batch of queued) bridge.post(batch);
    queued = null;
  });
  // After a reload, Qt's side of the channel can still answer the previous
  // document's requests and deliver its signals here. They are not this
  // document's: qwebchannel.js would throw on them ("execCallbacks[id] is
  // not a function") or warn ("Unhandled signal"); drop them quietly.
  const handleResponse = channel.handleResponse;
  const handleSignal = channel.handleSignal;
  channel.handleResponse = (message) => {
    if (Object.prototype.hasOwnProperty.call(channel.execCallbacks, message.id)) handleResponse(message);
  };
  channel.handleSignal = (message) => {
    if (channel.objects[message.object]) handleSignal(message);
  };
  // The runtime may have offered its port before this script ran: ask again.
  doc.dispatchEvent(new CustomEvent("weft:transport-up"));
})();
