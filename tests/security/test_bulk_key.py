"""The bulk key stays the runtime's: page script that has replaced every
global and prototype it can reach, before the runtime uploads anything,
never sees the key (renderer_assets/runtime/bulk.js storeBody, and
runtime/socket.js, which gives it down the page's WebSocket).

The page's traps record every string of the key's shape (32 hex digits)
that they are shown: through ``this`` or the arguments of a wrapped method,
or the receiver of a getter. A control request with a made-up key, built
the ordinary way, shows the traps would catch a key that took the path the
runtime used to take.
"""

from __future__ import annotations

import json
import re
from typing import Any

import weft
from tests.conftest import in_page, next_event, open_page, until

# fetch() converts its init as a RequestInit dictionary: every member is read
# with an ordinary [[Get]], so a member the init lacks is looked up on its
# prototype chain. Chromium's members beyond the standard's are here too.
REQUEST_INIT_MEMBERS = [
    "adAuctionHeaders", "attributionReporting", "body", "browsingTopics", "cache", "credentials", "duplex",
    "headers", "integrity", "keepalive", "method", "mode", "priority", "privateToken", "redirect", "referrer",
    "referrerPolicy", "sharedStorageWritable", "signal", "targetAddressSpace", "trustToken", "window",
]
# Other names a lookup on an object holding the key could ask for.
OTHER_MEMBERS = ["x-weft-bulk", "X-Weft-Bulk", "bulkKey", "key", "then", "toJSON"]

