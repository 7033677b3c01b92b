// For plugin pages not granted "geolocation": the request is denied at once.
// Chromium holds a hidden page's geolocation request until the page shows,
// and a headless plugin never shows: its promise would never settle, though
// the permission is denied. This answers as Chromium would once it asked.
(function weftGeolocationDenied() {
  "use strict";
  if (!navigator.geolocation) return;
  const denied = Object.freeze({
    code: 1, message: "weft: this plugin was not granted geolocation",
    PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3,
  });
  const refuse = (success, failure) => {
    if (typeof failure === "function") setTimeout(() => failure(denied), 0);
  };
  Object.defineProperty(Geolocation.prototype, "getCurrentPosition", { value: refuse, configurable: true });
  Object.defineProperty(Geolocation.prototype, "watchPosition", {
    value: (success, failure) => { refuse(success, failure); return 0; }, configurable: true,
  });
})();
