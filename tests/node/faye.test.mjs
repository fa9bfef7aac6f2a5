// ucs-proxy driven by the faye client over long-polling (faye batches differently from the
// CometD client: connect+subscribe in one POST to the mount URL, `advice.timeout: 0`), and the
// same scenario against the reference server.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { startProxy, startReference, basic } from "./lib/servers.mjs";

const require = createRequire(import.meta.url);
const faye = require("faye");
const stops = [];
after(() => stops.forEach((stop) => stop()));

async function roundTrip(url) {
    const client = new faye.Client(url, { timeout: 20 });
    client.disable("websocket");
    client.setHeader("Authorization", basic("demo", "demo"));
    const payloads = [{ n: 1 }, { n: 2 }];
    const received = [];
    try {
        await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`faye received ${JSON.stringify(received)}`)), 10000);
            const subscription = client.subscribe("/test/faye", (data) => {
                received.push(data);
                if (received.length === payloads.length) { clearTimeout(timer); resolve(); }
            });
            subscription.then(async () => {
                for (const p of payloads) await client.publish("/test/faye", p);
            }, reject);
        });
    } finally {
        client.disconnect();
    }
    return received;
}

test("faye subscribes, publishes and receives in order over long-polling", async () => {
    const proxy = await startProxy();
    stops.push(proxy.stop);
    const reference = await startReference();
    stops.push(reference.stop);
    const ours = await roundTrip(proxy.cometdUrl);
    const theirs = await roundTrip(reference.cometdUrl);
    assert.deepEqual(ours, [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(ours, theirs);
});
