// A weft broadcast target: acknowledges each "bench:ping" as it arrives.
"use strict";
runtime.on("bench:ping", (n) => runtime.send("bench:ack", n));
