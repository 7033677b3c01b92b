// Startup sample for raw QWebChannel: the page's first message to Python.
"use strict";
new QWebChannel(qt.webChannelTransport, (channel) => {
  channel.objects.bridge.post(JSON.stringify({ k: "ready" }));
});
