// The raw QWebChannel benchmark page: the floor weft is built on.
//
// Hand-written JSON strings over one slot (`post`, page -> Python) and one
// signal (`deliver`, Python -> page). Messages are {k, i, p}:
//   call   ask the other side to echo p; it answers with a reply of the same i
//   reply  the answer to a call
//   ready  the page is connected (page -> Python)
//   <task> run BENCH_TASKS[task] (loads.js; "start" is the serial loop) with
//          settings p (Python -> page)
//   report the task's timings (page -> Python)
"use strict";
new QWebChannel(qt.webChannelTransport, (channel) => {
  const bridge = channel.objects.bridge;
  const pending = new Map();
  let nextId = 1;
  const post = (message) => bridge.post(JSON.stringify(message));

  function call(payload) {
    return new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      post({ k: "call", i: id, p: payload });
    });
  }

  bridge.deliver.connect((text) => {
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
  });
  post({ k: "ready" });
});
