// The cluster benchmark's driver (see cluster.sh): three nodes, two sessions of one user (on A
// and on C), and for each of N distinct queries: a miss on A, an L1 hit on A, an L2 hit on C.
// Each answer goes to both sessions: one on the node that answers, one on another node (one
// PUBLISH). Redis calls are counted apart for the cache and for the delivery. The two-session
// user, three nodes and the load client all share this machine's cores.
import { Browser } from "../../tests/node/lib/browser.mjs";
import { startProxy, basic } from "../../tests/node/lib/servers.mjs";

const N = Number(process.argv[2] ?? 300);
const PREFIX = `bench-${process.pid}-${Date.now()}:`;
const UCS = "/v2/ucs/interactions";
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const nodes = [];
for (const name of ["A", "B", "C"]) {
    nodes.push(await startProxy({
        UCS_PROXY_CLUSTER__ENABLED: "true",
        UCS_PROXY_CLUSTER__NODE_ID: name,
        UCS_PROXY_CLUSTER__KEY_PREFIX: PREFIX,
    }));
}
const [a, , c] = nodes;
for (const p of nodes) {
    for (;;) {
        const ready = await (await fetch(`${p.adminBase}/readyz`)).json();
        if (ready.cluster === "up") break;
        await sleep(100);
    }
}
const desks = { A: new Browser(a.cometdUrl, "demo", "demo"), C: new Browser(c.cometdUrl, "demo", "demo") };
for (const desk of Object.values(desks)) {
    await desk.handshake();
    await desk.subscribe(UCS);
}
await sleep(1500); // presence announced

/** Redis operations made so far by node `p`: the cache's (`l2_*`) and the delivery's
 * (`publish`, `pending_*`); heartbeats and presence are not per request. */
async function redisOps(p) {
    const text = await (await fetch(`${p.adminBase}/metrics`)).text();
    const sum = (ops) => text.split("\n")
        .filter((l) => l.startsWith("ucs_proxy_cluster_redis_ops_total{") && !l.includes('result="down"')
            && ops.some((op) => l.includes(`op="${op}"`)))
        .reduce((total, l) => total + Number(l.split(" ")[1]), 0);
    return { cache: sum(["l2_get", "l2_mark", "l2_put", "l2_release"]), delivery: sum(["publish", "pending_keep", "pending_take"]) };
}

/** POSTs `body` on `p`; the milliseconds until each desk has the notification. */
async function timed(p, body) {
    const started = performance.now();
    const response = await fetch(`${p.base}/api/v2/ucs/interactions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: basic("demo", "demo") },
        body: JSON.stringify(body),
    });
    const { referenceId } = await response.json();
    const cache = response.headers.get("x-cache");
    const arrival = (desk) => desk.waitFor((e) => e.ev === "message" && e.data.referenceId === referenceId)
        .then(() => performance.now() - started);
    const [atA, atC] = await Promise.all([arrival(desks.A), arrival(desks.C)]);
    return { cache, atA, atC };
}

const kinds = { miss: { on: a, same: "atA", other: "atC" }, l1: { on: a, same: "atA", other: "atC" }, l2: { on: c, same: "atC", other: "atA" } };
const samples = Object.fromEntries(Object.keys(kinds).map((k) => [k, { same: [], other: [], ops: [], caches: {} }]));
for (let i = 0; i < N; i++) {
    // Distinct queries with answers of one size (25 chats, ~9 KiB of JSON).
    const body = { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: day(-200 - i), toDate: day(1), maxSize: 25 };
    for (const [kind, { on, same, other }] of Object.entries(kinds)) {
        const before = await redisOps(on);
        const t = await timed(on, body);
        const s = samples[kind];
        const after = await redisOps(on);
        s.ops.push({ cache: after.cache - before.cache, delivery: after.delivery - before.delivery });
        s.same.push(t[same]);
        s.other.push(t[other]);
        s.caches[t.cache] = (s.caches[t.cache] ?? 0) + 1;
    }
}
const pct = (xs, p) => { const s = [...xs].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const fmt = (xs) => `p50 ${pct(xs, 0.5).toFixed(2)} ms, p99 ${pct(xs, 0.99).toFixed(2)} ms`;
console.log(`${N} queries, three nodes, POST sent -> notification received (official CometD client)`);
for (const [kind, s] of Object.entries(samples)) {
    const mean = (part) => (s.ops.reduce((x, y) => x + y[part], 0) / s.ops.length).toFixed(2);
    console.log(`${kind.padEnd(4)} X-Cache ${JSON.stringify(s.caches)}: same node ${fmt(s.same)}; other node ${fmt(s.other)}; Redis calls/request: cache ${mean("cache")}, delivery ${mean("delivery")}`);
}
const sameL1 = pct(samples.l1.same, 0.99), otherL1 = pct(samples.l1.other, 0.99);
console.log(`cross-node delivery adds ${(pct(samples.l1.other, 0.5) - pct(samples.l1.same, 0.5)).toFixed(2)} ms p50, ${(otherL1 - sameL1).toFixed(2)} ms p99 (L1 hits)`);
console.log(`L2 hit vs L1 hit at the same node: +${(pct(samples.l2.same, 0.5) - pct(samples.l1.same, 0.5)).toFixed(2)} ms p50, +${(pct(samples.l2.same, 0.99) - sameL1).toFixed(2)} ms p99`);
await Promise.all(Object.values(desks).map((d) => d.close()));
for (const p of nodes) p.stop();
process.exit(0);
