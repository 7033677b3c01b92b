// The demo's main window: the seed pattern, plus invoke and handle.
const $ = (id) => document.getElementById(id);
$("window-id").textContent = runtime.windowId;

for (const id of ["submit", "cancel"]) {
  $(id).addEventListener("click", () => runtime.send("button-click", { buttonId: id }));
}
runtime.on("button-response", (payload) => {
  $("status").textContent = payload.message;
});
runtime.on("state-update", (state) => {
  $("clicks").textContent = state.clicks;
});

$("reverse").addEventListener("click", async () => {
  const out = $("reversed");
  try {
    const result = await runtime.invoke("reverse", $("text").value);
    out.className = "status";
    out.textContent = `${result.reversed} (${result.length} characters)`;
  } catch (err) {
    out.className = "status error";
    out.textContent = `${err.name}: ${err.message}`;
  }
});

// Python asks this page about itself with ipc.invoke("main", "page-info").
runtime.handle("page-info", () => ({
  title: document.title,
  url: location.href,
  language: navigator.language,
}));
