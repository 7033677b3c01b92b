// weft.testing's evaluate(): an expression whose value may be a Promise.
// Window.evaluate cannot wait for a Promise (Qt's runJavaScript answers at
// once), so "start" runs the source and parks its settled outcome under a
// key, and Python asks "take" until it is there. The host appends the call
// `(op, key, source)` with JSON literals; nothing here is built from strings.
// Outcomes live on a registered Symbol, out of the way of the app's globals.
(function weftTesting(op, key, source) {
  "use strict";
  const slots = (window[Symbol.for("weft.testing")] ??= Object.create(null));
  if (op === "start") {
    slots[key] = null;
    Promise.resolve()
      .then(() => (0, eval)(source))
      .then(
        (value) => { slots[key] = { value: value === undefined ? null : value }; },
        (err) => {
          const name = (err && typeof err.name === "string" && err.name) || "Error";
          const message = err && err.message !== undefined ? String(err.message) : String(err);
          const type = err && typeof err.type === "string" ? err.type : null;
          slots[key] = { error: { name, message, type } };
        });
    return null;
  }
  const outcome = slots[key];
  if (outcome) delete slots[key];
  return outcome === undefined ? { error: { name: "Error", message: "the page was reloaded", type: null } } : outcome;
})
