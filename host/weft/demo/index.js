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

// The desktop: Python opens the dialog, the menu bar does the same, and files
// dropped on the window arrive in Python as a "drop" event it passes on.
function showFile(file) {
  $("files").textContent = `opened ${file.name} (${file.bytes} bytes)`;
}
$("open-file").addEventListener("click", async () => {
  const file = await runtime.invoke("open-file");
  if (file) showFile(file);
});
runtime.on("file-opened", showFile);
runtime.on("files-dropped", (paths) => {
  $("files").textContent = `dropped: ${paths.map((p) => p.split(/[\\/]/).pop()).join(", ")}`;
});
// This page takes drops: without these, Chromium would try to open the file.
document.addEventListener("dragover", (event) => event.preventDefault());
document.addEventListener("drop", (event) => event.preventDefault());
