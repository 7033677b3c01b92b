// The pywebview benchmark page: window.pywebview.api is pywebview's bridge.
"use strict";
// Python -> renderer -> Python: pywebview's evaluate_js calls this.
window.benchEcho = (payload) => payload;
window.addEventListener("pywebviewready", async () => {
  const settings = await pywebview.api.settings();
  const report = await reportOf(timeRoundTrips((payload) => pywebview.api.echo(payload), settings));
  await pywebview.api.report(report);
});
