// The product's main job end to end, with the official CometD JS client against the real binary
// on the embedded store: the seed's sample request (dates and ids adjusted to the demo data) is
// answered with the reference semantics, an identical (normalized) query is a cache HIT, no
// cached result crosses users or tenants, and backend failures are delivered and not cached.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory, referenceAnswer, configWithBackends, metric } from "./lib/servers.mjs";

const UCS = "/v2/ucs/interactions";
const DEMO_ID = "cc9016eee9c84dfeb266c642d9fd92c5";
const proxies = [];
const browsers = [];
let proxy;

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

async function subscribed(url, user) {
    const b = new Browser(url, user, user);
    browsers.push(b);
    assert.equal((await b.handshake()).successful, true);
    assert.equal((await b.subscribe(UCS)).successful, true);
    return b;
}

async function started(env, options) {
    const p = await startProxy(env, options);
    proxies.push(p);
    return p;
}

/** POSTs `body` as `user`, then waits for the notification of its referenceId. */
async function ask(p, b, user, body) {
    const ack = await postHistory(p.base, user, user, body);
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    const { referenceId } = ack.body;
    const message = await b.waitFor((e) => e.ev === "message" && e.data.referenceId === referenceId);
    assert.equal(message.channel, UCS);
    assert.equal(message.data.messageType, "GetInteractionsHistoryMessage");
    return { xCache: ack.xCache, data: message.data };
}

/** The seed request (crates/ucs-model/tests/fixtures/seed-request.json) over the demo data. */
function seedRequest() {
    const window = { operationName: "RetrieveInteractionHistory", fromDate: day(-200), toDate: day(1), userId: DEMO_ID, maxSize: 1000, customAttributes: ["SearchId"] };
    const owned = referenceAnswer(proxy, "cc1", window);
    const searchId = owned.find((i) => i.customAttributes?.SearchId)?.customAttributes?.SearchId;
    assert.ok(searchId, "the demo data has an interaction of the demo user with a SearchId");
    return {
        operationName: "RetrieveInteractionHistory",
        fromDate: day(-200),
        toDate: day(1),
        userId: DEMO_ID,
        sort: "asc",
        searchCustomAttributes: { SearchId: searchId },
        customAttributes: ["SearchId", "CustomerId"],
    };
}

/** The same query, written differently: other key order, list order, enum case, a default stated. */
function permuted(request) {
    return {
        customAttributes: [...request.customAttributes].reverse().concat(request.customAttributes[0]),
        searchCustomAttributes: request.searchCustomAttributes,
        sort: "ASC",
        source: "main",
        userId: request.userId,
        toDate: request.toDate,
        fromDate: request.fromDate,
        operationName: request.operationName,
    };
}

before(async () => { proxy = await started(); });
after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    for (const p of proxies) p.stop();
});

test("the seed request gets the reference answer, and its permutation is a HIT", async () => {
    const demo = await subscribed(proxy.cometdUrl, "demo");
    const request = seedRequest();
    const expected = referenceAnswer(proxy, "cc1", request);
    assert.ok(expected.length > 0);

    const first = await ask(proxy, demo, "demo", request);
    assert.equal(first.xCache, "MISS");
    assert.deepEqual(first.data.interactions, expected);

    const hitsBefore = await metric(proxy, 'ucs_proxy_cache_requests_total{media_type="chat",result="hit"}');
    const second = await ask(proxy, demo, "demo", permuted(request));
    assert.equal(second.xCache, "HIT");
    assert.deepEqual(second.data.interactions, expected);
    const hitsAfter = await metric(proxy, 'ucs_proxy_cache_requests_total{media_type="chat",result="hit"}');
    assert.equal(hitsAfter, hitsBefore + 1, "one hit per media type part, chat among them");
});

test("no cached result reaches another user or tenant", async () => {
    const demo = await subscribed(proxy.cometdUrl, "demo");
    const novoice = await subscribed(proxy.cometdUrl, "novoice");
    const other = await subscribed(proxy.cometdUrl, "other");
    const request = { operationName: "RetrieveInteractionHistory", fromDate: day(-200), toDate: day(1), maxSize: 50 };
    const demoAnswer = await ask(proxy, demo, "demo", request);
    assert.deepEqual(demoAnswer.data.interactions, referenceAnswer(proxy, "cc1", request));

    // Same tenant, another user without the voice feature: not a HIT, and no call in the answer.
    const colleague = await ask(proxy, novoice, "novoice", request);
    assert.equal(colleague.xCache, "MISS");
    assert.ok(colleague.data.interactions.length > 0);
    assert.ok(colleague.data.interactions.every((i) => i.mediaType.toLowerCase() !== "call"));
    const withoutCalls = referenceAnswer(proxy, "cc1", { ...request, maxSize: 1000 })
        .filter((i) => i.mediaType.toLowerCase() !== "call").slice(0, 50);
    assert.deepEqual(colleague.data.interactions, withoutCalls);

    // Another tenant: its own history only.
    const stranger = await ask(proxy, other, "other", request);
    assert.equal(stranger.xCache, "MISS");
    assert.deepEqual(stranger.data.interactions, referenceAnswer(proxy, "cc2", request));
    assert.ok(stranger.data.interactions.every((i) => !demoAnswer.data.interactions.some((d) => d.id === i.id)));
});

test("a user without api-ucs-voice asking for call is refused before the ack", async () => {
    const refused = await postHistory(proxy.base, "novoice", "novoice",
        { operationName: "RetrieveInteractionHistory", mediaType: "call" });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.statusCode, 3);
    assert.match(refused.body.statusMessage, /api-ucs-voice/);
});

test("a backend timeout delivers the errorMessage form and is not cached", async () => {
    const config = configWithBackends(
        '[[backends]]\nlibrary = "libucs_plugin_fault_test.so"\ntimeout_ms = 300\n[backends.config]\nmode = "hang"\n');
    const hanging = await started({}, { config });
    const demo = await subscribed(hanging.cometdUrl, "demo");
    const request = { operationName: "RetrieveInteractionHistory", mediaType: "chat" };
    for (let i = 0; i < 2; i++) {
        const answer = await ask(hanging, demo, "demo", request);
        assert.equal(answer.xCache, "MISS", "a failure is never cached");
        assert.deepEqual(Object.keys(answer.data), ["referenceId", "messageType", "errorMessage"]);
        assert.equal(answer.data.errorMessage, "Request failed");
    }
    assert.equal(await metric(hanging, 'ucs_proxy_backend_errors_total{backend="fault-test",kind="timeout",media_type="chat"}'), 2);
});
