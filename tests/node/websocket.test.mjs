// The optional WebSocket transport (cometd.websocket = true), driven by the official client with
// only its websocket transport registered.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Browser } from "./lib/browser.mjs";
import { WebSocket } from "ws";
import { startProxy, postHistory, basic } from "./lib/servers.mjs";

const UCS = "/v2/ucs/interactions";
const cleanup = [];
after(async () => { for (const step of cleanup.reverse()) await step(); });

test("over websocket: handshake, subscribe, and a history result delivered to the caller", async () => {
    const proxy = await startProxy({ UCS_PROXY_COMETD__WEBSOCKET: "true" });
    cleanup.push(proxy.stop);
    const demo = new Browser(proxy.cometdUrl, "demo", "demo", { transport: "websocket" });
    const stranger = new Browser(proxy.cometdUrl, "other", "other", { transport: "websocket" });
    cleanup.push(() => demo.close(), () => stranger.close());
    for (const b of [demo, stranger]) {
        const hs = await b.handshake();
        assert.equal(hs.successful, true, JSON.stringify(hs));
        assert.equal((await b.subscribe(UCS)).successful, true);
    }
    await new Promise((r) => setTimeout(r, 300));
    const ack = await postHistory(proxy.base, "demo", "demo", { operationName: "RetrieveInteractionHistory" });
    const message = await demo.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
    assert.equal(message.data.messageType, "GetInteractionsHistoryMessage");
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(stranger.messages(), []);
});

test("websocket is not offered unless enabled: the handshake over it fails", async () => {
    const proxy = await startProxy();
    cleanup.push(proxy.stop);
    const demo = new Browser(proxy.cometdUrl, "demo", "demo", { transport: "websocket" });
    cleanup.push(() => demo.close());
    const hs = await demo.handshake();
    assert.equal(hs.successful, false);
});

test("an upgrade without credentials is refused", async () => {
    const proxy = await startProxy({ UCS_PROXY_COMETD__WEBSOCKET: "true" });
    cleanup.push(proxy.stop);
    const anonymous = new Browser(proxy.cometdUrl, "", "", { transport: "websocket" });
    cleanup.push(() => anonymous.close());
    const hs = await anonymous.handshake();
    assert.equal(hs.successful, false);
});

/** A raw socket on the proxy's CometD endpoint with demo's credentials; resolves once open. */
function rawSocket(proxy) {
    const url = proxy.cometdUrl.replace("http://", "ws://");
    const socket = new WebSocket(url, { headers: { Authorization: basic("demo", "demo") } });
    const closed = new Promise((resolve) => socket.on("close", (code, reason) => resolve({ code, reason: String(reason) })));
    return new Promise((resolve, reject) => {
        socket.on("open", () => resolve({ socket, closed }));
        socket.on("error", reject);
    });
}

// Hardening finding 9: a 48 MiB message was accepted whatever limits.max_body_bytes said, and a
// frame that is not JSON got no answer while the socket stayed open.
test("a message over the body limit closes the socket with 1009, one that is not Bayeux with 1011", async () => {
    const proxy = await startProxy({ UCS_PROXY_COMETD__WEBSOCKET: "true", UCS_PROXY_LIMITS__MAX_BODY_BYTES: "4096" });
    cleanup.push(proxy.stop);
    const big = await rawSocket(proxy);
    big.socket.send("[" + " ".repeat(8192) + "]");
    assert.deepEqual(await big.closed, { code: 1009, reason: "message too big" });
    const garbage = await rawSocket(proxy);
    garbage.socket.send("this is not json");
    assert.deepEqual(await garbage.closed, { code: 1011, reason: "malformed bayeux message" });
    // The proxy keeps serving sockets.
    const fine = await rawSocket(proxy);
    const reply = new Promise((resolve) => fine.socket.on("message", (data) => resolve(JSON.parse(String(data)))));
    fine.socket.send(JSON.stringify([{ channel: "/meta/handshake", version: "1.0", supportedConnectionTypes: ["websocket"] }]));
    assert.equal((await reply)[0].successful, true);
    fine.socket.close();
});
