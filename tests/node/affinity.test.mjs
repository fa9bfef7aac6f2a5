// The proxy in front of GWS nodes that do NOT share sessions (as real GWS nodes behind a sticky
// balancer do not), with CSRF on: a session must stay on the node that issued it, upstream
// authentication must use the caller's own session, and no session is shared between clients.
// Desktops log in once with Basic credentials and then send only their cookies (and the CSRF
// token), as browsers do.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startProxy, metric } from "./lib/servers.mjs";
import { startGwsSimulator, simulatedHistory } from "./lib/gws-simulator.mjs";
import { upstreamConfig } from "./lib/upstream-config.mjs";
import { Desk } from "./lib/desk.mjs";

const HISTORY = { operationName: "RetrieveInteractionHistory", mediaType: "chat" };
const cleanups = [];
after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Two simulator nodes, each with its own sessions, and a proxy in front with `selection`. */
async function cluster(selection) {
    const history = simulatedHistory();
    const gws1 = await startGwsSimulator({ name: "gws1", sessions: new Map(), history, csrf: true });
    const gws2 = await startGwsSimulator({ name: "gws2", sessions: new Map(), history, csrf: true });
    cleanups.push(() => gws1.stop(), () => gws2.stop());
    const config = upstreamConfig({
        nodes: [gws1.address, gws2.address],
        pluginBase: gws1.base,
        overrides: { 'selection = "session_hash"': `selection = "${selection}"` },
    });
    const proxy = await startProxy({ UCS_PROXY_LOG__FORMAT: "human" }, { config });
    cleanups.push(() => proxy.stop());
    return { gws1, gws2, proxy };
}

/** A desk that has logged in (through the proxy's passthrough) and holds a session. */
async function loggedIn(proxy, user, password) {
    const desk = new Desk(proxy.base, user, password);
    const login = await desk.login();
    assert.equal(login.status, 200, JSON.stringify(login.json));
    assert.ok(desk.session, "GWS opened a session");
    assert.ok(desk.cookies.get("UCSPROXY_NODE"), "the proxy named the session's node");
    assert.ok(desk.csrf, "GWS handed a CSRF token");
    desk.node = login.node;
    return desk;
}

for (const selection of ["round_robin", "session_hash"]) {
    test(`${selection}: twenty desktops log in once, then every cookie-only request reaches their session's node`, async () => {
        const { proxy } = await cluster(selection);
        const desks = [];
        for (let i = 0; i < 20; i++) {
            const [user, password] = i % 2 ? ["bob", "bob-pw"] : ["alice", "alice-pw"];
            desks.push(await loggedIn(proxy, user, password));
        }
        if (selection === "round_robin") {
            assert.deepEqual(new Set(desks.map((d) => d.node)), new Set(["gws1", "gws2"]), "sessions on both nodes");
        }
        for (const desk of desks) {
            const session = desk.session;
            const get = await desk.request("GET", "/api/v2/me");
            assert.equal(get.status, 200, `GET on ${desk.node}: ${JSON.stringify(get.json)}`);
            assert.equal(get.node, desk.node, "the node that issued the session");
            const post = await desk.request("POST", "/api/v2/me", { body: { operationName: "Ready" }, csrf: true });
            assert.equal(post.status, 200, `POST with CSRF on ${desk.node}: ${JSON.stringify(post.json)}`);
            const ack = await desk.request("POST", "/api/v2/ucs/interactions", { body: HISTORY });
            assert.equal(ack.status, 200, `history POST: ${JSON.stringify(ack.json)}`);
            assert.equal(ack.json.statusCode, 0);
            assert.equal(desk.session, session, "the caller's JSESSIONID never changes");
            assert.deepEqual(desk.sessions, [session], "one session, from the login");
        }
    });
}

test("two desktops of one user hold two sessions; a Basic-only history POST never hands out another's", async () => {
    const { proxy } = await cluster("session_hash");
    const first = await loggedIn(proxy, "alice", "alice-pw");
    const second = await loggedIn(proxy, "alice", "alice-pw");
    assert.notEqual(first.session, second.session);
    // Two desktops that only ever send Basic to the proxy's own routes.
    const a = new Desk(proxy.base, "alice", "alice-pw");
    const b = new Desk(proxy.base, "alice", "alice-pw");
    for (const desk of [a, b]) {
        const ack = await desk.request("POST", "/api/v2/ucs/interactions", { body: HISTORY, login: true });
        assert.equal(ack.status, 200);
    }
    const handed = [...a.sessions, ...b.sessions];
    assert.equal(new Set(handed).size, handed.length, `no session twice: ${handed}`);
    assert.ok(!handed.includes(first.session) && !handed.includes(second.session));
    // One logs out on GWS: the other is untouched.
    assert.equal((await first.request("GET", "/api/v2/me")).status, 200);
    assert.equal((await second.request("GET", "/api/v2/me")).status, 200);
});

test("a dead node's sessions get GWS's own answer from a live node, and nothing hangs", async () => {
    const { gws1, gws2, proxy } = await cluster("round_robin");
    const desks = [];
    for (let i = 0; i < 6; i++) desks.push(await loggedIn(proxy, "alice", "alice-pw"));
    const orphaned = desks.filter((d) => d.node === "gws2");
    const kept = desks.filter((d) => d.node === "gws1");
    assert.ok(orphaned.length > 0 && kept.length > 0, "sessions on both nodes");
    await gws2.stop();
    await new Promise((r) => setTimeout(r, 800)); // health checks every 200 ms
    for (const desk of orphaned) {
        const get = await desk.request("GET", "/api/v2/me");
        assert.equal(get.node, "gws1", "moved to the live node");
        assert.equal(get.status, 401, "which does not know the session: log in again");
        assert.equal(get.json.statusCode, 20);
        const ack = await desk.request("POST", "/api/v2/ucs/interactions", { body: HISTORY });
        assert.equal(ack.status, 401);
        assert.equal(ack.json.statusCode, 20);
        const again = await loggedIn(proxy, "alice", "alice-pw");
        assert.equal(again.node, "gws1");
    }
    for (const desk of kept) {
        assert.equal((await desk.request("GET", "/api/v2/me")).status, 200);
    }
    assert.ok(gws1.stats.requests > 0);
    assert.ok(await metric(proxy, 'ucs_proxy_auth_upstream_checks_total{result="refused"}') >= orphaned.length);
});
