// Many nodes, one cache: three nodes of the real binary on loopback ports, driven by the official
// CometD client, clustered first on the real Redis at 127.0.0.1:6379 (each run under its own key
// prefix), then on a Redis Cluster of three shards (redis-server --cluster-enabled, started
// here). The fault test runs its own redis-server on a free port, so stopping it disturbs
// nothing else.
import { test, describe, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory, metric, freePort, basic } from "./lib/servers.mjs";

const UCS = "/v2/ucs/interactions";
const proxies = [];
const browsers = [];
const redisServers = [];
let nodes;
let PREFIX;
/** The port redis-cli asks (with -c: it follows a Redis Cluster's redirections). */
let redisPort = 6379;

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function clusterEnv(name, prefix, redis, redisCluster) {
    return {
        UCS_PROXY_CLUSTER__ENABLED: "true",
        UCS_PROXY_CLUSTER__NODE_ID: name,
        UCS_PROXY_CLUSTER__KEY_PREFIX: prefix,
        UCS_PROXY_CLUSTER__REDIS: JSON.stringify([redis].flat()),
        UCS_PROXY_CLUSTER__REDIS_CLUSTER: String(redisCluster),
        UCS_PROXY_CLUSTER__HEARTBEAT_MS: "300",
        UCS_PROXY_CLUSTER__OP_TIMEOUT_MS: "250",
    };
}

async function startNodes(prefix, redis = "redis://127.0.0.1:6379", redisCluster = false) {
    const started = [];
    for (const name of ["A", "B", "C"]) {
        const p = await startProxy(clusterEnv(name, prefix, redis, redisCluster));
        p.name = name;
        proxies.push(p);
        started.push(p);
    }
    // Every node is up once each sees Redis (its watchdog pings every 500 ms).
    for (const p of started) await until(async () => (await readiness(p)).cluster === "up", `node ${p.name} joins`);
    return started;
}

async function readiness(p) {
    return (await fetch(`${p.adminBase}/readyz`)).json();
}

async function until(check, what, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await check()) return;
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await sleep(50);
    }
}

async function subscribed(p, user) {
    const b = new Browser(p.cometdUrl, user, user);
    browsers.push(b);
    assert.equal((await b.handshake()).successful, true);
    assert.equal((await b.subscribe(UCS)).successful, true);
    return b;
}

/** The users' ids (config/default.toml): presence records are by id. */
const USER_IDS = { demo: "cc9016eee9c84dfeb266c642d9fd92c5", novoice: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" };

/** redis-cli's answer to `args` (on `port`, following a Redis Cluster's redirections). */
function redisCli(args, port = redisPort) {
    return spawnSync("redis-cli", ["-c", "-p", String(port), ...args], { encoding: "utf8" }).stdout.trim();
}

/** The nodes whose user set (`users:<node>`) holds `user`. */
function holders(prefix, user, port = redisPort) {
    return ["A", "B", "C"].filter((node) => redisCli(["SISMEMBER", `${prefix}users:${node}`, USER_IDS[user]], port) === "1");
}

/** A Redis Cluster of three shards on free ports (no replicas), each with its own directory. */
async function startRedisCluster() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ucs-redis-cluster-"));
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) {
        redisServers.push(spawn("redis-server", ["--port", String(port), "--cluster-enabled", "yes",
            "--cluster-config-file", `nodes-${port}.conf`, "--save", "", "--appendonly", "no"], { cwd: dir, stdio: "ignore" }));
    }
    await until(() => ports.every((port) => redisCli(["PING"], port) === "PONG"), "the shards answer");
    const made = spawnSync("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas", "0", "--cluster-yes"], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stdout + made.stderr);
    await until(() => ports.every((port) => redisCli(["CLUSTER", "INFO"], port).includes("cluster_state:ok")), "the cluster is ok");
    return ports;
}

/** Waits until `count` nodes hold sessions of `user` (a subscribe is announced in the
 * background), and a little more for the other nodes to hear of it on the bus. */
