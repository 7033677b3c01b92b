// The hostile plugin. Each attempt resolves to "refused: <how>" when the
// sandbox held, or "ALLOWED: <what>" when it did not. The results are shown
// on screen and sent to the host on the one channel this plugin is granted.

const list = document.getElementById("attempts");

async function fetchRefused(url) {
  try {
    const response = await fetch(url);
    if (!response.ok) return `refused: HTTP ${response.status}`;
    return `ALLOWED: read ${(await response.text()).length} bytes`;
  } catch (err) {
    return `refused: ${err.name}`;
  }
}

function onRuntimeError() {
  return new Promise((resolve) => {
    const off = runtime.on("runtime:error", (err) => { off(); resolve(err); });
  });
}

const attempts = {
  "reach the QWebChannel transport": async () =>
    typeof qt === "undefined" && typeof QWebChannel === "undefined"
      ? "refused: not in this script world" : "ALLOWED: qt is reachable",
  "fetch a remote origin": () => fetchRefused("https://example.com/"),
  "fetch the host app (app://)": () => fetchRefused("app://localhost/index.html"),
  "fetch another plugin": () => fetchRefused("plugin://notes/notes.js"),
  "fetch a local file (file://)": () => fetchRefused("file:///etc/hostname"),
  "read outside its folder (..)": () => fetchRefused("plugin://mischief/%2e%2e/notes/plugin.toml"),
  "send on a channel not granted": async () => {
    const error = onRuntimeError();
    runtime.send("notes:save", { text: "overwritten by mischief" });
    const err = await error;
    return `refused: ${err.name}`;
  },
  "invoke a channel not granted": async () => {
    try {
      await runtime.invoke("notes:save", { text: "overwritten by mischief" });
      return "ALLOWED: the host answered";
    } catch (err) {
      return `refused: ${err.name}`;
    }
  },
  "ask for notifications": async () => {
    const answer = await Notification.requestPermission();
    return answer === "granted" ? "ALLOWED: granted" : `refused: ${answer}`;
  },
  "ask for the location": () => new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      () => resolve("ALLOWED: got a position"),
      (err) => resolve(`refused: ${err.code === err.PERMISSION_DENIED ? "permission denied" : err.message}`));
  }),
  "open a new window": async () => {
    const opened = window.open("https://example.com/");
    const deadline = performance.now() + 3000;
    while (opened && !opened.closed && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return opened === null || opened.closed ? "refused: no window" : "ALLOWED: a window opened";
  },
  "start a download": async () => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob(["stolen"], { type: "text/plain" }));
    link.download = "loot.txt";
    link.click();
    return "refused: cancelled by the host (see the weft.audit log)";
  },
  "talk WebRTC (STUN, TURN)": async () => {
    const peer = new RTCPeerConnection({ iceServers: [{ urls: "stun:example.com:3478" }] });
    peer.close();
    return "ALLOWED: made an RTCPeerConnection";
  },
  "open a WebTransport (QUIC)": async () => {
    new WebTransport("https://example.com:4433/");
    return "ALLOWED: made a WebTransport";
  },
  "preconnect to a host": async () => {
    const link = document.createElement("link");
    link.rel = "preconnect";
    link.href = "https://example.com/";
    document.head.append(link);
    return "ALLOWED: added a preconnect link";
  },
  "use a new frame's window": async () => {
    const frame = document.createElement("iframe");
    document.body.append(frame);
    try {
      new frame.contentWindow.RTCPeerConnection();
      return "ALLOWED: WebRTC from a new frame";
    } finally {
      frame.remove();
    }
  },
  "frame a remote page": async () => {
    const frame = document.createElement("iframe");
    frame.src = "https://example.com/";
    frame.hidden = true;
    document.body.append(frame);
    return "ALLOWED: the frame was not refused";
  },
  "run a javascript: URL": () => new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation", () => resolve("refused: by the plugin's policy"), { once: true });
    location.href = "javascript:'<p>a new document, in a realm no lockdown reached</p>'";
    setTimeout(() => resolve("ALLOWED: the javascript: URL ran"), 3000);
  }),
  "navigate away": async () => {
    const before = location.href;
    location.href = "https://example.com/";
    await new Promise((resolve) => setTimeout(resolve, 300));
    return location.href === before ? "refused: still here" : "ALLOWED: navigated";
  },
};

async function main() {
  const results = {};
  for (const [name, attempt] of Object.entries(attempts)) {
    const item = document.createElement("li");
    item.textContent = `${name}: …`;
    item.className = "pending";
    list.append(item);
    let result;
    try {
      result = await attempt();
    } catch (err) {
      result = `refused: ${err.name}: ${err.message}`;
    }
    results[name] = result;
    item.textContent = `${name}: ${result}`;
    item.className = result.startsWith("refused") ? "refused" : "allowed";
  }
  const allowed = Object.values(results).filter((r) => !r.startsWith("refused")).length;
  document.getElementById("summary").textContent = allowed === 0
    ? `All ${Object.keys(results).length} attempts were refused.`
    : `${allowed} attempts got through!`;
  runtime.send("mischief:report", { results, windowId: "main" });
}

main();
