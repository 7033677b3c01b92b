// -- errors: same names as weft's Python errors (protocol.json) ----------
class WeftError extends Error {
  constructor(message, type) {
    super(message);
    this.name = new.target.name;
    this.type = type || new.target.name;
  }
}
const errors = { WeftError };
for (const name of protocol.errors.classes) {
  errors[name] = { [name]: class extends WeftError {} }[name];
}
freeze(errors);

function errorFromWire(e) {
  const type = e && typeof e.type === "string" ? e.type : "Error";
  const message = e && typeof e.message === "string" ? e.message : "";
  const Class = Object.hasOwn(errors, type) && type !== "WeftError" ? errors[type] : errors.HandlerError;
  return new Class(message, type);
}

function errorToWire(err) {
  if (err instanceof Error) {
    const type = err instanceof WeftError ? err.type : err.name || "Error";
    return { type: String(type), message: String(err.message) };
  }
  return { type: "Error", message: String(err) };
}