async function present(prefix, user, count, port = redisPort) {
    await until(() => holders(prefix, user, port).length >= count, `${count} nodes holding ${user}`);
    await sleep(50);
}

/** Backend calls made by all nodes so far. */
async function backendCalls(list = nodes) {
    let calls = 0;
    for (const p of list) {
        calls += await metric(p, 'ucs_proxy_backend_request_duration_seconds_count{backend="store-sqlite",media_type="chat"}');
    }
    return calls;
}

const chatWindow = (extra = {}) => ({ operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: day(-200), toDate: day(1), ...extra });

// Each test starts with no session: a user's notification goes where that test puts them.
afterEach(async () => {
    await Promise.all(browsers.splice(0).map((b) => b.close()));
});

after(() => {
    for (const p of proxies) p.stop();
    for (const server of redisServers) server.kill("SIGKILL");
});

/** POSTs `body` as `user` on node `p` and waits for the notification on `browser`. */
async function ask(p, browser, body, user = "demo") {
    const ack = await postHistory(p.base, user, user, body);
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    const { referenceId } = ack.body;
    const message = await browser.waitFor((e) => e.ev === "message" && e.data.referenceId === referenceId);
    assert.equal(message.data.messageType, "GetInteractionsHistoryMessage", JSON.stringify(message.data));
    return { xCache: ack.xCache, data: message.data };
}

/** SQL run on the nodes' shared SQLite file by another process (python3's sqlite3). */
function sqlite(sql) {
    const script = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()";
    const run = spawnSync("python3", ["-c", script, `${nodes[0].workDir}/data/demo.db`, sql], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`sqlite3: ${run.stderr}`);
}

