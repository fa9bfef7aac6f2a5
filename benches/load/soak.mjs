// The soak's traffic: for DURATION seconds, against a running ucs-proxy, at once
//   - SESSIONS CometD long-poll sessions (raw Bayeux over keep-alive HTTP) of user `other`, each
//     holding its connect; CHURN of them a second disconnect and handshake again;
//   - hit loops: user `demo` POSTing a few cached queries back to back (no session: their
//     notifications wait parked, at most 16);
//   - misses: distinct queries of user `novoice` at MISS_RATE a second, each awaited on its own
//     CometD session (POST → notification);
// (A notification goes to every session of its user: idle agents are one user, the askers
// others, so that the held sessions model agents between queries, not a fan-out test.)
//   - bad inputs (malformed JSON, bad parameters, broken chunking, oversize bodies) from
//     127.0.0.3, and wrong passwords of an unknown user from 127.0.0.2, a few a second.
// Errors are what normal traffic should never see: a 5xx, a connection error, a failed or
// missing notification, a bad input answered otherwise than by its 4xx. Prints JSON lines:
// a sample (RSS, open fds, requests so far) at start (after WARMUP_SECONDS, 20 by default),
// middle and end, then the summary. With a small cache budget (UCS_PROXY_CACHE__MAX_BYTES) the
// warm-up fills the cache, and RSS after it shows what the rest of the process does.
//
//   node benches/load/soak.mjs <base-url> <proxy-pid> [duration-seconds]
import http from "node:http";
import net from "node:net";
import fs from "node:fs";

const [base, pid, durationArg = "600"] = process.argv.slice(2);
const DURATION = Number(durationArg) * 1000;
const SESSIONS = Number(process.env.SESSIONS ?? 2000);
const CHURN = Number(process.env.CHURN ?? 20);
const HIT_LOOPS = Number(process.env.HIT_LOOPS ?? 4);
const MISS_RATE = Number(process.env.MISS_RATE ?? 10);
const BAD_RATE = Number(process.env.BAD_RATE ?? 5);
const url = new URL(base);
const UCS = "/v2/ucs/interactions";
const COMETD = "/api/v2/notifications";
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const basic = (user, password) => "Basic " + Buffer.from(`${user}:${password}`).toString("base64");

const stats = { hits: 0, misses: 0, notified: 0, bad: 0, wrongPasswords: 0, handshakes: 0, connects: 0, errors: 0, errorSamples: [] };
const ackLatencies = { hit: [], miss: [] };
const missLatencies = [];
let running = true;

function error(what) {
    stats.errors++;
    if (stats.errorSamples.length < 20) stats.errorSamples.push(what);
}

function request({ path, body, headers = {}, localAddress, raw }) {
    return new Promise((resolve, reject) => {
        const data = raw ?? JSON.stringify(body);
        const req = http.request({
            host: url.hostname, port: url.port, path, method: "POST", agent: localAddress ? undefined : agent, localAddress,
            headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data), ...headers },
        }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
        });
        req.setTimeout(60000, () => req.destroy(new Error("timeout")));
        req.on("error", reject);
        req.end(data);
    });
}

