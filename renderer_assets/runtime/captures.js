// Captured now, so page scripts that replace globals later cannot
// interfere with the runtime.
const doc = document;
const dispatch = EventTarget.prototype.dispatchEvent;
const listen = EventTarget.prototype.addEventListener;
const Event = CustomEvent;
const PortEvent = MouseEvent; // its relatedTarget carries a node between the worlds
const textData = Object.getOwnPropertyDescriptor(CharacterData.prototype, "data");
const readText = textData.get;
const writeText = textData.set;
const stringify = JSON.stringify;
const parse = JSON.parse;
const isView = ArrayBuffer.isView;
const wellFormed = Function.prototype.call.bind(String.prototype.isWellFormed);
const defer = queueMicrotask;
const report = typeof reportError === "function" ? reportError : (e) => console.error(e);
const { freeze, defineProperty, keys } = Object;
const isArray = Array.isArray;
const Bytes = Uint8Array;
