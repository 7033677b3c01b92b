// The weft benchmark page: window.runtime is weft's bridge.
// Python asks for a task from BENCH_TASKS (loads.js) on "bench:<task>" with its
// settings; the page answers on "bench:report".
"use strict";
runtime.handle("echo", (payload) => payload);
const call = (payload) => runtime.invoke("echo", payload);
for (const [name, task] of Object.entries(BENCH_TASKS)) {
  runtime.on(`bench:${name}`, async (settings) => {
    runtime.send("bench:report", await reportOf(task(call, settings)));
  });
}
// The same serial loop on a declared channel (checking.py): its payload is
// converted and its result checked in Python.
runtime.on("bench:typed", async (settings) => {
  const typed = (payload) => runtime.invoke("echo:typed", payload);
  runtime.send("bench:report", await reportOf(timeRoundTrips(typed, settings)));
});