TRAPS = r"""
(() => {
  "use strict";
  // The traps' own tools, taken before anything is replaced.
  const apply = Reflect.apply, construct = Reflect.construct, ownKeys = Reflect.ownKeys;
  const describe = Reflect.getOwnPropertyDescriptor, define = Reflect.defineProperty;
  const protoOf = Reflect.getPrototypeOf, setProto = Reflect.setPrototypeOf;
  const hasOwn = Object.prototype.hasOwnProperty;
  const exec = RegExp.prototype.exec;
  const isView = ArrayBuffer.isView;
  const bufferLength = describe(ArrayBuffer.prototype, "byteLength").get;
  const headersEntries = Headers.prototype.entries;
  const headersNext = protoOf(apply(headersEntries, new Headers(), [])).next;
  const requestHeaders = describe(Request.prototype, "headers").get;
  const weakHas = WeakSet.prototype.has, weakAdd = WeakSet.prototype.add;
  const WeakSetClass = WeakSet, RequestClass = Request, BytesClass = Uint8Array;
  const stringify = JSON.stringify;
  const ObjectProto = Object.prototype;
  const global = window, doc = document;
  const SHAPE = /[0-9a-f]{32}/g;
  const MEMBERS = %(members)s;

  const records = [];  // { trap, seen }: a string of the key's shape, and the trap shown it
  const recorded = { __proto__: null };  // each (trap, seen) once
  let overflow = false;
  let fired = { __proto__: null };  // trap -> calls
  let wrapped = 0;
  let busy = false;
  let visited = null;

  function scan(trap, text) {
    SHAPE.lastIndex = 0;
    let match;
    while ((match = apply(exec, SHAPE, [text])) !== null) {
      const id = trap + " " + match[0];
      if (recorded[id]) continue;
      recorded[id] = true;
      if (records.length < 20000) records[records.length] = { __proto__: null, trap, seen: match[0] };
      else overflow = true;
    }
  }

  function isBuffer(value) {
    try { apply(bufferLength, value, []); return true; } catch { return false; }
  }

  // Everything reachable from `value` by own data properties (getters are
  // not run), Headers entries and a Request's headers.
  function look(trap, value, depth) {
    if (typeof value === "string") { scan(trap, value); return; }
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return;
    if (depth > 5 || value === global || value === doc || apply(weakHas, visited, [value])) return;
    apply(weakAdd, visited, [value]);
    if (isView(value) || isBuffer(value)) return;
    try {
      const entries = apply(headersEntries, value, []);
      for (let step = apply(headersNext, entries, []); !step.done; step = apply(headersNext, entries, [])) {
        look(trap, step.value, depth + 1);
      }
    } catch {}
    try { look(trap, apply(requestHeaders, value, []), depth + 1); } catch {}
    let names;
    try { names = ownKeys(value); } catch { return; }
    for (let i = 0; i < names.length && i < 300; i++) {
      const name = names[i];
      if (typeof name === "string") scan(trap, name);
      let property;
      try { property = describe(value, name); } catch { continue; }
      if (property !== undefined && apply(hasOwn, property, ["value"])) {
        look(trap, property.value, depth + 1);
      }
    }
  }

  function see(trap, receiver, args) {
    if (busy) return;
    busy = true;
    try {
      fired[trap] = (fired[trap] || 0) + 1;
      visited = new WeakSetClass();
      look(trap, receiver, 0);
      if (args) for (let i = 0; i < args.length; i++) look(trap, args[i], 0);
    } catch {} finally {
      busy = false;
    }
  }

  function wrapMethod(owner, name, label) {
    const property = describe(owner, name);
    if (property === undefined || typeof property.value !== "function" || name === "constructor") return;
    const original = property.value;
    // Sees the receiver and arguments, then what the original returns.
    const wrapper = function (...args) {
      see(label, this, args);
      const result = new.target ? construct(original, args, new.target) : apply(original, this, args);
      see(`${label} result`, result, null);
      return result;
    };
    setProto(wrapper, original);  // a wrapped constructor keeps its statics (Promise.resolve, ...)
    if (apply(hasOwn, original, ["prototype"])) define(wrapper, "prototype", { __proto__: null, value: original.prototype });
    if (define(owner, name, { __proto__: null, value: wrapper, writable: property.writable,
                              enumerable: property.enumerable, configurable: property.configurable })) wrapped++;
  }

  function wrapAll(owner, label) {
    if (!owner) return;
    const names = ownKeys(owner);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const property = describe(owner, name);
      const text = typeof name === "symbol" ? `[${name.description}]` : `.${name}`;
      if (property !== undefined && apply(hasOwn, property, ["value"])) {
        wrapMethod(owner, name, label + text);
      } else if (property !== undefined && property.configurable) {
        const get = property.get, set = property.set;
        if (define(owner, name, { __proto__: null, configurable: true, enumerable: property.enumerable,
            get: get && function () { see(`${label}${text} getter`, this, null); return apply(get, this, []); },
            set: set && function (value) { see(`${label}${text} setter`, this, [value]); return apply(set, this, [value]); },
        })) wrapped++;
      }
    }
  }

  // Globals the upload path could consult, whole.
  const TypedArray = protoOf(Uint8Array);
  const ArrayIterator = protoOf([][Symbol.iterator]());
  const owners = [
    [Function.prototype, "Function.prototype"], [Promise.prototype, "Promise.prototype"], [Promise, "Promise"],
    [JSON, "JSON"], [Object, "Object"], [Reflect, "Reflect"], [Array.prototype, "Array.prototype"],
    [Array, "Array"], [ArrayIterator, "ArrayIterator"], [String.prototype, "String.prototype"], [String, "String"],
    [TypedArray.prototype, "TypedArray.prototype"], [TypedArray, "TypedArray"], [Uint8Array, "Uint8Array"],
    [ArrayBuffer.prototype, "ArrayBuffer.prototype"], [Number.prototype, "Number.prototype"],
    [Map.prototype, "Map.prototype"], [Set.prototype, "Set.prototype"], [WeakMap.prototype, "WeakMap.prototype"],
    [WeakSet.prototype, "WeakSet.prototype"], [RegExp.prototype, "RegExp.prototype"],
    [Headers.prototype, "Headers.prototype"], [Request.prototype, "Request.prototype"],
    [Response.prototype, "Response.prototype"], [TextEncoder.prototype, "TextEncoder.prototype"],
    [TextDecoder.prototype, "TextDecoder.prototype"], [EventTarget.prototype, "EventTarget.prototype"],
    [XMLHttpRequest.prototype, "XMLHttpRequest.prototype"], [Navigator.prototype, "Navigator.prototype"],
    [Crypto.prototype, "Crypto.prototype"], [URL.prototype, "URL.prototype"],
    [WebSocket.prototype, "WebSocket.prototype"], [WebSocket, "WebSocket"],
    [MessageEvent.prototype, "MessageEvent.prototype"], [Event.prototype, "Event.prototype"],
    [ObjectProto, "Object.prototype"],
  ];
  for (let i = 0; i < owners.length; i++) wrapAll(owners[i][0], owners[i][1]);
  const globals = ["fetch", "Request", "Headers", "Response", "URL", "URLSearchParams", "Blob", "FormData",
                   "CustomEvent", "Event", "TextEncoder", "TextDecoder", "queueMicrotask", "setTimeout",
                   "structuredClone", "Promise", "Uint8Array", "ArrayBuffer", "WeakMap", "Map", "Set", "Proxy"];
  for (let i = 0; i < globals.length; i++) wrapMethod(window, globals[i], globals[i]);

  // Last: getters on Object.prototype for names an object holding the key
  // could be asked for, and for the symbols WebIDL and the language look up.
  function trapMember(name, label) {
    if (describe(ObjectProto, name) !== undefined) return;
    if (define(ObjectProto, name, { __proto__: null, configurable: true, enumerable: false,
      get() { see(label, this, null); return undefined; },
      set(value) {  // assignment still makes an own property
        try { define(this, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true }); } catch {}
      },
    })) wrapped++;
  }
  for (let i = 0; i < MEMBERS.length; i++) trapMember(MEMBERS[i], `Object.prototype.${MEMBERS[i]} getter`);
  const symbols = [[Symbol.iterator, "iterator"], [Symbol.asyncIterator, "asyncIterator"],
                   [Symbol.toPrimitive, "toPrimitive"], [Symbol.toStringTag, "toStringTag"],
                   [Symbol.isConcatSpreadable, "isConcatSpreadable"]];
  for (let i = 0; i < symbols.length; i++) {
    trapMember(symbols[i][0], `Object.prototype[Symbol.${symbols[i][1]}] getter`);
  }

  define(window, "bulkKeyTraps", { __proto__: null, value: {
    __proto__: null,
    report() {
      busy = true;
      try { return stringify({ __proto__: null, records, overflow, fired, wrapped }); } finally { busy = false; }
    },
    reset() { fired = { __proto__: null }; },
    fired() { busy = true; try { return stringify(fired); } finally { busy = false; } },
    // A request made the ordinary way, with plain objects, as the runtime
    // used to: the traps must see its made-up key.
    control(key) {
      new RequestClass(location.href, { method: "POST", body: new BytesClass(1), headers: { "x-weft-bulk": key } });
    },
  } });
})();
""" % {"members": json.dumps(REQUEST_INIT_MEMBERS + OTHER_MEMBERS)}

