// The real ucs-proxy binary driven by the official CometD JavaScript client (npm `cometd` 9 with
// `cometd-nodejs-client` 2), one process per simulated browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Browser } from "./lib/browser.mjs";
import { startProxy, startRelay, postHistory } from "./lib/servers.mjs";

const UCS = "/v2/ucs/interactions";
let proxy;
const browsers = [];
const browser = (user, password, options, url = proxy.cometdUrl) => {
    const b = new Browser(url, user, password, options);
    browsers.push(b);
    return b;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => { proxy = await startProxy(); });
after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    proxy.stop();
});

test("a history result reaches the caller's sessions and no other user's", async () => {
    const demo = browser("demo", "demo");
    const wildcard = browser("demo", "demo");
    const colleague = browser("novoice", "novoice");
    const stranger = browser("other", "other");
    for (const [b, channel] of [[demo, UCS], [wildcard, "/v2/**"], [colleague, UCS], [stranger, UCS]]) {
        const hs = await b.handshake();
        assert.equal(hs.successful, true, JSON.stringify(hs));
        assert.equal(hs.advice.reconnect, "retry");
        const sub = await b.subscribe(channel);
        assert.equal(sub.successful, true, JSON.stringify(sub));
    }
    await sleep(300); // let every client's long-poll be held

    const ack = await postHistory(proxy.base, "demo", "demo", { operationName: "RetrieveInteractionHistory" });
    assert.equal(ack.status, 200);
    assert.equal(ack.body.statusCode, 0);
    const referenceId = ack.body.referenceId;

    for (const b of [demo, wildcard]) {
        const message = await b.waitFor((e) => e.ev === "message" && e.data.referenceId === referenceId);
        assert.equal(message.channel, UCS);
        assert.equal(message.data.messageType, "GetInteractionsHistoryMessage");
        // The embedded store's demo data: tenant cc1's history of the last month, newest first.
        const interactions = message.data.interactions;
        assert.ok(Array.isArray(interactions) && interactions.length > 0, JSON.stringify(message.data));
        assert.ok(interactions.length <= 100);
        for (const i of interactions) {
            assert.equal(i.uri, "http://127.0.0.1:8080" + i.path);
            assert.match(i.startDate, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000$/);
        }
        const starts = interactions.map((i) => i.startDate);
        assert.deepEqual(starts, [...starts].sort().reverse());
    }
    await sleep(500);
    assert.deepEqual(colleague.messages(), []);
    assert.deepEqual(stranger.messages(), []);

    for (const b of [demo, wildcard, colleague, stranger]) {
        b.send({ op: "disconnect" });
        const bye = await b.waitFor((e) => e.ev === "disconnected");
        assert.equal(bye.successful, true);
    }
});

test("a bad password is refused at the handshake", async () => {
    const intruder = browser("demo", "not-the-password");
    const hs = await intruder.handshake();
    assert.equal(hs.successful, false);
    intruder.send({ op: "disconnect" });
});

test("clients may not publish to /v2/**", async () => {
    const demo = browser("demo", "demo");
    await demo.handshake();
    await demo.subscribe(UCS);
    demo.send({ op: "publish", channel: UCS, data: { forged: true } });
    const reply = await demo.waitFor((e) => e.ev === "published");
    assert.equal(reply.successful, false);
    assert.match(reply.error, /^403:/);
    await sleep(300);
    assert.deepEqual(demo.messages(), []);
});

async function cutLongPollScenario(ack) {
    const relay = await startRelay(proxy.port);
    try {
        const demo = browser("demo", "demo", { ack }, `http://127.0.0.1:${relay.port}/api/v2/notifications`);
        const hs = await demo.handshake();
        assert.equal(hs.successful, true);
        if (ack) assert.equal(hs.ext?.ack, true, JSON.stringify(hs));
        await demo.subscribe(UCS);
        await sleep(300); // the next connect is now held by the proxy
        relay.cutNextResponse = true;
        const { body } = await postHistory(proxy.base, "demo", "demo", { operationName: "RetrieveInteractionHistory" });
        // The proxy answered the held connect with the message; the relay cut it on the way.
        await demo.waitFor((e) => e.ev === "connect" && e.successful === false, 10000, "a failed connect");
        assert.equal(relay.cuts, 1);
        // The client reconnects by itself; a second message follows normally.
        await demo.waitFor((e, i) => e.ev === "connect" && e.successful === true &&
            demo.events.findIndex((f) => f.ev === "connect" && f.successful === false) < i, 10000, "a reconnect");
        const second = await postHistory(proxy.base, "demo", "demo", { operationName: "RetrieveInteractionHistory" });
        await demo.waitFor((e) => e.ev === "message" && e.data.referenceId === second.body.referenceId);
        await sleep(300);
        return demo.messages(UCS).map((m) => m.data.referenceId).filter((id) => id === body.referenceId);
    } finally {
        relay.stop();
    }
}

test("with the ack extension, a long-poll cut mid-way loses nothing and duplicates nothing", async () => {
    const received = await cutLongPollScenario(true);
    assert.equal(received.length, 1, `the cut message arrives exactly once: ${received}`);
});

test("without the ack extension, the same cut loses the message (the scenario really cuts)", async () => {
    const received = await cutLongPollScenario(false);
    assert.equal(received.length, 0);
});
