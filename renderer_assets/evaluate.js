// Window.evaluate's envelope. The host appends the call `(source)` with the
// source as a JSON string. It runs the source (an expression, or statements
// whose last value is the result) by indirect eval in the page's own world,
// and answers JSON text: {"value": ...} or {"error": {"name", "message"}}.
// What is not a JSON value (a DOM node, a function, a typed array) is an
// error, not {}; a Promise is not awaited and gives null.
(function weftEvaluate(source) {
  "use strict";
  function describe(value) {
    const ctor = value && value.constructor;
    return typeof ctor === "function" && ctor.name ? `a ${ctor.name}` : `a ${typeof value}`;
  }
  function plain(key, value) {
    if (typeof value === "function" || typeof value === "symbol") {
      throw new TypeError(`not a JSON value: ${describe(value)}${key ? ` at ${JSON.stringify(key)}` : ""}`);
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`not a JSON value: ${describe(value)}${key ? ` at ${JSON.stringify(key)}` : ""}`);
      }
    }
    return value;
  }
  try {
    let value = (0, eval)(source);
    if (value instanceof Promise) value = null;
    return JSON.stringify({ value: value === undefined ? null : value }, plain);
  } catch (err) {
    const name = (err && typeof err.name === "string" && err.name) || "Error";
    const message = err && err.message !== undefined ? String(err.message) : String(err);
    return JSON.stringify({ error: { name, message } });
  }
})