PAGE = f"<!doctype html><script>{TRAPS}</script><p>traps</p>"
CONTROL_KEY = "c0ffee00" * 4
ITERATOR_TRAP = "Object.prototype[Symbol.iterator] getter"


def page_bulk_key(win: weft.Window) -> str:
    """The key the page's runtime was given: from the config appended to
    runtime.js in the script Qt injects into the page."""
    (script,) = win._view.page().scripts().find("weft-runtime")
    source = script.sourceCode()
    call = re.search(r"[(,]\s*(\{[^{}]*\})\);\s*$", source)
    assert call is not None, "runtime.js is no longer called with its config last"
    return json.loads(call.group(1))["bulkKey"]


def test_page_traps_never_see_the_bulk_key(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        runtime.handle("echo", lambda payload, _w: {"back": payload["data"][::-1], "sum": sum(payload["data"])})
        uploads = runtime.channel_events("up")
        win = await open_page(runtime, PAGE)
        key = page_bulk_key(win)
        assert re.fullmatch(r"[0-9a-f]{32}", key), key
        assert await win.evaluate("typeof window.bulkKeyTraps.report") == "function", "the traps did not install"

        outcome = await in_page(runtime, win, f"""
            bulkKeyTraps.control("{CONTROL_KEY}");
            bulkKeyTraps.reset();
            runtime.send("up", new Uint8Array([1, 2, 3, 250]));
            const during = JSON.parse(bulkKeyTraps.fired());
            runtime.send("up", {{name: "nested", data: new Uint8Array([9, 8, 7]).buffer, list: [new Uint16Array([1])]}});
            const answer = await runtime.invoke("echo", {{data: new Uint8Array([5, 6, 7])}});
            return {{during, back: Array.from(answer.back), sum: answer.sum, binary: answer.back instanceof Uint8Array}};
        """, timeout=20)
        assert outcome["ok"], outcome
        # The uploads worked, and a download too (the answer's bytes).
        assert (await next_event(uploads)).payload == bytes([1, 2, 3, 250])
        assert (await next_event(uploads)).payload == {"name": "nested", "data": bytes([9, 8, 7]),
                                                       "list": [bytes([1, 0])]}
        assert outcome["value"]["back"] == [7, 6, 5] and outcome["value"]["binary"]
        assert outcome["value"]["sum"] == 18

        # The socket lane opened under the traps too (the runtime gave its
        # key down a WebSocket); bodies then move over it both ways.
        store = runtime.router._peers[win.id].lane._store
        await until(lambda: store.connection_for(key) is not None)
        pushes = []
        connection = store.connection_for(key)
        push = connection.push
        connection.push = lambda token, chunks: (pushes.append(token), push(token, chunks))[1]
        later = await in_page(runtime, win, """
            runtime.send("up", new Uint8Array([4, 3]));
            const answer = await runtime.invoke("echo", {data: new Uint8Array([1, 2])});
            return Array.from(answer.back);
        """, timeout=20)
        assert later["value"] == [2, 1] and len(pushes) == 1, (later, pushes)
        assert (await next_event(uploads)).payload == bytes([4, 3])

        text = await win.evaluate("bulkKeyTraps.report()")
        report = json.loads(text)
        assert report["wrapped"] > 300 and not report["overflow"], (report["wrapped"], report["overflow"])
        # The traps were live on the runtime's own upload (it assembles the
        # body with Array and TypedArray methods, and waits on a promise)...
        during = outcome["value"]["during"]
        assert during.get("Array.prototype.map", 0) > 0, during
        assert during.get("TypedArray.prototype.set", 0) > 0, during
        assert during.get("Promise.prototype.then", 0) > 0, during
        # ...and would catch a key sent with plain objects, through the
        # RequestInit getters (this = the init) and @@iterator (this = the headers)...
        caught = {record["trap"] for record in report["records"] if record["seen"] == CONTROL_KEY}
        assert ITERATOR_TRAP in caught, caught
        assert {f"Object.prototype.{name} getter" for name in ("cache", "mode", "signal")} <= caught, caught
        # ...yet no trap was ever shown the runtime's key.
        leaks = sorted({record["trap"] for record in report["records"] if key in record["seen"]})
        assert leaks == [], f"traps saw the bulk key: {leaks}"
        assert key not in text

    arun(main(), timeout=60)
