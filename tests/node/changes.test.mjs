// Never stale although cached for ten minutes: the PostgreSQL store's triggers NOTIFY every
// committed change (the plugin LISTENs), the embedded SQLite store's triggers fill a change log
// (the plugin polls `PRAGMA data_version`), and the proxy drops exactly the cached answers each
// change may affect. Writes come from outside the proxy, as another application's would (psql;
// python3's sqlite3 for the SQLite file), against the real databases and the official CometD
// client.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory, configWithBackends, metric } from "./lib/servers.mjs";

const UCS = "/v2/ucs/interactions";
const URL = process.env.UCS_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const SCHEMA = `node_changes_${process.pid}`;
let proxy;
let desk;
const cleanups = [];

function psql(sql) {
    const run = spawnSync("psql", [URL, "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`psql: ${run.stderr}`);
    return run.stdout.trim();
}

/** SQL run on the SQLite file `db` by another process (python3's sqlite3). */
function sqlite(db, sql) {
    const script = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('PRAGMA foreign_keys = ON')\nc.executescript(sys.argv[2])\nc.commit()";
    const run = spawnSync("python3", ["-c", script, db, sql], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`sqlite3: ${run.stderr}`);
}

/** The two stores: how to write an interaction row, close one and delete one in each. */
const stores = {
    postgres: {
        table: (name = "interactions") => `${SCHEMA}.${name}`,
        exec: (sql) => psql(sql),
        start: (day) => `'2015-10-${String(day).padStart(2, "0")}T10:00:00Z'`,
        columns: "start_at, start_offset, end_at, end_offset",
        instant: (text) => `'${text}'`,
    },
    sqlite: {
        table: (name = "interactions") => name,
        exec: (sql) => sqlite(`${proxy.workDir}/data/demo.db`, sql),
        start: (day) => String(Date.UTC(2015, 9, day, 10)),
        columns: "start_ms, start_offset, end_ms, end_offset",
        instant: (text) => String(Date.parse(text)),
    },
};
let store = stores.postgres;

/** An interaction row: chat unless said, open (state New) unless it has an end. */
function insert({ id, tenant = "cc1", media = "chat", contact = "c1", day, end }) {
    const endAt = end ? store.instant(end) : "NULL";
    store.exec(`INSERT INTO ${store.table()} (id, tenant, media_type, media_key, type_id, state, ${store.columns}, subject, contact_id, path, uri)
          VALUES ('${id}', '${tenant}', '${media}', '${media}', 'Inbound', '${end ? "Stopped" : "New"}', ${store.start(day)}, 0, ${endAt}, ${end ? 0 : "NULL"}, 'subject ${id}', '${contact}',
                  '/api/v2/interactions/${id}', 'http://x/api/v2/interactions/${id}')`);
}

const window = { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: "2015-10-01", toDate: "2015-10-10", sort: "asc" };
const ofContactC1 = { operationName: "RetrieveContactHistory", mediaType: "chat", fromDate: "2015-10-01", toDate: "2015-10-10", sort: "asc" };
const contactPath = (c) => `/api/v2/ucs/contacts/${c}/interactions`;

/** Asks `body` as demo and waits for its result: X-Cache and the interactions. */
async function ask(body, path) {
    const ack = await postHistory(proxy.base, "demo", "demo", body, path);
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    const message = await desk.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
    assert.ok(Array.isArray(message.data.interactions), JSON.stringify(message.data));
    return { xCache: ack.xCache, ids: message.data.interactions.map((i) => i.id), interactions: message.data.interactions };
}

/** Polls `body` until its answer's ids are `expected`; the milliseconds it took from `since`. */
async function untilAnswer(body, path, expected, since) {
    for (;;) {
        const { ids, xCache } = await ask(body, path);
        if (JSON.stringify(ids) === JSON.stringify(expected)) return { ms: performance.now() - since, xCache };
        if (performance.now() - since > 5000) assert.deepEqual(ids, expected, "never became the new truth");
        await new Promise((r) => setTimeout(r, 10));
    }
}

/** Starts `p`, the demo desktop on it, and the three rows every scenario starts from. */
async function begin(started) {
    proxy = started;
    cleanups.push(() => started.stop());
    insert({ id: "a", day: 2 });
    insert({ id: "b", day: 3, end: "2015-10-03T10:05:00Z" });
    insert({ id: "z", tenant: "cc2", day: 2 });
    desk = new Browser(proxy.cometdUrl, "demo", "demo");
    cleanups.push(() => desk.close());
    assert.equal((await desk.handshake()).successful, true);
    assert.equal((await desk.subscribe(UCS)).successful, true);
}

before(async () => {
    const backend = `[[backends]]
library = "libucs_plugin_store_postgres.so"
timeout_ms = 5000
[backends.config]
url = "${URL}"
schema = "${SCHEMA}"
migrate = true
`;
    psql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await begin(await startProxy({ UCS_PROXY_CACHE__TTL_SECONDS: "600" }, { config: configWithBackends(backend) }));
});

after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    psql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
});

