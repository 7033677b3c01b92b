// Shared by the weft and raw pages (after loop.js): the load figures, timed in
// the page by the same code for both systems. Every wait has a timeout, so a
// page whose answers stop coming reports an error instead of hanging.
//
// BENCH_TASKS maps a task name, as Python asks for it, to
// task(call, settings), where `call(payload)` returns a Promise of the echoed
// payload. A task resolves with the timings Python reads.

function withTimeout(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

// `warmup`, then `calls` echo calls made at once: none is awaited before the
// next is made. Resolves with {totalMs} of the timed burst.
async function timePipelined(call, { calls, warmup, timeoutMs }) {
  const burst = (count) =>
    withTimeout(Promise.all(Array.from({ length: count }, (_, i) => call({ n: i }))), timeoutMs,
      `${count} pipelined calls`);
  await burst(warmup);
  const begin = performance.now();
  const answers = await burst(calls);
  const totalMs = performance.now() - begin;
  answers.forEach((answer, i) => {
    if (answer === null || typeof answer !== "object" || answer.n !== i) {
      throw new Error(`pipelined call ${i} came back as ${JSON.stringify(answer)}`);
    }
  });
  return { totalMs };
}

// `warmup` untimed, then `repeats` timed serial echoes of one ASCII string of
// `chars` characters (so as many bytes as UTF-8). Resolves with {samples} in ms.
async function timeLargeEchoes(call, { chars, repeats, warmup, timeoutMs }) {
  const text = "0123456789abcdef".repeat(Math.ceil(chars / 16)).slice(0, chars);
  const echo = async () => {
    const answer = await withTimeout(call(text), timeoutMs, `an echo of ${chars} characters`);
    if (answer !== text) throw new Error(`an echo of ${chars} characters came back different`);
  };
  for (let i = 0; i < warmup; i++) await echo();
  const samples = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await echo();
    samples.push(performance.now() - start);
  }
  return { samples };
}

const BENCH_TASKS = { start: timeRoundTrips, pipelined: timePipelined, large: timeLargeEchoes };
