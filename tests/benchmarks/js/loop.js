// Shared by every benchmark page, so each system is timed by the same code.
//
// timeRoundTrips(call, {calls, warmup}) makes `warmup` untimed and then
// `calls` timed round trips, one at a time; `call(payload)` returns a Promise
// of the echoed payload. Resolves with {samples (ms per call), totalMs}.
async function timeRoundTrips(call, { calls, warmup }) {
  for (let i = 0; i < warmup; i++) await call({ n: i });
  const samples = new Array(calls);
  const begin = performance.now();
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    const answer = await call({ n: i });
    samples[i] = performance.now() - start;
    if (answer === null || typeof answer !== "object" || answer.n !== i) {
      throw new Error(`round trip ${i} came back as ${JSON.stringify(answer)}`);
    }
  }
  return { samples, totalMs: performance.now() - begin };
}

// The report a page sends back: the timings, or what went wrong.
function reportOf(promise) {
  return promise.then((timing) => ({ timing }), (err) => ({ error: String((err && err.stack) || err) }));
}
