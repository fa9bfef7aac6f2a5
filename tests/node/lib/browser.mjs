// The test side of a simulated browser process (see ../browser-process.mjs).
import { spawn } from "node:child_process";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../browser-process.mjs", import.meta.url));

export class Browser {
    constructor(url, user, password, options = {}) {
        this.events = [];
        this.waiters = [];
        this.child = spawn(process.execPath, [script, url, user ?? "", password ?? "", JSON.stringify(options)], {
            stdio: ["pipe", "pipe", "inherit"],
        });
        readline.createInterface({ input: this.child.stdout }).on("line", (line) => {
            this.events.push(JSON.parse(line));
            for (const waiter of [...this.waiters]) waiter();
        });
    }

    send(command) {
        this.child.stdin.write(JSON.stringify(command) + "\n");
    }

    /** Resolves with the first event (past or future) matching `predicate`. */
    waitFor(predicate, timeoutMs = 10000, what = predicate.toString()) {
        return new Promise((resolve, reject) => {
            const check = () => {
                const found = this.events.find(predicate);
                if (found) {
                    this.waiters = this.waiters.filter((w) => w !== check);
                    clearTimeout(timer);
                    resolve(found);
                    return true;
                }
                return false;
            };
            const timer = setTimeout(() => {
                this.waiters = this.waiters.filter((w) => w !== check);
                reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events)}`));
            }, timeoutMs);
            if (!check()) this.waiters.push(check);
        });
    }

    messages(channel) {
        return this.events.filter((e) => e.ev === "message" && (!channel || e.channel === channel));
    }

    async handshake() {
        await this.waitFor((e) => e.ev === "ready");
        this.send({ op: "handshake" });
        return this.waitFor((e) => e.ev === "handshake");
    }

    async subscribe(channel) {
        this.send({ op: "subscribe", channel });
        return this.waitFor((e) => e.ev === "subscribed" && e.channel === channel);
    }

    async close() {
        if (this.child.exitCode === null) {
            this.send({ op: "disconnect" });
            await this.waitFor((e) => e.ev === "disconnected", 5000).catch(() => {});
            this.child.kill();
        }
    }
}
