// A real nginx (Debian package) in front of three clustered nodes, with the repository's own
// configuration (config/nginx/cluster.conf, its ports replaced by the test's): history POSTs go
// round robin over the nodes, the CometD long-polls stick to one node, and every notification
// reaches the desktop.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory, metric, freePort } from "./lib/servers.mjs";

const repo = new URL("../../", import.meta.url).pathname;
const PREFIX = `nginx-${process.pid}-${Date.now()}:`;
const nodes = [];
let nginx;
let front;
let desk;

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** config/nginx/cluster.conf with the test's ports, inside a main configuration of its own. */
function nginxConfig(dir, listen) {
    let servers = fs.readFileSync(`${repo}config/nginx/cluster.conf`, "utf8");
    ["8081", "8082", "8083"].forEach((port, i) => {
        servers = servers.replaceAll(`127.0.0.1:${port};`, `127.0.0.1:${nodes[i].port};`);
    });
    servers = servers.replace("listen 8080;", `listen 127.0.0.1:${listen};`);
    return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
${servers}
}
`;
}

before(async () => {
    for (const name of ["A", "B", "C"]) {
        nodes.push(await startProxy({
            UCS_PROXY_CLUSTER__ENABLED: "true",
            UCS_PROXY_CLUSTER__NODE_ID: name,
            UCS_PROXY_CLUSTER__KEY_PREFIX: PREFIX,
            UCS_PROXY_CLUSTER__HEARTBEAT_MS: "300",
        }));
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ucs-nginx-"));
    const listen = await freePort();
    fs.writeFileSync(`${dir}/nginx.conf`, nginxConfig(dir, listen));
    const binary = fs.existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
    nginx = spawn(binary, ["-c", `${dir}/nginx.conf`, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "inherit"] });
    front = `http://127.0.0.1:${listen}`;
    for (let i = 0; ; i++) {
        const up = await fetch(`${front}/api/v2/notifications`).then(() => true, () => false);
        const joined = await Promise.all(nodes.map(async (p) => (await (await fetch(`${p.adminBase}/readyz`)).json()).cluster === "up"));
        if (up && joined.every(Boolean)) break;
        assert.ok(i < 200, "nginx and the nodes are up");
        await sleep(50);
    }
});

after(async () => {
    await desk?.close();
    nginx?.kill();
    for (const p of nodes) p.stop();
});

test("through nginx: round-robin POSTs reach the desktop whose long-poll sticks to one node", async () => {
    desk = new Browser(`${front}/api/v2/notifications`, "demo", "demo");
    assert.equal((await desk.handshake()).successful, true);
    assert.equal((await desk.subscribe("/v2/ucs/interactions")).successful, true);
    await sleep(700); // the subscribe's presence record, and a connect held on the session's node
    const before = await Promise.all(nodes.map((p) => metric(p, 'ucs_proxy_requests_total{operation="RetrieveInteractionHistory",outcome="accepted"}')));
    for (let i = 0; i < 9; i++) {
        const body = { operationName: "RetrieveInteractionHistory", mediaType: "chat", fromDate: day(-200), toDate: day(1), maxSize: 30 + i };
        const ack = await postHistory(front, "demo", "demo", body);
        assert.equal(ack.status, 200, JSON.stringify(ack.body));
        const message = await desk.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
        assert.equal(message.data.messageType, "GetInteractionsHistoryMessage");
        assert.ok(message.data.interactions.length <= 30 + i);
    }
    const after = await Promise.all(nodes.map((p) => metric(p, 'ucs_proxy_requests_total{operation="RetrieveInteractionHistory",outcome="accepted"}')));
    const served = after.map((n, i) => n - before[i]);
    assert.deepEqual(served, [3, 3, 3], "nginx spread the POSTs round robin");
});