const rssMiB = () => Number(fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024;
const fds = () => fs.readdirSync(`/proc/${pid}/fd`).length;
const pct = (list, p) => {
    const sorted = [...list].sort((a, b) => a - b);
    return sorted.length ? +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(2) : null;
};

// --- CometD sessions -------------------------------------------------------------------------
const waiting = new Map(); // referenceId → resolve
class Session {
    constructor(user) { this.user = user; this.auth = basic(user, user); }
    async open() {
        const hs = await request({ path: COMETD + "/handshake", headers: { Authorization: this.auth },
            body: [{ channel: "/meta/handshake", version: "1.0", supportedConnectionTypes: ["long-polling"] }] });
        const reply = JSON.parse(hs.text)[0];
        if (hs.status !== 200 || !reply.successful) throw new Error(`handshake ${hs.status} ${hs.text}`);
        stats.handshakes++;
        this.clientId = reply.clientId;
        this.cookie = (hs.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
        this.headers = { Authorization: this.auth, Cookie: this.cookie };
        await this.send("/connect", [{ channel: "/meta/connect", clientId: this.clientId, connectionType: "long-polling", advice: { timeout: 0 } }]);
        await this.send("", [{ channel: "/meta/subscribe", clientId: this.clientId, subscription: UCS }]);
        this.open_ = true;
        this.poll();
    }
    async send(suffix, messages) {
        const r = await request({ path: COMETD + suffix, headers: this.headers, body: messages });
        if (r.status !== 200) throw new Error(`${suffix || "/"} ${r.status} ${r.text}`);
        return JSON.parse(r.text);
    }
    async poll() {
        while (running && this.open_) {
            let messages;
            try {
                messages = await this.send("/connect", [{ channel: "/meta/connect", clientId: this.clientId, connectionType: "long-polling" }]);
            } catch (e) {
                if (this.open_ && running) error(`connect: ${e.message}`);
                return;
            }
            stats.connects++;
            for (const m of messages) {
                if (m.channel === UCS) {
                    const done = waiting.get(m.data.referenceId);
                    if (done) { waiting.delete(m.data.referenceId); done(m.data); }
                } else if (m.channel === "/meta/connect" && !m.successful && this.open_) {
                    error(`connect refused: ${JSON.stringify(m)}`);
                    return;
                }
            }
        }
    }
    async close() {
        this.open_ = false;
        await this.send("/disconnect", [{ channel: "/meta/disconnect", clientId: this.clientId }]);
    }
}

// --- traffic ---------------------------------------------------------------------------------
// The last month of the demo data (written relative to now).
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const HIT_QUERIES = ["chat", "email", "call", undefined].map((mediaType) => ({ operationName: "RetrieveInteractionHistory", mediaType, fromDate: day(-30), toDate: day(1) }));

async function hitLoop() {
    const user = "demo";
    let n = 0;
    while (running) {
        const body = HIT_QUERIES[n++ % HIT_QUERIES.length];
        const t = performance.now();
        try {
            const r = await request({ path: "/api/v2/ucs/interactions", headers: { Authorization: basic(user, user) }, body });
            ackLatencies.hit.push(performance.now() - t);
            if (r.status !== 200) error(`hit ${r.status} ${r.text}`);
            else stats.hits++;
        } catch (e) { error(`hit: ${e.message}`); }
    }
}

let missNumber = 0;
async function miss() {
    const body = { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: day(-30), toDate: day(1), customAttributes: [`soak-${missNumber++}`] };
    const t = performance.now();
    try {
        const r = await request({ path: "/api/v2/ucs/interactions", headers: { Authorization: basic("novoice", "novoice") }, body });
        ackLatencies.miss.push(performance.now() - t);
        if (r.status !== 200) return error(`miss ${r.status} ${r.text}`);
        stats.misses++;
        const { referenceId } = JSON.parse(r.text);
        const data = await new Promise((resolve) => {
            waiting.set(referenceId, resolve);
            setTimeout(() => { if (waiting.delete(referenceId)) resolve(null); }, 20000);
        });
        if (!data) return error(`no notification for ${referenceId}`);
        if (data.errorMessage) return error(`notification failed: ${data.errorMessage}`);
        missLatencies.push(performance.now() - t);
        stats.notified++;
    } catch (e) { error(`miss: ${e.message}`); }
}

const BAD = [
    { raw: "{not json", status: 400 },
    { raw: JSON.stringify({ operationName: "RetrieveInteractionHistory", maxSize: "many" }), status: 400 },
    { raw: JSON.stringify({ operationName: "NoSuchOperation" }), status: 400 },
    { raw: JSON.stringify({ operationName: "RetrieveInteractionHistory", pad: "x".repeat(70000) }), status: 413 },
];

function brokenChunking() {
    return new Promise((resolve) => {
        const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress: "127.0.0.3" }, () => {
            socket.end(`POST /api/v2/ucs/interactions HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic("demo", "demo")}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`);
        });
        let text = "";
        socket.on("data", (c) => (text += c));
        socket.on("close", () => resolve(text.slice(9, 12)));
        socket.on("error", () => resolve("error"));
    });
}