/** The tests every Redis runs; `alsoFaults`: Redis stopped and started (standalone only). */
function clusterTests(alsoFaults) {
    test("a POST on B reaches the user's sessions on A and C; another user and another tenant get nothing", async () => {
        const [a, b, c] = nodes;
        const onA = await subscribed(a, "demo");
        const onC = await subscribed(c, "demo");
        const colleague = await subscribed(a, "novoice");
        const otherTenant = await subscribed(c, "other");
        await present(PREFIX, "demo", 2);
        const ack = await postHistory(b.base, "demo", "demo", chatWindow({ maxSize: 5 }));
        assert.equal(ack.status, 200, JSON.stringify(ack.body));
        const { referenceId } = ack.body;
        const isOurs = (e) => e.ev === "message" && e.data.referenceId === referenceId;
        const [gotA, gotC] = await Promise.all([onA.waitFor(isOurs), onC.waitFor(isOurs)]);
        assert.equal(gotA.data.messageType, "GetInteractionsHistoryMessage");
        assert.deepEqual(gotA.data, gotC.data);
        await sleep(300);
        assert.equal(colleague.events.filter(isOurs).length, 0);
        assert.equal(otherTenant.events.filter(isOurs).length, 0);
    });

    test("a query answered on A is a HIT on B and C with no second backend call", async () => {
        const [a, b, c] = nodes;
        const desk = await subscribed(a, "demo");
        await present(PREFIX, "demo", 1);
        const body = chatWindow({ maxSize: 7 });
        const before = await backendCalls();
        const first = await ask(a, desk, body);
        assert.equal(first.xCache, "MISS");
        assert.equal(await backendCalls(), before + 1);
        const onB = await ask(b, desk, body);
        const onC = await ask(c, desk, body);
        assert.equal(onB.xCache, "HIT");
        assert.equal(onC.xCache, "HIT");
        assert.deepEqual(onB.data.interactions, first.data.interactions);
        assert.deepEqual(onC.data.interactions, first.data.interactions);
        assert.equal(await backendCalls(), before + 1, "B and C answered from the shared tier");
        assert.ok(await metric(b, 'ucs_proxy_cache_tier_hits_total{tier="l2"}') >= 1);
        // Another user's identical query is not theirs to share (scope user): a miss.
        const colleague = await subscribed(b, "novoice");
        assert.equal((await ask(b, colleague, body, "novoice")).xCache, "MISS");
    });

    test("100 identical concurrent misses spread over the three nodes make one backend call", async () => {
        const body = chatWindow({ maxSize: 9, sort: "asc" });
        const before = await backendCalls();
        const acks = await Promise.all(Array.from({ length: 100 }, (_, i) =>
            postHistory(nodes[i % 3].base, "demo", "demo", body)));
        assert.ok(acks.every((ack) => ack.status === 200));
        await until(async () => (await backendCalls()) >= before + 1, "the one backend call");
        await sleep(500);
        assert.equal(await backendCalls(), before + 1);
    });

    test("a purge on C and a store change make B's next answer fresh within 100 ms", async () => {
        const [a, b, c] = nodes;
        const desk = await subscribed(b, "demo");
        await present(PREFIX, "demo", 1);
        const body = chatWindow({ maxSize: 3, sort: "desc" });
        await ask(b, desk, body);
        assert.equal((await ask(b, desk, body)).xCache, "HIT");
        const purged = await fetch(`${c.adminBase}/admin/cache/purge`, { method: "POST", body: "{}" });
        assert.equal(purged.status, 200);
        await sleep(100);
        assert.equal((await ask(b, desk, body)).xCache, "MISS", "the purge on C reached B");
        await sleep(50);
        assert.equal((await ask(a, desk, body)).xCache, "HIT", "B's new answer is shared");
        // A change of an interaction in that answer, posted to A (as a CDC pipeline would):
        // every node drops it, and so does the shared tier.
        const { data } = await ask(b, desk, body);
        const changed = data.interactions[0];
        const change = { tenant: "cc1", id: changed.id, kind: "updated", mediaType: "chat" };
        const posted = await fetch(`${a.adminBase}/admin/cache/invalidate`, { method: "POST", body: JSON.stringify(change) });
        assert.equal(posted.status, 200);
        await sleep(100);
        assert.equal((await ask(b, desk, body)).xCache, "MISS", "the change on A reached B");
        await sleep(50);
        assert.equal((await ask(c, desk, body)).xCache, "HIT", "the answer after the change is shared");
    });

    test("killed node: its user re-handshakes elsewhere and still gets the answer (pending in Redis)", async () => {
        const [a, b] = nodes;
        const doomed = await subscribed(b, "novoice");
        assert.ok(doomed);
        await present(PREFIX, "novoice", 1);
        b.child.kill("SIGKILL");
        await b.exited;
        doomed.child.kill();
        // No other session of theirs anywhere: the earlier tests' have disconnected.
        await until(() => holders(PREFIX, "novoice").join() === "B",
            "novoice present on B only");
        // The POST lands on A while the presence record still names B (within three heartbeats).
        const ack = await postHistory(a.base, "novoice", "novoice", chatWindow({ maxSize: 4 }));
        assert.equal(ack.status, 200);
        await sleep(200);
        const again = await subscribed(a, "novoice");
        const message = await again.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
        assert.equal(message.data.messageType, "GetInteractionsHistoryMessage");
        assert.ok(await metric(a, 'ucs_proxy_cluster_deliveries_total{route="pending"}') >= 1);
    });

    if (alsoFaults) {
        test("Redis down: the nodes answer alone and say degraded; Redis back: the cluster resumes", async () => {
            const port = await freePort();
            const redis = () => spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
            let server = redis();
            const prefix = `fault-${process.pid}:`;
            const [x, y] = await startNodes(prefix, `redis://127.0.0.1:${port}`).then((n) => n.slice(0, 2));
            const desk = await subscribed(x, "demo");
            server.kill("SIGKILL");
            await until(async () => (await readiness(x)).cluster === "degraded", "x sees Redis down");
            const ready = await fetch(`${x.adminBase}/readyz`);
            assert.equal(ready.status, 200, "a degraded node stays in the load balancer");
            assert.equal(await metric(x, "ucs_proxy_cluster_redis_up"), 0);
            const started = Date.now();
            const alone = await ask(x, desk, chatWindow({ maxSize: 2 }));
            assert.ok(Date.now() - started < 2000, "no request waits on a dead Redis");
            assert.ok(Array.isArray(alone.data.interactions));
            server = redis();
            await until(async () => (await readiness(x)).cluster === "up" && (await readiness(y)).cluster === "up",
                "both nodes see Redis again");
            // Cross-node delivery works again: a POST on y reaches the session on x.
            await present(prefix, "demo", 1, port);
            const back = await ask(y, desk, chatWindow({ maxSize: 6 }));
            assert.ok(Array.isArray(back.data.interactions));
            const listed = await (await fetch(`${x.adminBase}/admin/cluster`)).json();
            assert.deepEqual(listed.nodes.filter((n) => n.live).map((n) => n.node).sort(), ["A", "B", "C"]);
            server.kill("SIGKILL");
        });
    }

    test("a JSESSIONID opened on one node is valid on every node; an unknown one on none", async () => {
        const [a, , c] = nodes;
        const body = JSON.stringify(chatWindow({ maxSize: 2 }));
        const headers = { "Content-Type": "application/json" };
        const login = await fetch(`${a.base}/api/v2/ucs/interactions`, {
            method: "POST", headers: { ...headers, Authorization: basic("demo", "demo") }, body,
        });
        assert.equal(login.status, 200);
        const session = login.headers.get("set-cookie").match(/JSESSIONID=([0-9a-f]+)/)[1];
        const withCookie = (p, id) => fetch(`${p.base}/api/v2/ucs/interactions`, {
            method: "POST", headers: { ...headers, Cookie: `JSESSIONID=${id}` }, body,
        });
        assert.equal((await withCookie(c, session)).status, 200, "C accepts A's session");
        assert.equal((await withCookie(c, "0".repeat(32))).status, 401);
    });

    test("a store change (SQL on the shared store) makes the next answer fresh on every node", async () => {
        const [a, , c] = nodes;
        const desk = await subscribed(a, "demo");
        await present(PREFIX, "demo", 1);
        const body = chatWindow({ maxSize: 3, sort: "desc", fromDate: day(-30) });
        await ask(a, desk, body);
        assert.equal((await ask(a, desk, body)).xCache, "HIT");
        const id = `CL${Date.now()}`;
        const now = Date.now();
        const changesBefore = Number(redisCli(["XLEN", `${PREFIX}changes:cc1:chat`]));
        sqlite(`INSERT INTO interactions (id, tenant, media_type, media_key, type_id, state, start_ms, start_offset, end_ms, end_offset, subject, contact_id, path, uri)
                VALUES ('${id}', 'cc1', 'chat', 'chat', 'Inbound', 'New', ${now}, 0, NULL, NULL, 'new in the store', 'c1', '/api/v2/interactions/${id}', 'http://x/api/v2/interactions/${id}')`);
        // Once a node's feed has put the change in the shared change log, C — which never asked,
        // so only the shared tier could answer it — must not be served the entry A filled before.
        const logged = () => Number(redisCli(["XLEN", `${PREFIX}changes:cc1:chat`]));
        await until(() => logged() > changesBefore, "the change in the shared change log", 2000);
        const onC = await ask(c, desk, body);
        assert.equal(onC.xCache, "MISS");
        assert.equal(onC.data.interactions[0].id, id);
        // And A, whose feed dropped its own entry, answers fresh too.
        assert.equal((await ask(a, desk, body)).data.interactions[0].id, id);
    });
}

describe("on one Redis", () => {
    before(async () => {
        PREFIX = `test-${process.pid}-${Date.now()}:`;
        redisPort = 6379;
        nodes = await startNodes(PREFIX);
    });
    clusterTests(true);
});

describe("on a Redis Cluster of three shards", () => {
    before(async () => {
        const ports = await startRedisCluster();
        PREFIX = `test-${process.pid}-${Date.now()}:`;
        redisPort = ports[0];
        nodes = await startNodes(PREFIX, ports.map((port) => `redis://127.0.0.1:${port}`), true);
    });
    clusterTests(false);
});
