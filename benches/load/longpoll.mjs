// Holds N concurrent long-polling CometD sessions (default 10 000) on loopback against a server,
// then fans one message out to all of them, and reports the server's RSS and the delivery
// latency (from the triggering request to each session's connect reply).
//
//   node benches/load/longpoll.mjs <base-url> <cometd-path> <server-pid> <mode> [sessions]
//   mode: "publish" (a client publishes on /bench/fanout, every session subscribed) or
//         "history" (ucs-proxy only: POST RetrieveInteractionHistory as the sessions' user,
//         every session subscribed to /v2/ucs/interactions)
// Run through benches/load/longpoll.sh, which starts ucs-proxy and the reference server.
import http from "node:http";
import fs from "node:fs";

const [base, cometdPath, pid, mode, count = "10000"] = process.argv.slice(2);
const sessions = Number(count);
const url = new URL(base);
const auth = "Basic " + Buffer.from("demo:demo").toString("base64");
// One loopback source address per 25 000 sessions: a source address has ~28 000 ephemeral ports
// towards one server port. Each run of a script takes its own addresses (SOURCE_NET, 0-255:
// 127.SOURCE_NET.0.x), so that a run never waits for ports the previous one left in TIME_WAIT.
const sourceNet = Number(process.env.SOURCE_NET ?? 0);
const agents = Array.from({ length: Math.ceil(sessions / 25000) }, (_, i) =>
    new http.Agent({ keepAlive: true, maxSockets: Infinity, localAddress: `127.${sourceNet}.0.${i + 1}` }));
const channel = mode === "history" ? "/v2/ucs/interactions" : "/bench/fanout";

function post(path, body, cookie, agent = agents[0]) {
    return new Promise((resolve, reject) => {
        const data = JSON.stringify(body);
        const req = http.request({
            host: url.hostname, port: url.port, path, method: "POST", agent,
            headers: {
                "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data),
                Authorization: auth, ...(cookie ? { Cookie: cookie } : {}),
            },
        }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
        });
        req.on("error", reject);
        req.end(data);
    });
}

const rssMiB = () => {
    const line = fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS"));
    return Number(line.split(/\s+/)[1]) / 1024;
};

async function open(index = 0) {
    const agent = agents[index % agents.length];
    const hs = await post(cometdPath + "/handshake",
        [{ channel: "/meta/handshake", version: "1.0", supportedConnectionTypes: ["long-polling"] }],
        undefined, agent);
    const clientId = JSON.parse(hs.text)[0].clientId;
    const cookie = (hs.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
    const connect = { channel: "/meta/connect", clientId, connectionType: "long-polling" };
    await post(cometdPath + "/connect", [{ ...connect, advice: { timeout: 0 } }], cookie, agent);
    await post(cometdPath, [{ channel: "/meta/subscribe", clientId, subscription: channel }], cookie, agent);
    // Hold a connect at once, as a real client does (an idle session would expire during setup).
    const held = post(cometdPath + "/connect", [connect], cookie, agent).then((r) => {
        const events = JSON.parse(r.text).filter((m) => m.channel === channel);
        if (events.length > 0 && t0 > 0) latencies.push(Date.now() - t0);
    });
    return { clientId, cookie, held };
}

let t0 = 0;
const latencies = [];

const rssBefore = rssMiB();
const opened = [];
const started = Date.now();
for (let i = 0; i < sessions; i += 500) {
    const batch = Math.min(500, sessions - i);
    opened.push(...await Promise.all(Array.from({ length: batch }, (_, j) => open(i + j))));
}
const setupSeconds = (Date.now() - started) / 1000;

// Every session now holds a connect.
const held = opened.map((s) => s.held);
await new Promise((r) => setTimeout(r, 2000));
const rssHeld = rssMiB();

t0 = Date.now();
if (mode === "history") {
    await post("/api/v2/ucs/interactions", { operationName: "RetrieveInteractionHistory" });
} else {
    const publisher = await open();
    await post(cometdPath, [{ channel, clientId: publisher.clientId, data: { at: t0 } }], publisher.cookie);
}
await Promise.race([Promise.all(held), new Promise((r) => setTimeout(r, 20000))]);

latencies.sort((a, b) => a - b);
// Over every session: one never notified counts as slower than all (null once it is in the
// percentile: the run failed, whatever the delivered ones measured).
const pct = (p) => latencies[Math.min(sessions - 1, Math.floor((p / 100) * sessions))] ?? null;
console.log(JSON.stringify({
    mode, sessions, delivered: latencies.length, setupSeconds,
    rssMiB: { idle: +rssBefore.toFixed(1), holding: +rssHeld.toFixed(1) },
    kibPerSession: +(((rssHeld - rssBefore) * 1024) / sessions).toFixed(2),
    latencyMs: { p50: pct(50), p99: pct(99), max: latencies.length === sessions ? latencies.at(-1) : null },
}));
agents.forEach((agent) => agent.destroy());
process.exit(0);
