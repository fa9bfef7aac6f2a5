// config/upstream.toml, pointed at GWS simulator nodes: what the upstream-mode tests run.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SIM_USERS } from "./gws-simulator.mjs";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const svc = SIM_USERS.find((u) => u.userName === "svc");

/**
 * config/upstream.toml with the example hosts replaced by the simulator nodes and with shorter
 * timeouts; `pluginBase` is where the gws-upstream plugin goes.
 */
export function upstreamConfig({ nodes, pluginBase, overrides = {} }) {
    let text = fs.readFileSync(`${repo}config/upstream.toml`, "utf8");
    const replace = (from, to) => {
        assert.ok(text.includes(from), `config/upstream.toml holds ${from}`);
        text = text.replace(from, to);
    };
    replace(`servers = ["gws1.example.internal:8090", "gws2.example.internal:8090"]`,
        `servers = ${JSON.stringify(nodes)}`);
    replace(`base_url = "http://gws1.example.internal:8090"`, `base_url = "${pluginBase}"`);
    replace(`user_name = "svc-ucs-proxy"`, `user_name = "${svc.userName}"`);
    replace(`password = "change-me"`, `password = "${svc.password}"`);
    replace(`health_check_interval_ms = 2000`, `health_check_interval_ms = 200`);
    replace(`timeout_ms = 25000`, `timeout_ms = 8000`);
    replace(`result_timeout_ms = 20000`, `result_timeout_ms = 4000`);
    for (const [from, to] of Object.entries(overrides)) replace(from, to);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ucs-proxy-upstream-"));
    const file = path.join(dir, "upstream.toml");
    fs.writeFileSync(file, text);
    return file;
}

