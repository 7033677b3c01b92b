runtime.send("utf8-loaded", {title: document.title, text: document.getElementById("p").textContent,
  script: "✓ ü", charset: document.characterSet});
