// Frameless windows: is the point (x, y), in CSS pixels of the top
// document, on a drag region? The host appends the call `(x, y)` with JSON
// numbers and runs this in weft's isolated world (the DOM is shared; page
// scripts cannot see or change this function).
//
// An element is a drag region when it, or its closest ancestor carrying the
// attribute, has data-weft-drag-region other than "false". Controls inside
// a region (buttons, links, fields) stay clickable: they are never one.
(function weftDragRegion(x, y) {
  "use strict";
  const CONTROLS = "a[href], button, input, select, textarea, label, summary, [contenteditable=''], " +
    "[contenteditable='true'], [role='button']";
  const hit = document.elementFromPoint(x, y);
  if (!hit || hit.closest(CONTROLS)) return false;
  const region = hit.closest("[data-weft-drag-region]");
  return region !== null && region.getAttribute("data-weft-drag-region") !== "false";
})
