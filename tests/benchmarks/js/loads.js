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
// `chars` characters (so as many bytes as UTF-8), or with `binary` of a
// Uint8Array of `chars` bytes. Resolves with {samples} in ms.
async function timeLargeEchoes(call, { chars, repeats, warmup, timeoutMs, binary }) {
  const data = binary ? patternBytes(chars) : "0123456789abcdef".repeat(Math.ceil(chars / 16)).slice(0, chars);
  const what = binary ? `an echo of ${chars} bytes` : `an echo of ${chars} characters`;
  const echo = async () => {
    const answer = await withTimeout(call(data), timeoutMs, what);
    if (binary ? !sameBytes(answer, data) : answer !== data) throw new Error(`${what} came back different`);
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

function patternBytes(n) {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 7) % 251;
  return bytes;
}

// Length, and every 997th byte: checks an echo without costing much time.
function sameBytes(answer, data) {
  if (!(answer instanceof Uint8Array) || answer.length !== data.length) return false;
  for (let i = 0; i < data.length; i += 997) if (answer[i] !== data[i]) return false;
  return data.length === 0 || answer[data.length - 1] === data[data.length - 1];
}

const BENCH_TASKS = { start: timeRoundTrips, pipelined: timePipelined, large: timeLargeEchoes };
