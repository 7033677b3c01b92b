// The weft benchmark page: window.runtime is weft's bridge.
"use strict";
runtime.handle("echo", (payload) => payload);
runtime.on("bench:start", async (settings) => {
  const report = await reportOf(timeRoundTrips((payload) => runtime.invoke("echo", payload), settings));
  runtime.send("bench:report", report);
});
