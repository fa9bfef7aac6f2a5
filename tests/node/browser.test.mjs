// Real headless Chromium (Debian's package, driven by playwright-core) loading an agent desktop
// page served by the GWS simulator through the proxy's passthrough: it logs in once with
// credentials, then uses the official CometD JS client (browser build) and fetch with its cookies
// alone, over two GWS nodes that do not share sessions. A second browser context of the same user
// works independently; a page from another origin works only when [api.cors] allows it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startProxy } from "./lib/servers.mjs";
import { startGwsSimulator, simulatedHistory } from "./lib/gws-simulator.mjs";
import { upstreamConfig } from "./lib/upstream-config.mjs";

const HISTORY = { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: "2000-01-01" };
const cleanups = [];
let browser, gws1, gws2;

before(async () => {
    browser = await chromium.launch({
        executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    cleanups.push(() => browser.close());
    const history = simulatedHistory();
    gws1 = await startGwsSimulator({ name: "gws1", sessions: new Map(), history, csrf: true });
    gws2 = await startGwsSimulator({ name: "gws2", sessions: new Map(), history, csrf: true });
    cleanups.push(() => gws1.stop(), () => gws2.stop());
});

after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
});

async function proxyWith(overrides = {}) {
    const config = upstreamConfig({
        nodes: [gws1.address, gws2.address],
        pluginBase: gws1.base,
        overrides: { 'selection = "session_hash"': 'selection = "round_robin"', ...overrides },
    });
    const proxy = await startProxy({ UCS_PROXY_LOG__FORMAT: "human" }, { config });
    cleanups.push(() => proxy.stop());
    return proxy;
}

/** A new browser context (its own cookie jar) on `url`, with `window.desk` ready. */
async function openDesktop(url) {
    const context = await browser.newContext();
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.desk !== undefined);
    return { context, page };
}

const cookieNamed = async (context, name) => (await context.cookies()).find((c) => c.name === name)?.value;

test("a desktop served through the proxy logs in once, then receives a history result and a HIT with its cookies alone", async () => {
    const proxy = await proxyWith();
    const desks = [];
    for (let i = 0; i < 2; i++) {
        const { context, page } = await openDesktop(`${proxy.base}/desktop/index.html`);
        assert.equal(await page.evaluate(() => desk.login("alice", "alice-pw")), 200);
        const session = await cookieNamed(context, "JSESSIONID");
        assert.ok(session && await cookieNamed(context, "UCSPROXY_NODE"));
        assert.deepEqual(await page.evaluate(() => desk.connect()), { successful: true });
        const miss = await page.evaluate((body) => desk.ask(body), HISTORY);
        assert.equal(miss.status, 200, JSON.stringify(miss.ack));
        assert.ok(Array.isArray(miss.data.interactions), JSON.stringify(miss.data));
        const hit = await page.evaluate((body) => desk.ask(body), HISTORY);
        assert.equal(hit.xCache, "HIT");
        assert.deepEqual(hit.data.interactions, miss.data.interactions);
        assert.equal(await cookieNamed(context, "JSESSIONID"), session, "the session never changed");
        desks.push({ context, session });
    }
    assert.notEqual(desks[0].session, desks[1].session, "two contexts, two independent sessions");
});

test("a page of another origin works when [api.cors] allows it and is refused when it does not", async () => {
    // The page is served by the simulator itself: another origin than the proxy's.
    const allowed = await proxyWith({ "verbose_errors = false": `verbose_errors = false\n[api.cors]\nallowed_origins = ["${gws1.base}"]` });
    const denied = await proxyWith();
    const { page } = await openDesktop(`${gws1.base}/desktop/index.html?proxy=${allowed.base}`);
    const credentials = { user: "alice", password: "alice-pw" };
    // Its first call carries the credentials and opens its session on the proxy's origin.
    const first = await page.evaluate(([body, c]) => desk.ask(body, c, false), [HISTORY, credentials]);
    assert.equal(first.status, 200, JSON.stringify(first.ack));
    assert.deepEqual(await page.evaluate(() => desk.connect()), { successful: true });
    const second = await page.evaluate((body) => desk.ask(body), HISTORY);
    assert.equal(second.status, 200);
    assert.ok(Array.isArray(second.data.interactions));

    const { page: refused } = await openDesktop(`${gws1.base}/desktop/index.html?proxy=${denied.base}`);
    const error = await refused.evaluate(([body, c]) => desk.ask(body, c, false).then(() => "answered", (e) => String(e)), [HISTORY, credentials]);
    assert.match(error, /Failed to fetch/);
});
