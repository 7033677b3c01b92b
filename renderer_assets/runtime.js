// weft runtime: defines `window.runtime` in the page's own script world, at
// document creation, before any page script runs. The host appends the call
// `(protocol, config)` with two JSON objects: protocol.json (frame kinds,
// channel rules, error names, limits: the constants Python uses too) and
// this page's { windowId, maxMessageChars, maxDepth, bulkThreshold,
// maxBulkBytes, bulkKey }.
//
// Frames are batched per microtask into one JSON array string and relayed to
// the isolated world (transport.js) through the runtime's private port (two
// text nodes, see relay.js); the wire format is
// described in host/weft/ipc/codec.py. Calls made before the relay is up are
// queued, never lost. Frames with binary values, or longer than
// bulkThreshold characters, take the bulk lane (host/weft/ipc/bulk.py): their
// body goes by fetch() on this page's own origin, and a small "bulk" frame
// holds their place in the order.
//
// The function's body is the parts in runtime/, which
// host/weft/webengine/scripts.py puts in place of the comment below, in this
// order. So they share one closure (nothing reaches the page's globals), and
// all of them run, captures first, before any page script:
//   captures.js  globals taken before page script can replace them
//   errors.js    the error classes; errors to and from the wire
//   codec.js     channel checks; frames encoded as strict JSON
//   bulk.js      the bulk lane: binary values and long strings, by fetch()
//   relay.js     frames to the host: batched per microtask, held until the relay is up
//   inbound.js   frames from the host: listeners, handlers, answers to calls
//   api.js       window.runtime itself
(function weftRuntime(protocol, config) {
  "use strict";
  /* runtime/*.js */
})