let badNumber = 0;
async function bad() {
    const n = badNumber++;
    try {
        if (n % 5 === 4) {
            const status = await brokenChunking();
            if (status !== "400") error(`broken chunking answered ${status}`);
        } else {
            const { raw, status } = BAD[n % 4];
            const r = await request({ path: "/api/v2/ucs/interactions", headers: { Authorization: basic("demo", "demo") }, raw, localAddress: "127.0.0.3" });
            if (r.status !== status) error(`bad input ${n % 4} answered ${r.status}`);
        }
        stats.bad++;
    } catch (e) {
        // An oversize body is refused before it is all sent: the server may close while we write.
        if (n % 5 !== 3) error(`bad input: ${e.message}`); else stats.bad++;
    }
}

async function wrongPassword() {
    try {
        const r = await request({ path: "/api/v2/ucs/interactions", headers: { Authorization: basic("mallory", "guess") }, body: { operationName: "RetrieveInteractionHistory" }, localAddress: "127.0.0.2" });
        if (r.status !== 401 && r.status !== 429) error(`wrong password answered ${r.status}`);
        stats.wrongPasswords++;
    } catch (e) { error(`wrong password: ${e.message}`); }
}

function every(ms, task) {
    const timer = setInterval(() => { if (running) task(); }, ms);
    return () => clearInterval(timer);
}

function sample(label) {
    const line = { sample: label, atSeconds: Math.round((performance.now() - startedAt) / 1000), rssMiB: +rssMiB().toFixed(1), fds: fds(), ...stats, errorSamples: undefined };
    console.log(JSON.stringify(line));
    return line;
}

// --- run -------------------------------------------------------------------------------------
const sessions = [];
for (let i = 0; i < SESSIONS; i += 200) {
    const batch = Array.from({ length: Math.min(200, SESSIONS - i) }, () => new Session("other"));
    await Promise.all(batch.map((s) => s.open()));
    sessions.push(...batch);
}
// The asker of the misses: its notifications arrive here.
const asker = new Session("novoice");
await asker.open();
const startedAt = performance.now();
const WARMUP = Number(process.env.WARMUP_SECONDS ?? 20) * 1000;
const warmup = new Promise((r) => setTimeout(r, WARMUP));
const stops = [
    every(1000 / MISS_RATE, miss),
    every(1000 / BAD_RATE, bad),
    every(1000, wrongPassword),
    every(1000, async () => {
        for (let k = 0; k < CHURN; k++) {
            const i = Math.floor(Math.random() * sessions.length);
            const old = sessions[i];
            const fresh = new Session(old.user);
            sessions[i] = fresh;
            try {
                await old.close();
                await fresh.open();
            } catch (e) { error(`churn: ${e.message}`); }
        }
    }),
];
const hitLoops = Array.from({ length: HIT_LOOPS }, () => hitLoop());
await warmup;
const samples = [sample("start")];
await new Promise((r) => setTimeout(r, Math.max(0, DURATION / 2 - WARMUP)));
samples.push(sample("middle"));
await new Promise((r) => setTimeout(r, DURATION / 2));
samples.push(sample("end"));
running = false;
for (const stop of stops) stop();
await Promise.all(hitLoops);
console.log(JSON.stringify({
    summary: true, seconds: DURATION / 1000, sessions: SESSIONS, errors: stats.errors, errorSamples: stats.errorSamples,
    requests: { hits: stats.hits, misses: stats.misses, notified: stats.notified, bad: stats.bad, wrongPasswords: stats.wrongPasswords, handshakes: stats.handshakes },
    ackMs: { hitP50: pct(ackLatencies.hit, 50), hitP99: pct(ackLatencies.hit, 99), missP99: pct(ackLatencies.miss, 99) },
    missToNotificationMs: { p50: pct(missLatencies, 50), p99: pct(missLatencies, 99) },
    rssMiB: samples.map((s) => s.rssMiB), fds: samples.map((s) => s.fds),
}));
process.exit(0);
