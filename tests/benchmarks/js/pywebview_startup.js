// Startup sample for pywebview: the page's first message to Python.
"use strict";
window.addEventListener("pywebviewready", () => pywebview.api.ready());
