// Differential check: the same client scenarios against ucs-proxy and the official
// cometd-nodejs-server (the reference), compared on what a client observes: replies'
// `successful` and `advice.reconnect`, what is delivered, and in which order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Browser } from "./lib/browser.mjs";
import { startProxy, startReference, basic } from "./lib/servers.mjs";

let servers;
const browsers = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
    const proxy = await startProxy();
    const reference = await startReference();
    servers = { proxy, reference };
});
after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    servers.proxy.stop();
    servers.reference.stop();
});

function open(server, options = {}) {
    // The reference ignores credentials; ucs-proxy needs them.
    const b = new Browser(server.cometdUrl, "demo", "demo", options);
    browsers.push(b);
    return b;
}

/** What a client observes, without ids, clientIds or timing. */
function transcript(b) {
    return b.events
        .filter((e) => e.ev !== "ready" && e.ev !== "connect")
        .map((e) => {
            const { ev, successful, channel, data, advice } = e;
            return JSON.stringify({ ev, successful, channel, data, reconnect: advice?.reconnect });
        });
}

async function onBoth(scenario) {
    const results = {};
    for (const [name, server] of Object.entries(servers)) {
        results[name] = await scenario(server);
    }
    assert.deepEqual(results.proxy, results.reference);
    return results.proxy;
}

test("handshake, subscribe, publish, receive, unsubscribe, disconnect", async () => {
    const seen = await onBoth(async (server) => {
        const b = open(server);
        await b.handshake();
        await b.subscribe("/test/echo");
        for (const n of [1, 2, 3]) {
            b.send({ op: "publish", channel: "/test/echo", data: { n } });
            await b.waitFor((e) => e.ev === "message" && e.data.n === n);
        }
        b.send({ op: "unsubscribe", channel: "/test/echo" });
        await b.waitFor((e) => e.ev === "unsubscribed");
        b.send({ op: "publish", channel: "/test/echo", data: { n: 4 } });
        await b.waitFor((e) => e.ev === "published" && e.channel === "/test/echo" &&
            b.events.filter((f) => f.ev === "published").length === 4);
        await sleep(200);
        b.send({ op: "disconnect" });
        await b.waitFor((e) => e.ev === "disconnected");
        // Publish acknowledgements and deliveries may interleave differently; compare each stream.
        const t = transcript(b);
        return {
            deliveries: t.filter((l) => l.includes('"message"')),
            replies: t.filter((l) => !l.includes('"message"')).sort(),
        };
    });
    assert.equal(seen.deliveries.length, 3);
});

test("wildcards: ** spans segments, * exactly one", async () => {
    const seen = await onBoth(async (server) => {
        const b = open(server);
        await b.handshake();
        await b.subscribe("/a/**");
        await b.subscribe("/b/*");
        for (const channel of ["/a/b/c", "/a/x", "/b/c/d", "/b/y"]) {
            b.send({ op: "publish", channel, data: { channel } });
            await b.waitFor((e) => e.ev === "published" && e.channel === channel);
        }
        await sleep(300);
        return b.messages().map((m) => m.channel);
    });
    assert.deepEqual(seen, ["/a/b/c", "/a/x", "/b/y"]);
});

test("the ack extension is confirmed and connects carry numeric batches", async () => {
    await onBoth(async (server) => {
        const b = open(server, { ack: true });
        const hs = await b.handshake();
        await b.subscribe("/test/ack");
        b.send({ op: "publish", channel: "/test/ack", data: { n: 1 } });
        await b.waitFor((e) => e.ev === "message");
        const connect = await b.waitFor((e) => e.ev === "connect" && typeof e.ext?.ack === "number");
        return { handshakeAck: hs.ext?.ack, connectAckIsNumber: typeof connect.ext.ack === "number" };
    });
});

test("an unknown clientId is told to handshake again", async () => {
    await onBoth(async (server) => {
        const response = await fetch(server.cometdUrl + "/connect", {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: basic("demo", "demo") },
            body: JSON.stringify([{ id: "1", channel: "/meta/connect", clientId: "nope", connectionType: "long-polling" }]),
        });
        const [reply] = await response.json();
        return {
            status: response.status,
            id: reply.id,
            successful: reply.successful,
            reconnect: reply.advice?.reconnect,
            errorCode: reply.error?.split(":")[0],
        };
    });
});

test("malformed bodies are refused with HTTP 400", async () => {
    await onBoth(async (server) => {
        const response = await fetch(server.cometdUrl, {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: basic("demo", "demo") },
            body: "this is not json",
        });
        return response.status;
    });
});
