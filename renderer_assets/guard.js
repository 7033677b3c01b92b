// guardReceiver: what a plugin may render into a host page through
// @omnicajs/vue-remote, checked before the host's receiver sees it.
//
// vue-remote's HostedTree renders any HTML, SVG or MathML tag a remote tree
// names, passes every property through (only `javascript:` strings are
// rewritten), and lets the remote side call any method of the elements it
// rendered. In a weft host that trusts its plugin less than itself, that is
// script in the host's origin: `onerror` strings, `innerHTML`,
// `insertAdjacentHTML`, images from anywhere, ids that clobber the host's
// globals. The guard wraps the receiver's channel: every mount, insertion,
// property update and invoke is checked against an allowlist first, and a
// message that breaks it is refused whole (the plugin's call rejects with
// the reason, and `onRefused` hears it), so the host's tree never holds it.

const SLOT = "RemoteSlot"; // vue-remote's named-slot node

/** Native elements a plugin may render unless the host says otherwise:
 * text, layout, lists, tables and form controls. Nothing here loads a URL,
 * runs script, navigates or submits on its own. */
export const SAFE_ELEMENTS = Object.freeze([
  "div", "span", "p", "br", "hr", "wbr", "h1", "h2", "h3", "h4", "h5", "h6",
  "strong", "em", "b", "i", "u", "s", "small", "mark", "code", "kbd", "samp", "var", "pre",
  "blockquote", "q", "abbr", "cite", "dfn", "time", "sub", "sup",
  "ul", "ol", "li", "dl", "dt", "dd",
  "section", "article", "header", "footer", "nav", "aside", "main", "figure", "figcaption",
  "details", "summary", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
  "colgroup", "col", "label", "button", "input", "textarea", "select", "option", "optgroup",
  "fieldset", "legend", "progress", "meter",
]);

/** Elements a host may add to `elements` besides SAFE_ELEMENTS: an `<img>`'s
 * `src` must then be on the host's own origin or a `data:image/...` URL. */
export const OPTIONAL_ELEMENTS = Object.freeze(["img"]);

/** Element methods a plugin may invoke unless the host says otherwise. */
export const SAFE_METHODS = Object.freeze(["focus", "blur", "select", "scrollIntoView", "setSelectionRange"]);

// Attributes of native elements (compared in lower case; data-* and aria-*
// too). Missing on purpose: id and name (they clobber the host's globals and
// getElementById), for/form/popovertarget/commandfor (they reach the host's
// own elements by id), every URL but img's src, style's url().
const ATTRIBUTES = new Set([
  "class", "title", "lang", "dir", "hidden", "tabindex", "role", "translate", "spellcheck",
  "type", "value", "checked", "selected", "disabled", "readonly", "required", "placeholder",
  "min", "max", "step", "minlength", "maxlength", "size", "multiple", "rows", "cols", "wrap",
  "pattern", "label", "open", "colspan", "rowspan", "scope", "span", "start", "reversed",
  "datetime", "low", "high", "optimum", "width", "height", "alt", "inputmode", "enterkeyhint",
  "autocomplete", "style",
]);

