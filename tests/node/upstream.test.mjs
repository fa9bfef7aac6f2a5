// The proxy in front of an existing GWS (config/upstream.toml), against two nodes of the GWS
// simulator (lib/gws-simulator.mjs: the official cometd-nodejs-server plus a small GWS HTTP
// handler; no GWS exists on this machine), with the official CometD JS client as the desktop:
// misses are resolved on the upstream by the gws-upstream plugin and relayed, hits never reach
// it, other routes pass through unchanged, callers are authenticated by the upstream, upstream
// failures become the errorMessage form, a dead node leaves the rotation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory, basic, freePort, metric } from "./lib/servers.mjs";
import { startGwsSimulator, answerOf, contentOf, SIM_USERS, simulatedHistory } from "./lib/gws-simulator.mjs";
import { upstreamConfig } from "./lib/upstream-config.mjs";
import { Desk } from "./lib/desk.mjs";

const UCS = "/v2/ucs/interactions";
const PUBLIC_BASE = "http://ucs-proxy.example.internal:8080";
const svc = SIM_USERS.find((u) => u.userName === "svc");
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const cleanups = [];
let gws1, gws2, proxy;

async function started(config) {
    const p = await startProxy({ UCS_PROXY_LOG__FORMAT: "human" }, { config });
    cleanups.push(() => p.stop());
    return p;
}

async function desktop(p, user, password) {
    const b = new Browser(p.cometdUrl, user, password);
    cleanups.push(() => b.close());
    assert.equal((await b.handshake()).successful, true);
    assert.equal((await b.subscribe(UCS)).successful, true);
    return b;
}

/** POSTs `body` as `user`, then waits for the notification of its referenceId. */
async function ask(p, b, user, password, body) {
    const ack = await postHistory(p.base, user, password, body);
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    const { referenceId } = ack.body;
    const message = await b.waitFor((e) => e.ev === "message" && e.data.referenceId === referenceId);
    assert.equal(message.channel, UCS);
    return { xCache: ack.xCache, referenceId, data: message.data };
}

/** What GWS answers, as the proxy presents it: `uri` on the proxy's public base. */
function relayed(interactions) {
    return interactions.map((i) => ({ ...i, uri: PUBLIC_BASE + i.path }));
}

before(async () => {
    const sessions = new Map();
    const history = simulatedHistory();
    gws1 = await startGwsSimulator({ name: "gws1", sessions, history });
    gws2 = await startGwsSimulator({ name: "gws2", sessions, history });
    cleanups.push(() => gws1.stop(), () => gws2.stop());
    proxy = await started(upstreamConfig({ nodes: [gws1.address, gws2.address], pluginBase: gws1.base }));
});

after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
});

test("a miss is resolved on the upstream and relayed to the official client; the same query again is a HIT the upstream never sees", async () => {
    const alice = await desktop(proxy, "alice", "alice-pw");
    const body = { operationName: "RetrieveInteractionHistory", fromDate: day(-20), toDate: day(0),
        mediaType: "chat", sort: "asc", customAttributes: ["SearchId"] };
    const postsBefore = gws1.stats.historyPosts.length + gws2.stats.historyPosts.length;

    const miss = await ask(proxy, alice, "alice", "alice-pw", body);
    assert.equal(miss.xCache, "MISS");
    assert.equal(miss.data.messageType, "GetInteractionsHistoryMessage");
    const posts = gws1.stats.historyPosts.slice(-1);
    assert.equal(gws1.stats.historyPosts.length + gws2.stats.historyPosts.length, postsBefore + 1, "one upstream request");
    const [upstream] = posts;
    assert.equal(upstream.user, "svc", "asked with the service account");
    assert.deepEqual(upstream.body, { operationName: "RetrieveInteractionHistory", fromDate: body.fromDate,
        toDate: body.toDate, mediaType: "chat", sort: "asc", source: "main", maxSize: 100, customAttributes: ["SearchId"] });
    const expected = relayed(answerOf(gws1.history, svc, upstream.body));
    assert.ok(expected.length > 3, "the simulated history has chats in the window");
    // Byte-compatible: same interactions, same key order, uri rewritten to the proxy.
    assert.equal(JSON.stringify(miss.data.interactions), JSON.stringify(expected));

    const again = await ask(proxy, alice, "alice", "alice-pw",
        { sort: "ASC", customAttributes: ["SearchId", "SearchId"], mediaType: "Chat", toDate: body.toDate, fromDate: body.fromDate, operationName: "RetrieveInteractionHistory" });
    assert.equal(again.xCache, "HIT");
    assert.notEqual(again.referenceId, miss.referenceId, "each request has the proxy's own referenceId");
    assert.equal(JSON.stringify(again.data.interactions), JSON.stringify(expected));
    assert.equal(gws1.stats.historyPosts.length + gws2.stats.historyPosts.length, postsBefore + 1, "the upstream saw no second request");
});

