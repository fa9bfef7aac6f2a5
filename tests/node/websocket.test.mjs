// The optional WebSocket transport (cometd.websocket = true), driven by the official client with
// only its websocket transport registered.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory } from "./lib/servers.mjs";

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
