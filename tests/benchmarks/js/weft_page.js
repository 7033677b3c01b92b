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