test("GetInteractionContent is relayed from GWS byte for byte (uri rewritten), then a HIT GWS never sees", async () => {
    const alice = await desktop(proxy, "alice", "alice-pw");
    const contentPosts = () => gws1.stats.contentPosts.length + gws2.stats.contentPosts.length;
    for (const media of ["Chat", "Email"]) {
        const { id } = gws1.history.find((r) => r.interaction.mediaType === media).interaction;
        const before = contentPosts();
        const path = `/api/v2/ucs/interactions/${id}`;
        const ack = await postHistory(proxy.base, "alice", "alice-pw", { operationName: "GetInteractionContent" }, path);
        assert.equal(ack.status, 200, JSON.stringify(ack.body));
        assert.equal(ack.xCache, "MISS");
        const message = await alice.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
        assert.equal(contentPosts(), before + 1, "one upstream request");
        const [upstream] = [...gws1.stats.contentPosts, ...gws2.stats.contentPosts].slice(-1);
        assert.deepEqual([upstream.user, upstream.id, upstream.body], ["svc", id, { operationName: "GetInteractionContent", source: "main" }]);

        const row = gws1.history.find((r) => r.interaction.id === id).interaction;
        const gws = contentOf(row);
        const expected = { referenceId: ack.body.referenceId, messageType: "GetInteractionContentMessage",
            interaction: { ...gws.interaction, uri: PUBLIC_BASE + row.path }, ...(gws.messages && { messages: gws.messages }) };
        // Byte for byte: same keys (one the proxy's model does not know), same order, same text.
        assert.equal(JSON.stringify(message.data), JSON.stringify(expected));

        const again = await postHistory(proxy.base, "alice", "alice-pw", { operationName: "GetInteractionContent", source: "MAIN" }, path);
        assert.equal(again.xCache, "HIT");
        const hit = await alice.waitFor((e) => e.ev === "message" && e.data.referenceId === again.body.referenceId);
        assert.equal(JSON.stringify(hit.data.interaction), JSON.stringify(expected.interaction));
        assert.equal(contentPosts(), before + 1, "the upstream saw no second request");
    }
    // An id GWS does not hold: its errorMessage becomes the proxy's, never cached.
    const ack = await postHistory(proxy.base, "alice", "alice-pw", { operationName: "GetInteractionContent" }, "/api/v2/ucs/interactions/0000NOSUCHID0000");
    const failed = await alice.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
    assert.equal(failed.data.errorMessage.startsWith("Request failed"), true, JSON.stringify(failed.data));
    assert.equal(failed.data.interaction, undefined);
});

test("a cold query over every media type is one upstream POST, and fills each type's entry", async () => {
    const alice = await desktop(proxy, "alice", "alice-pw");
    const body = { operationName: "RetrieveInteractionHistory", fromDate: day(-40), toDate: day(-20), maxSize: 500 };
    const before = gws1.stats.historyPosts.length;
    const answer = await ask(proxy, alice, "alice", "alice-pw", body);
    assert.equal(answer.xCache, "MISS");
    const posts = gws1.stats.historyPosts.slice(before);
    assert.equal(posts.length, 1, "one upstream POST for eight media types");
    assert.equal(posts[0].body.mediaType, undefined, "asked without a media type");
    assert.equal(JSON.stringify(answer.data.interactions), JSON.stringify(relayed(answerOf(gws1.history, svc, posts[0].body))));
    // Nothing was cut (fewer than maxSize): each type's entry is whole and serves its own query.
    const email = await ask(proxy, alice, "alice", "alice-pw", { ...body, mediaType: "email" });
    assert.equal(email.xCache, "HIT");
    assert.equal(gws1.stats.historyPosts.length, before + 1);
    assert.deepEqual(email.data.interactions, answer.data.interactions.filter((i) => i.mediaType.toLowerCase() === "email"));
});