/** Inserts, an update closing an interaction and a delete, each seen by the next query. */
async function scenario(source) {
    assert.deepEqual((await ask(window)).ids, ["a", "b"]);
    assert.deepEqual((await ask(ofContactC1, contactPath("c1"))).ids, ["a", "b"]);
    assert.equal((await ask(window)).xCache, "HIT");

    // Changes that cannot affect either answer: another tenant, another media type, outside the
    // window, and (for the contact's history) another contact.
    insert({ id: "y", tenant: "cc2", day: 4 });
    insert({ id: "m", media: "email", day: 4 });
    insert({ id: "late", day: 25 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await ask(window)).xCache, "HIT");
    assert.equal((await ask(ofContactC1, contactPath("c1"))).xCache, "HIT");
    insert({ id: "c", contact: "c2", day: 4 });
    let since = performance.now();
    const inserted = await untilAnswer(window, undefined, ["a", "b", "c"], since);
    assert.ok(inserted.ms < 200, `the insert was seen after ${inserted.ms} ms`);
    const contact = await ask(ofContactC1, contactPath("c1"));
    assert.equal(contact.xCache, "HIT", "another contact's chat leaves c1's history cached");

    // Close the open interaction "a": the answers holding it change.
    const [endColumn, endOffset] = store.columns.split(", ").slice(2);
    store.exec(`UPDATE ${store.table()} SET state = 'Stopped', ${endColumn} = ${store.instant("2015-10-02T10:30:00Z")}, ${endOffset} = 0 WHERE id = 'a'`);
    since = performance.now();
    for (;;) {
        const { interactions } = await ask(ofContactC1, contactPath("c1"));
        if (interactions[0].state === "Stopped") {
            assert.equal(interactions[0].endDate, "2015-10-02 10:30:00.000+0000");
            break;
        }
        assert.ok(performance.now() - since < 5000, "the update never showed");
    }
    const updateMs = performance.now() - since;
    assert.ok(updateMs < 200, `the update was seen after ${updateMs} ms`);

    store.exec(`DELETE FROM ${store.table()} WHERE id = 'b'`);
    since = performance.now();
    const deleted = await untilAnswer(window, undefined, ["a", "c"], since);
    assert.ok(deleted.ms < 200, `the delete was seen after ${deleted.ms} ms`);
    console.log(`${source}: change → new truth: insert ${inserted.ms.toFixed(1)} ms, update ${updateMs.toFixed(1)} ms, delete ${deleted.ms.toFixed(1)} ms`);

    // A new transcript line (kind "content"): the next GetInteractionContent of "a" shows it,
    // and no history answer is dropped.
    const content = async () => {
        const ack = await postHistory(proxy.base, "demo", "demo", { operationName: "GetInteractionContent" }, "/api/v2/ucs/interactions/a");
        const message = await desk.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
        return { xCache: ack.xCache, messages: message.data.messages };
    };
    assert.deepEqual((await content()).messages, []);
    assert.equal((await content()).xCache, "HIT");
    store.exec(`INSERT INTO ${store.table("transcript_messages")} VALUES ('a', 0, 'Ann', 'Customer', 'p1', 'hello', 1443780000000, 0, 'All', 'Message')`);
    since = performance.now();
    for (;;) {
        const { messages, xCache } = await content();
        if (messages.length === 1) {
            assert.equal(xCache, "MISS");
            assert.equal(messages[0].text, "hello");
            break;
        }
        assert.ok(performance.now() - since < 5000, "the transcript line never showed");
    }
    const contentMs = performance.now() - since;
    assert.ok(contentMs < 200, `the content change was seen after ${contentMs} ms`);
    assert.equal((await ask(window)).xCache, "HIT", "a content change drops no history answer");

    assert.ok(await metric(proxy, `ucs_proxy_cache_changes_total{source="${source}"}`) >= 7);
    assert.ok(await metric(proxy, "ucs_proxy_cache_spared_total") >= 1);
}

test("PostgreSQL: inserts, updates and deletes from outside reach the next identical query within 200 ms; others stay hits", async () => {
    await scenario("store-postgres");
});

test("a killed LISTEN connection drops the store's answers and comes back", async () => {
    assert.equal((await ask(window)).xCache !== undefined, true);
    assert.equal((await ask(window)).xCache, "HIT");
    const resyncs = await metric(proxy, 'ucs_proxy_cache_resyncs_total{backend="store-postgres"}');
    const killed = psql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ucs-proxy change feed ${SCHEMA}'`);
    assert.equal(killed, "1");
    const since = performance.now();
    while (await metric(proxy, 'ucs_proxy_cache_resyncs_total{backend="store-postgres"}') === resyncs) {
        assert.ok(performance.now() - since < 5000, "the listener did not come back");
        await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await ask(window)).xCache, "MISS", "the store's answers were dropped");
    // Listening again: a new change is seen.
    insert({ id: "d", day: 5 });
    const seen = await untilAnswer(window, undefined, ["a", "c", "d"], performance.now());
    assert.ok(seen.ms < 200, `${seen.ms} ms`);
});

test("SQLite: the same through the change log, on the embedded store of the default configuration", async () => {
    store = stores.sqlite;
    await begin(await startProxy({ UCS_PROXY_CACHE__TTL_SECONDS: "600" }));
    await scenario("store-sqlite");
});
