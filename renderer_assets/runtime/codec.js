// -- codec: channel checks, and frames as strict JSON ---------------------
// Frame kinds by name (KIND.send is "send"), so each one used is a name
// protocol.json has (tests/unit/test_protocol.py checks).
const KIND = { __proto__: null };
for (const kind of keys(protocol.frames)) KIND[kind] = kind;
freeze(KIND);
const SYSTEM_CHANNELS = new Set(protocol.channels.system);
const RESERVED_PREFIXES = freeze([...protocol.channels.reservedPrefixes]);
const MAX_CHANNEL = protocol.channels.maxLength; // in code points, as Python counts
// Python's str.isprintable(): no character of these Unicode general
// categories (controls, format characters, surrogates, private use,
// unassigned, separators) but the exceptions (the ASCII space).
const UNPRINTABLE = (({ categories, except }) => {
  const exact = except.map((char) => `\\u{${char.codePointAt(0).toString(16)}}`).join("");
  return new RegExp(`(?![${exact}])[${categories.map((name) => `\\p{${name}}`).join("")}]`, "u");
})(protocol.channels.unprintable);

// The rule Python's codec.check_channel applies, so a page hears of a bad
// name at once instead of in a notice from the host.
function checkChannel(channel, fromPage) {
  if (typeof channel !== "string" || channel.length === 0) {
    const shown = typeof channel === "string" ? stringify(channel) : String(channel); // "" shows as ""
    throw new errors.ChannelError(`a channel is a non-empty string, not ${shown.slice(0, 80)}`);
  }
  if (channel.length > MAX_CHANNEL && [...channel].length > MAX_CHANNEL) {
    throw new errors.ChannelError(`channel name longer than ${MAX_CHANNEL} characters`);
  }
  if (UNPRINTABLE.test(channel)) {
    throw new errors.ChannelError(`channel ${stringify(channel).slice(0, 80)} has control characters`);
  }
  if (fromPage && (SYSTEM_CHANNELS.has(channel) || RESERVED_PREFIXES.some((prefix) => channel.startsWith(prefix)))) {
    throw new errors.ChannelError(`channel "${channel}" is reserved for the runtime`);
  }
}

// JSON.stringify would quietly turn NaN into null, drop functions, and
// make {"0": ..} of a Uint8Array. Payloads are JSON values: say so instead.
// What the host would refuse (nesting past maxDepth, "__proto__" keys) is
// refused here, before it could cost its batch neighbours anything.
let depths = new WeakMap();
let sawPart = false; // a binary value or a long string: the frame takes the bulk lane
function strict(key, value) {
  if (key === "__proto__") throw new errors.PayloadError("'__proto__' is not allowed as a key");
  if (value !== null && typeof value === "object") {
    const depth = (depths.get(this) || 0) + 1;
    // A frame is one level; its payload may nest maxDepth more.
    if (depth > config.maxDepth + 1) {
      throw new errors.PayloadError(`payload nests deeper than ${config.maxDepth}`);
    }
    depths.set(value, depth);
  }
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) throw new errors.PayloadError(`${value} is not a JSON value`);
      return value;
    case "string":
      if (bulkBase !== null && isLongText(value)) {
        sawPart = true; // sent as UTF-8 on the bulk lane; a null in the JSON
        return null;
      }
      return value;
    case "function":
    case "symbol":
      throw new errors.PayloadError(`a ${typeof value} is not a JSON value`);
    case "object":
      if (value instanceof ArrayBuffer || isView(value)) {
        sawPart = true; // sent as bytes on the bulk lane; a null in the JSON
        return null;
      }
      if (value instanceof Map || value instanceof Set) {
        throw new errors.PayloadError(`a ${value.constructor.name} is not a JSON value; convert it first`);
      }
      return value;
    default:
      return value;
  }
}

// A frame's JSON text, or for the bulk lane (bulk.js) { text, parts:
// [[path, part]] } (a part is a binary value or a long string).
function encode(frame) {
  let text;
  depths = new WeakMap();
  sawPart = false;
  try {
    text = stringify(frame, strict);
  } catch (err) {
    if (err instanceof WeftError) throw err;
    throw new errors.PayloadError(`payload is not a JSON value: ${err.message}`);
  }
  if (sawPart || (bulkBase !== null && text.length > config.bulkThreshold)) {
    if (bulkBase === null) {
      throw new errors.PayloadError("binary payloads need a page served by weft (app:// or plugin://)");
    }
    const parts = [];
    findParts(frame, [], parts);
    return { text, parts };
  }
  if (text.length + 2 > config.maxMessageChars) {
    throw new errors.PayloadError(
      `message of ${text.length} characters is over the limit of ${config.maxMessageChars}`);
  }
  return text;
}

// A long string goes as a UTF-8 part, unless it holds a lone surrogate,
// which UTF-8 cannot carry: that one stays in the JSON, escaped.
function isLongText(value) {
  return value.length >= LONG_TEXT && wellFormed(value);
}

function findParts(value, path, out) {
  if (value instanceof ArrayBuffer || isView(value) || (typeof value === "string" && isLongText(value))) {
    out.push([path, value]);
  } else if (isArray(value)) {
    value.forEach((item, index) => findParts(item, [...path, index], out));
  } else if (value !== null && typeof value === "object") {
    for (const key of keys(value)) findParts(value[key], [...path, key], out);
  }
}