test("a contact's history is asked on the upstream's contact URL and cut to maxSize here", async () => {
    const alice = await desktop(proxy, "alice", "alice-pw");
    const contactId = gws1.history.find((r) => r.interaction.mediaType === "Email").interaction.contactId;
    const ack = await fetch(`${proxy.base}/api/v2/ucs/contacts/${contactId}/interactions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: basic("alice", "alice-pw") },
        body: JSON.stringify({ operationName: "RetrieveContactHistory", fromDate: day(-70), toDate: day(0), mediaType: "email" }),
    });
    assert.equal(ack.status, 200);
    const { referenceId } = await ack.json();
    const message = await alice.waitFor((e) => e.ev === "message" && e.data.referenceId === referenceId);
    const upstream = gws1.stats.historyPosts.at(-1);
    assert.equal(upstream.path, `/api/v2/ucs/contacts/${contactId}/interactions`);
    assert.equal(upstream.body.operationName, "RetrieveContactHistory");
    const expected = relayed(answerOf(gws1.history, svc, upstream.body, contactId)).slice(0, 100);
    assert.ok(expected.length >= 1);
    assert.equal(JSON.stringify(message.data.interactions), JSON.stringify(expected));
});

test("callers are authenticated by the upstream: bad credentials are refused as it refuses them, its session cookie is accepted, its features decide", async () => {
    const before = gws1.stats.historyPosts.length + gws2.stats.historyPosts.length;
    for (const [user, password] of [["alice", "wrong"], ["mallory", "x"]]) {
        const refused = await postHistory(proxy.base, user, password, { operationName: "RetrieveInteractionHistory" });
        assert.equal(refused.status, 401);
        assert.deepEqual(refused.body, { statusCode: 20, statusMessage: "Access denied" });
    }
    const anonymous = await fetch(`${proxy.base}/api/v2/ucs/interactions`, { method: "POST", body: "{}" });
    assert.equal(anonymous.status, 401);
    const checks = await metric(proxy, 'ucs_proxy_auth_upstream_checks_total{result="refused"}');
    assert.ok(checks >= 2, `both refusals were asked of the upstream (${checks})`);

    const intruder = new Browser(proxy.cometdUrl, "alice", "wrong");
    cleanups.push(() => intruder.close());
    assert.equal((await intruder.handshake()).successful, false);

    // A GWS session opened through the passthrough route /api/v2/me authenticates on its own.
    const me = await fetch(`${proxy.base}/api/v2/me`, { headers: { Authorization: basic("alice", "alice-pw") } });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).user.userName, "alice");
    const cookie = me.headers.getSetCookie().find((c) => c.startsWith("JSESSIONID=")).split(";")[0];
    const byCookie = await fetch(`${proxy.base}/api/v2/ucs/interactions`, {
        method: "POST", headers: { Cookie: cookie, "Content-Type": "application/json" },
        body: JSON.stringify({ operationName: "RetrieveInteractionHistory", mediaType: "workitem" }),
    });
    assert.equal(byCookie.status, 200, await byCookie.clone().text());
    assert.equal((await byCookie.json()).statusCode, 0);

    // bob has no api-ucs-voice upstream.
    const call = await postHistory(proxy.base, "bob", "bob-pw", { operationName: "RetrieveInteractionHistory", mediaType: "call" });
    assert.equal(call.status, 403);
    assert.equal(call.body.statusCode, 3);
    const chat = await postHistory(proxy.base, "bob", "bob-pw", { operationName: "RetrieveInteractionHistory", mediaType: "chat" });
    assert.equal(chat.status, 200);
    // Only the two accepted queries (workitem by cookie, bob's chat) reach the upstream.
    const posts = () => gws1.stats.historyPosts.length + gws2.stats.historyPosts.length;
    const deadline = Date.now() + 5000;
    while (posts() < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(posts(), before + 2);
});

test("an upstream error becomes the errorMessage form and is not cached", async () => {
    const alice = await desktop(proxy, "alice", "alice-pw");
    const body = { operationName: "RetrieveInteractionHistory", mediaType: "email", fromDate: day(-5) };
    gws1.failNext("Request failed: UCS is not available");
    const failed = await ask(proxy, alice, "alice", "alice-pw", body);
    assert.equal(failed.xCache, "MISS");
    assert.equal(JSON.stringify(failed.data),
        JSON.stringify({ referenceId: failed.referenceId, messageType: "GetInteractionsHistoryMessage", errorMessage: "Request failed" }));
    const retried = await ask(proxy, alice, "alice", "alice-pw", body);
    assert.equal(retried.xCache, "MISS", "the failure was not cached");
    assert.ok(Array.isArray(retried.data.interactions));
    assert.equal(retried.data.errorMessage, undefined);
});

/** Waits until the relay's service account has handshaken on gws1 more than `count` times. */
async function handshakenAgain(count) {
    const deadline = Date.now() + 5000;
    while (gws1.stats.handshakesBy.svc === count && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(gws1.stats.handshakesBy.svc, count + 1, "one new handshake");
}

for (const [how, end] of [
    ["ends its CometD session (/meta/disconnect)", () => gws1.dropSessions("svc")],
    ["forgets its CometD session (402::session_unknown)", () => gws1.forgetSessions("svc")],
]) {
    test(`the relay handshakes again when the upstream ${how}, and keeps answering`, async () => {
        const alice = await desktop(proxy, "alice", "alice-pw");
        const handshakes = gws1.stats.handshakesBy.svc;
        const unknown = gws1.stats.unknownSession;
        assert.ok(handshakes >= 1, "the relay holds a CometD session on gws1");
        end();
        await handshakenAgain(handshakes);
        if (how.includes("402")) assert.ok(gws1.stats.unknownSession > unknown, "the relay was told 402");
        const body = { operationName: "RetrieveInteractionHistory", mediaType: "call", fromDate: day(-3 - handshakes) };
        const answer = await ask(proxy, alice, "alice", "alice-pw", body);
        assert.equal(answer.xCache, "MISS");
        const upstream = gws1.stats.historyPosts.at(-1);
        assert.equal(JSON.stringify(answer.data.interactions), JSON.stringify(relayed(answerOf(gws1.history, svc, upstream.body))));
    });
}

test("an unrelated route, its headers, body and cookies pass through unchanged", async () => {
    const response = await fetch(`${proxy.base}/api/v2/diagnostics/echo?x=1&y=%20z`, {
        method: "PUT",
        headers: { Cookie: "JSESSIONID=abc123; pref=blue", "X-Custom": "kept", "Content-Type": "text/plain" },
        body: "hello, gws",
    });
    assert.equal(response.status, 201);
    assert.deepEqual(response.headers.getSetCookie(), ["GWSECHO=1; Path=/", "SECOND=2; Path=/api"]);
    const echo = await response.json();
    assert.equal(echo.method, "PUT");
    assert.equal(echo.url, "/api/v2/diagnostics/echo?x=1&y=%20z");
    assert.equal(echo.body, "hello, gws");
    assert.equal(echo.headers.cookie, "JSESSIONID=abc123; pref=blue");
    assert.equal(echo.headers["x-custom"], "kept");
    assert.equal(echo.headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(echo.headers["x-forwarded-proto"], "http");
});

test("a dead relay upstream fails fast: the circuit opens and says so", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const p = await started(upstreamConfig({
        nodes: [gws1.address], pluginBase: dead,
        overrides: { "breaker_failures = 5": "breaker_failures = 1", "request_timeout_ms = 5000": "request_timeout_ms = 500",
            "verbose_errors = false": "verbose_errors = true" },
    }));
    const alice = await desktop(p, "alice", "alice-pw");
    const first = await ask(p, alice, "alice", "alice-pw", { operationName: "RetrieveInteractionHistory", mediaType: "chat" });
    assert.match(first.data.errorMessage, /^Request failed: .*no notification session to the upstream/);
    const second = await ask(p, alice, "alice", "alice-pw", { operationName: "RetrieveInteractionHistory", mediaType: "chat" });
    assert.match(second.data.errorMessage, /^Request failed: .*circuit open/);
    // Both are the upstream being unavailable, to the operator.
    assert.equal(await metric(p, 'ucs_proxy_backend_errors_total{backend="gws-upstream",kind="unavailable",media_type="chat"}'), 2);
    assert.equal(await metric(p, 'ucs_proxy_backend_errors_total{backend="gws-upstream",kind="internal",media_type="chat"}'), 0);
});

test("a notification the upstream never sends is a relay timeout, counted as such", async () => {
    const alice = await desktop(proxy, "alice", "alice-pw");
    const series = 'ucs_proxy_backend_errors_total{backend="gws-upstream",kind="timeout",media_type="twitter"}';
    const before = await metric(proxy, series);
    gws1.silenceNext();
    const silent = await ask(proxy, alice, "alice", "alice-pw", { operationName: "RetrieveInteractionHistory", mediaType: "twitter", fromDate: day(-9) });
    assert.equal(silent.data.errorMessage, "Request failed");
    assert.equal(await metric(proxy, series), before + 1);
});

test("a dead upstream node is taken out of rotation", async () => {
    const nodes = async () => {
        const seen = [];
        for (let i = 0; i < 16; i++) {
            const r = await fetch(`${proxy.base}/api/v2/diagnostics/version`, { headers: { Cookie: `JSESSIONID=s${i}` } });
            assert.equal(r.status, 200);
            seen.push(r.headers.get("x-gws-node"));
            await r.arrayBuffer();
        }
        return new Set(seen);
    };
    assert.deepEqual(await nodes(), new Set(["gws1", "gws2"]), "sessions spread over both nodes");
    await gws2.stop();
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await nodes(), new Set(["gws1"]), "every session now on the live node");
});

test("SetCallCompleted through the proxy: the next identical history query shows the call stopped", async () => {
    const alice = SIM_USERS.find((u) => u.userName === "alice");
    const row = gws1.history.find((r) => r.interaction.mediaType === "Call" && r.interaction.state === "InProcess"
        && r.interaction.ownerInformation?.id === alice.id);
    assert.ok(row, "the simulated history has an open call of alice");
    const { id } = row.interaction;
    const b = await desktop(proxy, "alice", "alice-pw");
    const query = { operationName: "RetrieveInteractionHistory", mediaType: "call", fromDate: day(-62), toDate: day(1), userId: alice.id, maxSize: 1000 };
    const state = (data) => data.interactions.find((i) => i.id === id)?.state;
    assert.equal(state((await ask(proxy, b, "alice", "alice-pw", query)).data), "InProcess");
    assert.equal((await ask(proxy, b, "alice", "alice-pw", query)).xCache, "HIT");

    // The desktop's own GWS session (and its CSRF token), as WWE sends its writes.
    const desk = new Desk(proxy.base, "alice", "alice-pw");
    assert.equal((await desk.login()).status, 200);
    const write = await desk.request("POST", `/api/v2/ucs/interactions/${id}`,
        { body: { operationName: "SetCallCompleted", callDuration: 120 }, csrf: true });
    assert.equal(write.status, 200, JSON.stringify(write.json));
    assert.equal(write.json.statusCode, 0);
    const forwarded = [...gws1.stats.writes, ...gws2.stats.writes].find((w) => w.id === id);
    assert.deepEqual(forwarded?.body, { operationName: "SetCallCompleted", callDuration: 120 }, "forwarded unchanged");

    const since = performance.now();
    for (;;) {
        const { data } = await ask(proxy, b, "alice", "alice-pw", query);
        if (state(data) === "Stopped") {
            assert.ok(data.interactions.find((i) => i.id === id).endDate, "it has an end now");
            break;
        }
        assert.ok(performance.now() - since < 5000, "the call never showed stopped");
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(await metric(proxy, 'ucs_proxy_cache_changes_total{source="passthrough"}') >= 1);
    const again = await ask(proxy, b, "alice", "alice-pw", query);
    assert.equal(state(again.data), "Stopped");
});
