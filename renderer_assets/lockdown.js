// weft plugin lockdown: injected into every frame of a plugin page, in the
// page's own world, at document creation, before any page script runs.
//
// Some roads out of a page carry no request that the host's request lock or
// the plugin's Content-Security-Policy could see:
// - WebRTC sends STUN, TURN and ICE packets to any address it is given, and
//   WebTransport speaks QUIC: their constructors are removed.
// - <link rel=preconnect> (and dns-prefetch) open connections from the
//   browser process with no request at all: no such link may enter a
//   document. (The host refuses to serve a plugin a document with one.)
// - A frame (iframe, frame, object, embed) makes a nested document, and Qt
//   injects this script into none that is about:blank or made by a
//   javascript: URL; the new realm would keep every constructor. So no
//   frame element may enter a plugin's document (nor its served HTML, nor
//   its Content-Security-Policy's frame-src), and that policy runs no
//   javascript: URL. What is left of the frame locking below is a second
//   line behind those.
// Workers have no WebRTC, and the plugin's Content-Security-Policy refuses
// their WebTransport. document.write is gone: what it writes is parsed (and
// preconnected) before anything could look at it.
//
// Page script controls every prototype after this runs, so everything the
// checks use is captured now and called through Reflect.apply.
(function weftLockdown() {
  "use strict";
  const apply = Reflect.apply;
  const { defineProperty, getOwnPropertyDescriptor, getOwnPropertyNames, freeze } = Object;
  const toStr = String;
  const getter = (proto, name) => getOwnPropertyDescriptor(proto, name).get;
  const lowerCase = String.prototype.toLowerCase;
  const weakHas = WeakSet.prototype.has;
  const weakAdd = WeakSet.prototype.add;
  const getAttribute = Element.prototype.getAttribute;
  const hasAttribute = Element.prototype.hasAttribute;
  const localNameOf = getter(Element.prototype, "localName");
  const nodeTypeOf = getter(Node.prototype, "nodeType");
  const attrNameOf = getter(Attr.prototype, "name");
  const attrValueOf = getter(Attr.prototype, "value");
  const templateContent = getter(HTMLTemplateElement.prototype, "content");
  const defaultViewOf = getter(Document.prototype, "defaultView");
  const setInnerHTML = getOwnPropertyDescriptor(Element.prototype, "innerHTML").set;
  const createElement = Document.prototype.createElement;
  const windowLength = getter(window, "length");
  const selectAll = {
    1: Element.prototype.querySelectorAll,
    9: Document.prototype.querySelectorAll,
    11: DocumentFragment.prototype.querySelectorAll,
  };
  const listLength = getter(NodeList.prototype, "length");
  const REMOVED = freeze(getOwnPropertyNames(window).filter((name) => /^(webkit)?RTC|^WebTransport$/.test(name)));
  const HINTS = freeze(["preconnect", "dns-prefetch"]);
  const FRAMES = freeze(["iframe", "frame", "frameset", "object", "embed", "fencedframe", "portal"]);
  const FRAME_SELECTOR = FRAMES.join(", ");
  const locked = new WeakSet();

  // -- checks (no page-controlled lookups from here on) ---------------------

  function refuse() {
    throw new TypeError("weft: plugins may not use resource hints (preconnect, dns-prefetch)");
  }

  // Whether a rel value (ASCII whitespace-separated tokens) names a hint.
  function hinted(value) {
    const text = apply(lowerCase, value, []);
    let token = "";
    for (let i = 0; i <= text.length; i++) {
      const c = i < text.length ? text[i] : " ";
      if (c === " " || c === "\t" || c === "\n" || c === "\f" || c === "\r") {
        if (token === HINTS[0] || token === HINTS[1]) return true;
        token = "";
      } else {
        token += c;
      }
    }
    return false;
  }

  function checkValue(value) {
    if (hinted(value)) refuse();
  }

  function refuseFrame(name) {
    throw new TypeError(`weft: plugins may not use frames (<${name}>)`);
  }

  function checkElement(element) {
    const name = apply(localNameOf, element, []);
    for (let i = 0; i < FRAMES.length; i++) if (name === FRAMES[i]) refuseFrame(name);
    if (name === "link" && apply(hasAttribute, element, ["rel"])) checkValue(apply(getAttribute, element, ["rel"]));
    if (name === "template") checkTree(apply(templateContent, element, []));
  }

  // A node on its way into a document, and everything inside it.
  function checkTree(node) {
    if (node === null || (typeof node !== "object" && typeof node !== "function")) return;
    let type;
    try {
      type = apply(nodeTypeOf, node, []);
    } catch (e) {
      return; // not a node: the original call will say so
    }
    if (type === 1) checkElement(node);
    const select = selectAll[type];
    if (select === undefined) return;
    const found = apply(select, node, ["link, template, " + FRAME_SELECTOR]);
    const count = apply(listLength, found, []);
    for (let i = 0; i < count; i++) checkElement(found[i]);
  }

  // Markup is parsed once, inert (a document with no frame loads nothing),
  // and refused if it holds a hint; then the original call parses it.
  const inert = document.implementation.createHTMLDocument("");

  function checkMarkup(markup) {
    const template = apply(createElement, inert, ["template"]);
    apply(setInnerHTML, template, [markup]);
    checkTree(apply(templateContent, template, []));
  }

  // -- one realm (this window, and each same-origin frame) ------------------

  function lock(win) {
    try {
      if (apply(weakHas, locked, [win])) return;
      void win.document; // throws for a cross-origin frame: nothing to lock there
    } catch (e) {
      return;
    }
    apply(weakAdd, locked, [win]);
    for (let i = 0; i < REMOVED.length; i++) delete win[REMOVED[i]];
    guardInsertion(win);
    guardMarkup(win);
    guardAttributes(win);
    guardFrames(win);
    const refuseWrite = () => { throw new TypeError("weft: document.write is not available to plugins"); };
    for (const name of ["write", "writeln"]) {
      defineProperty(win.Document.prototype, name, { value: refuseWrite, configurable: true, writable: false });
    }
    new win.MutationObserver(() => lockFrames(win)).observe(win.document, { childList: true, subtree: true });
  }

  // Every frame in a window's document tree, and theirs.
  function lockFrames(win) {
    let count;
    try {
      count = apply(windowLength, win, []);
    } catch (e) {
      return;
    }
    for (let i = 0; i < count; i++) {
      const child = win[i];
      lock(child);
      lockFrames(child);
    }
  }

  // Replace proto[name] (a method) or its setter with one that checks first
  // and locks new frames after.
  function guard(proto, name, { before, after, setter = false }) {
    const desc = proto && getOwnPropertyDescriptor(proto, name);
    if (!desc || typeof (setter ? desc.set : desc.value) !== "function") return;
    const original = setter ? desc.set : desc.value;
    const replacement = {
      [name](...args) {
        if (before) before(args, this);
        const result = apply(original, this, args);
        if (after) after(result);
        return result;
      },
    }[name];
    if (setter) desc.set = replacement;
    else desc.value = replacement;
    defineProperty(proto, name, desc);
  }

  function guardInsertion(win) {
    const before = (args) => { for (let i = 0; i < args.length; i++) checkTree(args[i]); };
    const after = () => lockFrames(win);
    const methods = [
      [win.Node.prototype, ["appendChild", "insertBefore", "replaceChild", "moveBefore"]],
      [win.Element.prototype, ["append", "prepend", "before", "after", "replaceWith", "replaceChildren", "insertAdjacentElement"]],
      [win.CharacterData.prototype, ["before", "after", "replaceWith"]],
      [win.DocumentType.prototype, ["before", "after", "replaceWith"]],
      [win.Document.prototype, ["append", "prepend", "replaceChildren"]],
      [win.DocumentFragment.prototype, ["append", "prepend", "replaceChildren"]],
      [win.Range.prototype, ["insertNode", "surroundContents"]],
    ];
    for (const [proto, names] of methods) {
      for (const name of names) guard(proto, name, { before, after });
    }
  }

  function guardMarkup(win) {
    const after = () => lockFrames(win);
    // Each checks the markup argument as a string, and passes on that string.
    const markupAt = (index) => (args) => { args[index] = toStr(args[index]); checkMarkup(args[index]); };
    for (const proto of [win.Element.prototype, win.ShadowRoot.prototype]) {
      guard(proto, "innerHTML", { before: markupAt(0), after, setter: true });
      guard(proto, "setHTMLUnsafe", { before: markupAt(0), after });
      guard(proto, "setHTML", { before: markupAt(0), after });
    }
    guard(win.Element.prototype, "outerHTML", { before: markupAt(0), after, setter: true });
    guard(win.Element.prototype, "insertAdjacentHTML", { before: markupAt(1), after });
    guard(win.Range.prototype, "createContextualFragment", { before: markupAt(0) });
    guard(win.Document.prototype, "execCommand", {
      before: (args) => {
        args[0] = toStr(args[0]);
        if (apply(lowerCase, args[0], []) === "inserthtml") markupAt(2)(args);
      },
      after,
    });
  }

  function guardAttributes(win) {
    // (A frame's srcdoc is not checked: no frame enters the document.)
    const isRel = (name) => apply(lowerCase, name, []) === "rel";
    // Attribute values are made strings once, checked, and passed on as such.
    const pair = (nameAt) => (args, element) => {
      args[nameAt] = toStr(args[nameAt]);
      args[nameAt + 1] = toStr(args[nameAt + 1]);
      if (apply(lowerCase, args[nameAt], []) === "rel") checkValue(args[nameAt + 1]);
    };
    guard(win.Element.prototype, "setAttribute", { before: pair(0) });
    guard(win.Element.prototype, "setAttributeNS", { before: pair(1) });
    const attrNode = (args) => {
      const attr = args[0];
      try {
        const name = apply(attrNameOf, attr, []);
        if (isRel(name)) pair(0)([name, apply(attrValueOf, attr, [])]);
      } catch (e) { /* not an Attr: the original call will say so */ }
    };
    for (const [proto, names] of [[win.Element.prototype, ["setAttributeNode", "setAttributeNodeNS"]],
                                  [win.NamedNodeMap.prototype, ["setNamedItem", "setNamedItemNS"]]]) {
      for (const name of names) guard(proto, name, { before: attrNode });
    }
    const attrValue = (args, attr) => {
      args[0] = toStr(args[0]);
      if (apply(nodeTypeOf, attr, []) === 2) pair(0)([apply(attrNameOf, attr, []), args[0]]);
    };
    guard(win.Attr.prototype, "value", { before: attrValue, setter: true });
    guard(win.Node.prototype, "nodeValue", { before: attrValue, setter: true });
    guard(win.Node.prototype, "textContent", { before: attrValue, setter: true });
    const each = (args) => { for (let i = 0; i < args.length; i++) { args[i] = toStr(args[i]); checkValue(args[i]); } };
    guard(win.HTMLLinkElement.prototype, "rel", { before: each, setter: true });
    // relList and classList are both DOMTokenLists: a hint word is refused in either.
    guard(win.DOMTokenList.prototype, "add", { before: each });
    guard(win.DOMTokenList.prototype, "toggle", { before: (args) => { args[0] = toStr(args[0]); checkValue(args[0]); } });
    guard(win.DOMTokenList.prototype, "replace", { before: (args) => { args[1] = toStr(args[1]); checkValue(args[1]); } });
    guard(win.DOMTokenList.prototype, "value", { before: each, setter: true });
  }

  // Every way to reach a frame's window locks it (and its frames) first.
  function guardFrames(win) {
    const lockWindow = (target) => {
      if (target) {
        lock(target);
        lockFrames(target);
      }
    };
    for (const proto of [win.HTMLIFrameElement.prototype, win.HTMLFrameElement.prototype, win.HTMLObjectElement.prototype]) {
      for (const name of ["contentWindow", "contentDocument"]) {
        const desc = getOwnPropertyDescriptor(proto, name);
        if (!desc || !desc.get) continue;
        const original = desc.get;
        desc.get = {
          [name]() {
            const value = apply(original, this, []);
            lockWindow(name === "contentWindow" ? value : value && apply(defaultViewOf, value, []));
            return value;
          },
        }[name];
        defineProperty(proto, name, desc);
      }
    }
    for (const proto of [win.HTMLIFrameElement.prototype, win.HTMLObjectElement.prototype, win.HTMLEmbedElement.prototype]) {
      guard(proto, "getSVGDocument", { after: (doc) => lockWindow(doc && apply(defaultViewOf, doc, [])) });
    }
    guard(win, "open", { after: lockWindow });
  }

  lock(window);
})();
