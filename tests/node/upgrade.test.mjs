// Hardening: replacing the binary under load (graceful upgrade) and stopping it (SIGTERM) lose no
// request and no result. A new process started with --upgrade takes the listening sockets of the
// running one, which is then sent SIGQUIT: it keeps serving what it holds, answers with
// `Connection: close` (clients' new connections reach the new process), delivers the results
// it still owes, then hands its CometD sessions over (`reconnect: handshake`). Desktops are the
// official CometD client; a result whose POST reached the new process before the desktop's
// session moved waits there (cometd.park_ms) until the desktop subscribes again.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory, configWithBackends } from "./lib/servers.mjs";

const UCS = "/v2/ucs/interactions";
const cleanups = [];
after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
});

// Every miss takes 300 ms in the store, so results are on their way when the process changes.
const BACKEND = `[[backends]]
library = "libucs_plugin_fault_test.so"
timeout_ms = 5000
[backends.config]
mode = "count"
delay_ms = 300
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function env(name) {
    return {
        UCS_PROXY_SERVER__GRACE_PERIOD_SECONDS: "3",
        UCS_PROXY_SERVER__UPGRADE_SOCK: path.join(os.tmpdir(), `ucs-upgrade-${process.pid}-${name}.sock`),
    };
}

/** A load client: `loops` POST loops of one cached query over keep-alive, until `stop()`. */
function load(base, loops) {
    const counts = { ok: 0, failed: 0, errors: [] };
    let running = true;
    const body = { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: "2015-10-01", toDate: "2015-10-05" };
    const workers = Array.from({ length: loops }, async () => {
        while (running) {
            try {
                const answer = await postHistory(base, "other", "other", body);
                if (answer.status === 200 && answer.body.statusCode === 0) counts.ok++;
                else { counts.failed++; counts.errors.push(`${answer.status} ${JSON.stringify(answer.body)}`); }
            } catch (error) {
                counts.failed++;
                counts.errors.push(String(error.cause ?? error));
            }
        }
    });
    return { counts, stop: async () => { running = false; await Promise.all(workers); } };
}

/**
 * A desktop asking distinct (missing) queries one after another until `stop()`; every acked
 * request must get its result. Returns the counts.
 */
function desktop(base, browser, user) {
    const counts = { asked: 0, answered: 0, lost: [] };
    let running = true;
    let n = 0;
    const loop = (async () => {
        while (running) {
            const body = { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: "2015-10-01", toDate: "2015-10-05", customAttributes: [`${user}-${n++}`] };
            let ack;
            try {
                ack = await postHistory(base, user, user, body);
            } catch (error) {
                counts.lost.push(`POST failed: ${error.cause ?? error}`);
                continue;
            }
            if (ack.status !== 200) { counts.lost.push(`POST ${ack.status}`); continue; }
            counts.asked++;
            const { referenceId } = ack.body;
            try {
                const message = await browser.waitFor((e) => e.ev === "message" && e.data.referenceId === referenceId, 25000);
                assert.ok(Array.isArray(message.data.interactions), JSON.stringify(message.data));
                counts.answered++;
            } catch {
                counts.lost.push(`no result for referenceId ${referenceId}`);
                console.log(user, referenceId, JSON.stringify(browser.events.filter((e) => e.ev !== "message").slice(-12)), browser.events.filter((e) => e.ev === "message").map((e) => e.data.referenceId).slice(-6));
            }
        }
    })();
    return { counts, stop: async () => { running = false; await loop; } };
}

async function subscribedDesk(proxy, user = "demo") {
    const browser = new Browser(proxy.cometdUrl, user, user, { resubscribe: true });
    cleanups.push(() => browser.close());
    assert.equal((await browser.handshake()).successful, true);
    assert.equal((await browser.subscribe(UCS)).successful, true);
    return browser;
}

test("a graceful upgrade under load loses no request and no result", async () => {
    const config = configWithBackends(BACKEND);
    const old = await startProxy(env("upgrade"), { config });
    cleanups.push(() => old.stop());
    // One desktop per agent: a notification goes to every session of its user, so two desktops
    // of one agent split over two processes would each see only that process's results.
    const users = ["demo", "novoice"];
    const desks = [];
    for (const user of users) desks.push(await subscribedDesk(old, user));
    const traffic = load(old.base, 4);
    const askers = desks.map((b, i) => desktop(old.base, b, users[i]));
    await sleep(1000);

    const successor = await startProxy(env("upgrade"), { config, upgrade: old });
    cleanups.push(() => successor.stop());
    await sleep(300);
    old.child.kill("SIGQUIT");
    const gone = await old.exited;
    assert.equal(gone.code, 0, `the old process exits cleanly: ${JSON.stringify(gone)}`);
    // The new process alone, for a while.
    await sleep(2000);
    await traffic.stop();
    await Promise.all(askers.map((a) => a.stop()));

    const { counts } = traffic;
    console.log(`upgrade: load client ${counts.ok} ok, ${counts.failed} failed; desktops asked ${askers.map((a) => a.counts.asked)}, answered ${askers.map((a) => a.counts.answered)}`);
    assert.equal(counts.failed, 0, counts.errors.slice(0, 5).join("\n"));
    assert.ok(counts.ok > 100, `the load ran: ${counts.ok}`);
    for (const asker of askers) {
        assert.deepEqual(asker.counts.lost, []);
        assert.ok(asker.counts.asked >= 5, `the desktop kept asking: ${asker.counts.asked}`);
    }
    for (const browser of desks) {
        const handshakes = browser.events.filter((e) => e.ev === "handshake" && e.successful);
        assert.ok(handshakes.length >= 2, "each desktop handshook again, on the new process");
    }
    // The new process serves the desktops' sessions now.
    const last = await postHistory(successor.base, "demo", "demo", { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: "2015-10-01", toDate: "2015-10-05", customAttributes: ["after"] });
    assert.equal(last.status, 200);
    await desks[0].waitFor((e) => e.ev === "message" && e.data.referenceId === last.body.referenceId, 5000);
});

test("SIGTERM delivers the results still owed before the process exits", async () => {
    const config = configWithBackends(BACKEND.replace("delay_ms = 300", "delay_ms = 1500"));
    const proxy = await startProxy(env("term"), { config });
    cleanups.push(() => proxy.stop());
    const browser = await subscribedDesk(proxy);
    const ack = await postHistory(proxy.base, "demo", "demo", { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: "2015-10-01", toDate: "2015-10-05", customAttributes: ["owed"] });
    assert.equal(ack.status, 200);
    proxy.child.kill("SIGTERM");
    const message = await browser.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId, 10000);
    assert.ok(Array.isArray(message.data.interactions), "the result owed was delivered, not an error");
    const gone = await proxy.exited;
    assert.equal(gone.code, 0, JSON.stringify(gone));
});
