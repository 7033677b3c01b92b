// The demo's second window: it only listens.
const $ = (id) => document.getElementById(id);

function log(text) {
  const item = document.createElement("li");
  item.textContent = text;
  $("log").prepend(item);
}

runtime.on("state-update", (state) => {
  $("clicks").textContent = state.clicks;
  $("last").textContent = `last: ${state.last} in window "${state.from}"`;
  log(`click: ${state.last}`);
});

runtime.on("activity", (event) => {
  log(event.payload === null ? event.type : `${event.type}: ${JSON.stringify(event.payload)}`);
});
