// A raw QWebChannel broadcast target: acknowledges each ping as it arrives.
"use strict";
new QWebChannel(qt.webChannelTransport, (channel) => {
  const bridge = channel.objects.bridge;
  bridge.deliver.connect((text) => {
    const message = JSON.parse(text);
    if (message.k === "ping") bridge.post(JSON.stringify({ k: "ack", p: message.p }));
  });
  bridge.post(JSON.stringify({ k: "ready" }));
});
