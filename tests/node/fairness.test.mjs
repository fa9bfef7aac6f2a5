// Hardening finding 1: one tenant's flood of distinct heavy misses must not starve another
// tenant. The backend is the fault-test plugin as a store with 8 connections: tenant cc2's
// queries take 2 s each, cc1's 100 ms. User `other` (cc2) sends 300 distinct misses at once;
// `demo` (cc1) then asks one query and gets its normal result within twice its unloaded time.
// Without admission control the flood queues 300 deep in the store and demo's query times out.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory, configWithBackends, metric } from "./lib/servers.mjs";

const UCS = "/v2/ucs/interactions";
const cleanups = [];
after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
});

const BACKEND = `[[backends]]
library = "libucs_plugin_fault_test.so"
timeout_ms = 5000
[backends.config]
mode = "count"
delay_ms = 100
capacity = 8
[backends.config.delay_ms_by_tenant]
cc2 = 2000
`;

/** demo's query number `n` (distinct, so always a miss), timed from the POST to its notification. */
async function timedQuery(proxy, demo, n) {
    const body = { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: "2015-10-01", toDate: "2015-10-05", customAttributes: [`probe${n}`] };
    const started = performance.now();
    const ack = await postHistory(proxy.base, "demo", "demo", body);
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    const message = await demo.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId, 20000);
    return { ms: performance.now() - started, data: message.data };
}

test("a flood of one tenant's misses leaves another tenant's query answered in about its unloaded time", async () => {
    const proxy = await startProxy({}, { config: configWithBackends(BACKEND) });
    cleanups.push(() => proxy.stop());
    const demo = new Browser(proxy.cometdUrl, "demo", "demo");
    cleanups.push(() => demo.close());
    assert.equal((await demo.handshake()).successful, true);
    assert.equal((await demo.subscribe(UCS)).successful, true);

    const unloaded = [];
    for (let n = 0; n < 3; n++) unloaded.push((await timedQuery(proxy, demo, n)).ms);
    const baseline = Math.min(...unloaded);

    const flood = Array.from({ length: 300 }, (_, i) => postHistory(proxy.base, "other", "other", {
        operationName: "RetrieveInteractionHistory", mediaType: "chat", maxSize: 1000,
        fromDate: "2015-06-01", toDate: "2015-12-01", customAttributes: [`flood${i}`],
    }));
    const acks = await Promise.all(flood);
    const refused = acks.filter((a) => a.status === 429);
    assert.ok(refused.length > 0, "past its queue, the flooding tenant is refused before the ack");
    for (const r of refused) {
        assert.deepEqual(r.body, { statusCode: 1, statusMessage: "Too many requests for this contact center, try again later" });
    }

    const loaded = await timedQuery(proxy, demo, 99);
    assert.equal(loaded.data.errorMessage, undefined, JSON.stringify(loaded.data));
    assert.equal(loaded.data.interactions.length, 1, "its normal result");
    assert.ok(loaded.ms <= 2 * baseline, `loaded ${loaded.ms.toFixed(0)} ms, unloaded ${baseline.toFixed(0)} ms`);
    assert.ok(await metric(proxy, 'ucs_proxy_admission_total{outcome="queue_full"}') >= refused.length);
});
