// The raw benchmark pages' messages, shared by raw_page.js (QWebChannel in
// the page's own world) and raw_isolated_page.js (behind an isolated world).
//
// Hand-written JSON strings, {k, i, p}:
//   call   ask the other side to echo p; it answers with a reply of the same i
//   reply  the answer to a call
//   ready  the page is connected (page -> Python)
//   <task> run BENCH_TASKS[task] (loads.js; "start" is the serial loop) with
//          settings p (Python -> page)
//   report the task's timings (page -> Python)
//
// rawEndpoint(send) takes how a JSON string reaches Python and returns
// receive(text), for each JSON string from Python.
function rawEndpoint(send) {
  const pending = new Map();
  let nextId = 1;
  const post = (message) => send(JSON.stringify(message));

  function call(payload) {
    return new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      post({ k: "call", i: id, p: payload });
    });
  }

  return function receive(text) {
    const message = JSON.parse(text);
    switch (message.k) {
      case "reply": {
        const resolve = pending.get(message.i);
        pending.delete(message.i);
        if (resolve) resolve(message.p);
        break;
      }
      case "call":
        post({ k: "reply", i: message.i, p: message.p });
        break;
      default:
        if (Object.hasOwn(BENCH_TASKS, message.k)) {
          reportOf(BENCH_TASKS[message.k](call, message.p)).then((report) => post({ k: "report", p: report }));
        }
    }
  };
}
