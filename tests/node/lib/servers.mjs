// The servers the tests talk to: the real ucs-proxy binary, and the official
// cometd-nodejs-server as the reference for differential checks.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import net from "node:net";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const repo = fileURLToPath(new URL("../../../", import.meta.url));

export function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

async function waitListening(port, child) {
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`ucs-proxy exited with ${child.exitCode}`);
        const ok = await new Promise((resolve) => {
            const socket = net.connect(port, "127.0.0.1", () => { socket.end(); resolve(true); });
            socket.on("error", () => resolve(false));
        });
        if (ok) return;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`ucs-proxy did not listen on ${port}`);
}

let workDir;
/** A working directory with a small demo database, made once per test file. */
function demoWorkDir(binary) {
    if (!workDir) {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ucs-proxy-node-"));
        const tool = path.join(path.dirname(binary), "ucs-demo-data");
        const made = spawnSync(tool, ["--interactions", "2000", "--database", "data/demo.db"], { cwd: workDir });
        if (made.status !== 0) throw new Error(`${tool} failed: ${made.stderr}`);
    }
    return workDir;
}

/**
 * Starts target/debug/ucs-proxy (or $UCS_PROXY_BIN) on config/default.toml and a free port, in a
 * working directory holding a small demo database for the embedded store. With `upgrade`, the
 * process takes the listening sockets of the running proxy `upgrade` over (`--upgrade`, same
 * ports): it is returned at once, before that proxy is sent SIGQUIT.
 */
export async function startProxy(env = {}, { config = `${repo}config/default.toml`, upgrade } = {}) {
    const port = upgrade?.port ?? await freePort();
    const adminPort = upgrade?.adminPort ?? await freePort();
    const binary = process.env.UCS_PROXY_BIN ?? `${repo}target/debug/ucs-proxy`;
    const args = ["--config", config, ...(upgrade ? ["--upgrade"] : [])];
    // UCS_PROXY_BIN names the binary; passed on, the proxy would read it as a configuration key.
    const { UCS_PROXY_BIN: _binary, ...inherited } = process.env;
    const child = spawn(binary, args, {
        cwd: demoWorkDir(binary),
        env: {
            ...inherited,
            UCS_PROXY_SERVER__LISTEN: `127.0.0.1:${port}`,
            UCS_PROXY_ADMIN__LISTEN: `127.0.0.1:${adminPort}`,
            UCS_PROXY_LOG__LEVEL: "warn",
            ...env,
        },
        stdio: ["ignore", "ignore", "inherit"],
    });
    const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    if (!upgrade) await waitListening(port, child);
    const base = `http://127.0.0.1:${port}`;
    return {
        port,
        adminPort,
        child,
        exited,
        base,
        cometdUrl: `${base}/api/v2/notifications`,
        adminBase: `http://127.0.0.1:${adminPort}`,
        workDir: demoWorkDir(binary),
        stop: () => child.kill(),
    };
}

/** The official Node CometD server, long-polling, with the ack extension. */
export async function startReference({ timeout = 30000 } = {}) {
    const { createCometDServer } = require("cometd-nodejs-server");
    const { AcknowledgedMessagesExtension } = require("cometd-nodejs-server/ack-extension");
    const cometd = createCometDServer({ timeout });
    cometd.addExtension(new AcknowledgedMessagesExtension());
    const server = http.createServer((req, res) => cometd.handle(req, res));
    const port = await freePort();
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
    return {
        port,
        cometdUrl: `http://127.0.0.1:${port}/cometd`,
        stop: () => { cometd.close(); server.closeAllConnections(); server.close(); },
    };
}

/** The value of one series (`name{labels}` as exposed) on proxy `p`'s /metrics; 0 when absent. */
export async function metric(p, series) {
    const text = await (await fetch(`${p.adminBase}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(series + " "));
    return line ? Number(line.slice(series.length + 1)) : 0;
}

/** `Authorization` header value for Basic credentials. */
export function basic(user, password) {
    return "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
}

/** POSTs a history request as `user` and returns the parsed answer. */
export async function postHistory(base, user, password, body, path = "/api/v2/ucs/interactions") {
    const response = await fetch(base + path, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: basic(user, password) },
        body: JSON.stringify(body),
    });
    return { status: response.status, xCache: response.headers.get("x-cache"), body: await response.json() };
}

/**
 * The reference answer (HistoryQuery::select over every interaction of `tenant` in the proxy's
 * demo database, read without SQL filtering), computed by `ucs-demo-data --reference`.
 */
export function referenceAnswer(proxy, tenant, body) {
    const binary = process.env.UCS_PROXY_BIN ?? `${repo}target/debug/ucs-proxy`;
    const tool = path.join(path.dirname(binary), "ucs-demo-data");
    const run = spawnSync(tool, ["--database", "data/demo.db", "--tenant", tenant, "--reference", JSON.stringify(body)],
        { cwd: proxy.workDir, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`${tool} failed: ${run.stderr}`);
    return JSON.parse(run.stdout);
}

/** The repository's default configuration with its [[backends]] replaced by `backends` (TOML). */
export function configWithBackends(backends) {
    const text = fs.readFileSync(`${repo}config/default.toml`, "utf8");
    const start = text.indexOf("[[backends]]");
    const end = text.indexOf("[log]");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ucs-proxy-config-"));
    const file = path.join(dir, "proxy.toml");
    fs.writeFileSync(file, text.slice(0, start) + backends + "\n" + text.slice(end));
    return file;
}

/**
 * A TCP relay in front of a server, able to cut the next response on the way back: the
 * server has written it, the client never sees it (a long-poll cut mid-way).
 */
export async function startRelay(targetPort) {
    const sockets = new Set();
    const relay = { cutNextResponse: false, cuts: 0 };
    const server = net.createServer((client) => {
        const upstream = net.connect(targetPort, "127.0.0.1");
        sockets.add(client).add(upstream);
        client.on("data", (d) => upstream.write(d));
        upstream.on("data", (d) => {
            if (relay.cutNextResponse) {
                relay.cutNextResponse = false;
                relay.cuts += 1;
                client.destroy();
                upstream.destroy();
            } else {
                client.write(d);
            }
        });
        for (const [a, b] of [[client, upstream], [upstream, client]]) {
            a.on("close", () => b.destroy());
            a.on("error", () => b.destroy());
        }
    });
    const port = await freePort();
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
    relay.port = port;
    relay.stop = () => { for (const s of sockets) s.destroy(); server.close(); };
    return relay;
}
