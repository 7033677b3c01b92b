runtime.send("app-loaded", { title: document.title, script: "app.js" });
