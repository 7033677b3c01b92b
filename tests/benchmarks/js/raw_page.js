// The raw QWebChannel benchmark page: the floor weft is built on.
//
// Hand-written JSON strings (raw_protocol.js) over one slot (`post`,
// page -> Python) and one signal (`deliver`, Python -> page).
"use strict";
new QWebChannel(qt.webChannelTransport, (channel) => {
  const bridge = channel.objects.bridge;
  const receive = rawEndpoint((text) => bridge.post(text));
  bridge.deliver.connect(receive);
  bridge.post(JSON.stringify({ k: "ready" }));
});
