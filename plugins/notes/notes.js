// The Notes plugin: the host loads the note into it, and saves what it sends.
const text = document.getElementById("text");
const status = document.getElementById("status");

runtime.on("notes:load", (note) => {
  text.value = note.text;
  status.textContent = `loaded (${note.text.length} characters)`;
});

document.getElementById("save").addEventListener("click", async () => {
  try {
    const saved = await runtime.invoke("notes:save", { text: text.value });
    status.textContent = `saved (${saved.length} characters)`;
  } catch (err) {
    status.textContent = `${err.name}: ${err.message}`;
  }
});