// Properties refused on host components too: a component that spreads its
// attrs onto an element would hand them to the host's DOM.
const REFUSED = new Set([
  "innerhtml", "outerhtml", "srcdoc", "is", "id", "name", "form", "for", "htmlfor",
  "popovertarget", "commandfor", "anchor", "formaction", "action", "srcset", "imagesrcset", "ping",
]);
const URLS = new Set([
  "src", "href", "xlink:href", "poster", "data", "background", "cite", "codebase", "longdesc",
  "manifest", "usemap", "lowsrc", "dynsrc",
]);
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp|avif|bmp);/i;
// What in a style could load a URL, escape the checks (CSS escapes,
// comments) or leave the plugin's own box (fixed positioning).
const STYLE_REFUSED = /\\|\/\*|@|url\s*\(|image(-set)?\s*\(|cross-fade\s*\(|element\s*\(|src\s*\(|expression\s*\(|fixed/i;
// Methods no `methods` option can allow: they write markup or attributes,
// or reach beyond the element (closest() answers questions about the host).
const NEVER_METHODS = /html|attribute|shadow|insert|append|prepend|replace|before|after|closest|query|getroot|animate/i;

/** Raised for a message the guard refuses; `message` says why. */
export class RemoteRefusal extends Error {
  constructor(message) {
    super(message);
    this.name = "RemoteRefusal";
  }
}

function checkedList(value, name, allowed) {
  const list = [...(value ?? [])];
  for (const item of list) {
    if (typeof item !== "string") throw new TypeError(`guardReceiver: ${name} holds ${typeof item}, not a name`);
    if (!allowed(item)) {
      throw new TypeError(`guardReceiver: ${JSON.stringify(item)} cannot be allowed in ${name}`);
    }
  }
  return new Set(list);
}

function isHandler(value) {
  if (value === null || value === undefined || typeof value === "function") return true;
  // vue-remote's handler with modifiers: [marker, function, steps]
  if (Array.isArray(value) && value.length === 3 && typeof value[0] === "string") {
    return typeof value[1] === "function" && Array.isArray(value[2]);
  }
  return Array.isArray(value) && value.every(isHandler);
}

function sameOrigin(value, base) {
  let url;
  try {
    url = new URL(value, base);
  } catch {
    return false;
  }
  const home = new URL(base);
  return url.protocol === home.protocol && url.host === home.host;
}

function strings(value, out = []) {
  if (typeof value === "string") out.push(value);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      strings(item, out);
    }
  }
  return out;
}

/**
 * The channel to hand a plugin instead of `receiver.receive`:
 *
 *   endpoint.call.run(guardReceiver(receiver, { components: ["VButton"] }), api)
 *
 * Options: `components`, the names of the provider's components the plugin
 * may render (PascalCase; none by default); `elements`, the native tags it
 * may render (default SAFE_ELEMENTS; OPTIONAL_ELEMENTS may be added);
 * `methods`, the element or component methods it may invoke (default
 * SAFE_METHODS); `onRefused(message)`, told of each refusal (default
 * `console.warn`, which weft logs under the window's name); `base`, the URL
 * relative URLs resolve against (default the page's).
 */
export function guardReceiver(receiver, options = {}) {
  const components = checkedList(options.components, "components", (name) => /^[A-Z]/.test(name));
  const elements = checkedList(options.elements ?? SAFE_ELEMENTS, "elements",
    (name) => SAFE_ELEMENTS.includes(name) || OPTIONAL_ELEMENTS.includes(name));
  const methods = checkedList(options.methods ?? SAFE_METHODS, "methods", (name) => !NEVER_METHODS.test(name));
  const onRefused = options.onRefused ?? ((message) => console.warn(`weft-runtime: ${message}`));
  const base = options.base ?? globalThis.document?.baseURI ?? "app://localhost/";

  function refuse(message) {
    onRefused(message);
    throw new RemoteRefusal(`the host refused what the plugin rendered: ${message}`);
  }

  function checkProperty(type, native, key, value) {
    const lower = key.toLowerCase();
    const where = `${JSON.stringify(key)} of <${type}>`;
    if (lower.startsWith("on")) {
      // Vue listens for onX; any other spelling becomes an attribute, which
      // the document lower-cases into an inline handler.
      if (!/^on[A-Z]/.test(key) || !isHandler(value)) refuse(`${where}: event handlers must be functions named onX`);
      return;
    }
    if (lower.startsWith("__vmodel:")) {
      if (!isHandler(value)) refuse(`${where}: v-model handlers must be functions`);
      return;
    }
    if (lower.startsWith("__dnd:") || lower.startsWith("data-") || lower.startsWith("aria-")) return;
    if (key.startsWith(".") || key.startsWith("^") || REFUSED.has(lower)) refuse(`${where} is not accepted from a plugin`);
    if (native && !ATTRIBUTES.has(lower) && !(type === "img" && lower === "src")) {
      refuse(`${where} is not an attribute the host accepts from a plugin`);
    }
    if (URLS.has(lower) && typeof value === "string") {
      const ok = sameOrigin(value, base) || (lower === "src" && DATA_IMAGE.test(value));
      if (!ok) refuse(`${where}: only the host's own origin${lower === "src" ? " or a data:image URL" : ""}`);
    }
    if (lower === "style" && strings(value).some((text) => STYLE_REFUSED.test(text))) {
      refuse(`${where}: no url(), image(), escapes, comments, @-rules or fixed positions in a plugin's style`);
    }
  }

  function checkProperties(type, properties) {
    if (properties === undefined || properties === null) return;
    if (typeof properties !== "object" || Array.isArray(properties)) refuse(`the properties of <${type}> are not an object`);
    if (type === SLOT) {
      for (const [key, value] of Object.entries(properties)) {
        if (key !== "name" || typeof value !== "string") refuse(`a slot takes only its name`);
      }
      return;
    }
    const native = elements.has(type);
    for (const [key, value] of Object.entries(properties)) checkProperty(type, native, key, value);
  }

  function checkType(type) {
    if (type === SLOT || components.has(type) || elements.has(type)) return;
    refuse(`<${String(type)}> is not an element or component this host accepts from a plugin`);
  }

  // Iterative, so a deep tree cannot exhaust the stack here.
  function checkTree(children) {
    const pending = [children];
    while (pending.length > 0) {
      const list = pending.pop();
      if (!Array.isArray(list)) refuse("a node's children are not a list");
      for (const child of list) {
        if (child === null || typeof child !== "object") refuse("a node is not an object");
        if (child.kind !== "component") continue; // text and comments render as text
        checkType(child.type);
        checkProperties(child.type, child.properties);
        pending.push(child.children ?? []);
      }
    }
  }

  function typeOf(id) {
    const node = receiver.tree.get({ id });
    return node !== null && "type" in node ? node.type : null;
  }

  return function receive(action, ...payload) {
    switch (action) {
      case "mount":
        checkTree(payload[0]);
        break;
      case "insert-child":
        checkTree([payload[2]]); // (parentId, after, child, oldParentId)
        break;
      case "update-properties": {
        const type = typeOf(payload[0]);
        if (type !== null) checkProperties(type, payload[1]);
        break;
      }
      case "invoke": {
        const [id, method, , , reject] = payload;
        if (typeof method !== "string" || !methods.has(method)) {
          const message = `invoking ${JSON.stringify(method)} on <${typeOf(id)}> is not allowed`;
          onRefused(message);
          // A string, as vue-remote's own receiver rejects (an Error's
          // message would not survive rpc's encoding).
          if (typeof reject === "function") reject(`the host refused: ${message}`);
          return undefined;
        }
        break;
      }
      case "remove-child":
      case "update-text":
      case "system-call":
        break;
      default:
        refuse(`unknown action ${JSON.stringify(action)}`);
    }
    return receiver.receive(action, ...payload);
  };
}
