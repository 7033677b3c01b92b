// weft transport: runs in the page's *isolated* script world, right after
// Qt's qwebchannel.js. It owns the QWebChannel connection, which the page's
// own world never sees (there, `typeof qt` is "undefined"), and relays batch
// strings between the bridge object and runtime.js through DOM CustomEvents.
// Only strings cross: objects do not survive the trip between worlds.
(function weftTransport() {
  "use strict";
  const doc = document;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const listen = EventTarget.prototype.addEventListener;
  const Event = CustomEvent;

  let bridge = null;
  let queued = [];

  function toHost(batch) {
    if (bridge !== null) bridge.post(batch);
    else queued.push(batch);
  }

  function announce() {
    dispatch.call(doc, new Event("weft:relay-up"));
  }

  listen.call(doc, "weft:to-host", (event) => {
    if (typeof event.detail === "string") toHost(event.detail);
  });
  // runtime.js may start before or after this script: whichever comes second
  // hears the other's announcement, so each side learns the other is there.
  listen.call(doc, "weft:runtime-up", announce);

  const channel = new QWebChannel(qt.webChannelTransport, (ready) => {
    bridge = ready.objects.bridge;
    bridge.deliver.connect((batch) => {
      dispatch.call(doc, new Event("weft:to-page", { detail: batch }));
    });
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
  announce();
})();
