// A GWS simulator: the stand-in for the existing Genesys Web Services node that the proxy is
// deployed in front of (there is no GWS/UCS on this machine). It reuses no part of the proxy: its
// CometD server is the official `cometd-nodejs-server` (GWS itself runs a CometD server), and its
// HTTP side is a small handler written here from the public GWS documentation
// (shared/notes/gws-api-notes.md):
//   * HTTP Basic or the JSESSIONID session cookie; a Basic login opens a session;
//   * optional CSRF: every GET returns X-CSRF-HEADER / X-CSRF-TOKEN, every POST must send it
//     (HTTP 403 "Missing or invalid Csrf token");
//   * GET /api/v2/me[?subresources=features] → {"statusCode":0,"user":{...,"contactCenterId",
//     "features":[{"name":...}]}}; no or bad credentials → HTTP 401 {"statusCode":20,...};
//   * POST /api/v2/ucs/interactions (RetrieveInteractionHistory, RetrieveAgentHistory) and
//     POST /api/v2/ucs/contacts/{id}/interactions (RetrieveContactHistory): the ack
//     {"statusCode":0,"referenceId":N}, then after `delayMs` a GetInteractionsHistoryMessage on
//     /v2/ucs/interactions to the caller's CometD sessions (or its errorMessage form);
//   * POST /api/v2/ucs/interactions/{id} with SetCallCompleted (callDuration, in seconds: the
//     call stops that long after its start), SetCallNote (note) or SetCallContact (contactPath:
//     the contact is its last segment): the ack, then after `delayMs` (as UCS applies writes
//     after GWS acknowledges them) the change and a UcsOperationResponse {success} to the
//     caller's CometD sessions;
//   * POST /api/v2/ucs/interactions/{id} with GetInteractionContent (source main|archive): the
//     ack, then a GetInteractionContentMessage with the interaction (all its attributes, a text,
//     and for e-mail a structured text and an attachment) and, for chats, a transcript; an id
//     the caller's tenant does not hold gets the errorMessage form ("UCS request failed");
//   * /api/v2/notifications/** → the CometD server (handshake only with valid credentials);
//   * a few other routes (GET /api/v2/me/calls, GET /api/v2/diagnostics/version, POST /api/v2/me,
//     and /api/v2/diagnostics/echo, which answers what it received) so passthrough can be seen.
// Every answer carries `X-Gws-Node: <name>`.
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { freePort } from "./servers.mjs";
import { ALL_FEATURES, SIM_USERS, answerOf, applyWrite, contentOf, gwsDate, simulatedHistory } from "./gws-data.mjs";

export { ALL_FEATURES, SIM_USERS, answerOf, contentOf, gwsDate, simulatedHistory };

const require = createRequire(import.meta.url);
const HISTORY_CHANNEL = "/v2/ucs/interactions";
const ACCESS_DENIED = { statusCode: 20, statusMessage: "Access denied" };
const OPERATIONS = ["RetrieveInteractionHistory", "RetrieveAgentHistory"];

/** A queued failure that acknowledges a request and never notifies it. */
const SILENCE = Symbol("silence");

function parseCookies(header) {
    const cookies = {};
    for (const part of (header ?? "").split(";")) {
        const at = part.indexOf("=");
        if (at > 0) cookies[part.slice(0, at).trim()] = part.slice(at + 1).trim();
    }
    return cookies;
}

function readBody(req) {
    return new Promise((resolve) => {
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
}

const desktopDir = fileURLToPath(new URL("./desktop/", import.meta.url));
const cometdDir = fileURLToPath(new URL("../node_modules/cometd/", import.meta.url));

/** The test desktop page (`/desktop/`) and the CometD browser modules it imports. */
function serveDesktop(pathname, res) {
    const name = pathname.slice("/desktop/".length) || "index.html";
    const file = name.startsWith("cometd/") ? cometdDir + name.slice("cometd/".length) : desktopDir + name;
    if (name.includes("..") || !fs.existsSync(file)) {
        res.writeHead(404);
        return res.end();
    }
    res.writeHead(200, { "Content-Type": file.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8" });
    res.end(fs.readFileSync(file));
}

/**
 * Starts one simulated GWS node. Options: `name` (X-Gws-Node), `users`, `history`, `delayMs`
 * (ack → notification), `csrf` (default true), `sessions` (a Map shared by the nodes of one
 * cluster, as GWS replicates HTTP sessions).
 */
export async function startGwsSimulator({ name = "gws1", users = SIM_USERS, history = simulatedHistory(), delayMs = 30, csrf = true, sessions = new Map() } = {}) {
    const { createCometDServer } = require("cometd-nodejs-server");
    const cometd = createCometDServer({ timeout: 5000 });
    const cometdUsers = new Map(); // CometD session id → user
    const stats = { me: 0, historyPosts: [], handshakes: 0, handshakesBy: {}, unknownSession: 0, refused: 0, requests: 0, writes: [], contentPosts: [] };
    let referenceIds = 1000;
    const failures = [];

    const byBasic = (header) => {
        if (!header?.startsWith("Basic ")) return undefined;
        const [user, ...rest] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
        const found = users.find((u) => u.userName === user && u.password === rest.join(":"));
        return found ?? null;
    };
    /** The caller: { user, session, newSession } or null (refused) / undefined (no credentials). */
    const authenticate = (req) => {
        const basic = byBasic(req.headers.authorization);
        if (basic === null) return null;
        const cookie = parseCookies(req.headers.cookie).JSESSIONID;
        const known = cookie && sessions.get(cookie);
        if (basic) {
            if (known && known.user === basic) return { user: basic, session: known };
            const id = randomBytes(16).toString("hex");
            const session = { id, user: basic, csrf: randomBytes(12).toString("hex") };
            sessions.set(id, session);
            return { user: basic, session, newSession: id };
        }
        if (known) return { user: known.user, session: known };
        return undefined;
    };

    cometd.policy = {
        canHandshake: (session, message, callback) => {
            const caller = authenticate(cometd.context.request);
            if (caller) {
                cometdUsers.set(session.id, caller.user);
                session.addListener("removed", () => cometdUsers.delete(session.id));
                stats.handshakes += 1;
                stats.handshakesBy[caller.user.userName] = (stats.handshakesBy[caller.user.userName] ?? 0) + 1;
                if (caller.newSession) cometd.context.response.setHeader("Set-Cookie", `JSESSIONID=${caller.newSession}; Path=/; HttpOnly`);
            } else {
                stats.refused += 1;
            }
            callback(null, Boolean(caller));
        },
    };

    // Counts the replies that tell a client its session is unknown (402).
    cometd.addExtension({
        outgoing: (server, sender, session, message, callback) => {
            if (message.error?.startsWith("402")) stats.unknownSession += 1;
            callback(null, true);
        },
    });

    const publishTo = (user, data) => {
        for (const [id, owner] of cometdUsers) {
            if (owner !== user) continue;
            const session = cometd.getServerSession(id);
            if (session && session.subscriptions.some((c) => c.name === HISTORY_CHANNEL)) {
                session.deliver(null, HISTORY_CHANNEL, data);
            }
        }
    };

    const server = http.createServer(async (req, res) => {
        stats.requests += 1;
        res.setHeader("X-Gws-Node", name);
        const url = new URL(req.url, "http://gws");
        if (url.pathname.startsWith("/api/v2/notifications")) return cometd.handle(req, res);
        const body = await readBody(req);
        const send = (status, json, headers = {}) => {
            res.writeHead(status, { "Content-Type": "application/json", ...headers });
            res.end(JSON.stringify(json));
        };
        if (url.pathname === "/api/v2/diagnostics/echo") {
            res.setHeader("Set-Cookie", ["GWSECHO=1; Path=/", "SECOND=2; Path=/api"]);
            return send(201, { statusCode: 0, node: name, method: req.method, url: req.url, headers: req.headers, body });
        }
        if (url.pathname === "/api/v2/diagnostics/version") return send(200, { statusCode: 0, version: "8.5.2-simulator" });
        if (url.pathname.startsWith("/desktop/")) return serveDesktop(url.pathname, res);
        const caller = authenticate(req);
        if (!caller) return send(401, ACCESS_DENIED);
        const headers = caller.newSession ? { "Set-Cookie": `JSESSIONID=${caller.newSession}; Path=/; HttpOnly` } : {};
        if (csrf) {
            if (req.method === "GET") {
                headers["X-CSRF-HEADER"] = "X-CSRF-TOKEN";
                headers["X-CSRF-TOKEN"] = caller.session.csrf;
            } else if (req.headers["x-csrf-token"] !== caller.session.csrf) {
                return send(403, { statusCode: 3, statusMessage: "Missing or invalid Csrf token" }, headers);
            }
        }
        const { user } = caller;
        if (url.pathname === "/api/v2/me" && req.method === "GET") {
            stats.me += 1;
            return send(200, { statusCode: 0, user: { id: user.id, userName: user.userName, firstName: user.firstName, lastName: user.lastName, contactCenterId: user.contactCenterId, roles: ["ROLE_AGENT"], enabled: true, features: user.features.map((f) => ({ name: f })) } }, headers);
        }
        if (url.pathname === "/api/v2/me" && req.method === "POST") return send(200, { statusCode: 0 }, headers);
        if (url.pathname === "/api/v2/me/calls") return send(200, { statusCode: 0, calls: [] }, headers);
        const written = url.pathname.match(/^\/api\/v2\/ucs\/interactions\/([^/]+)$/);
        if (written && req.method === "POST") {
            let request;
            try { request = JSON.parse(body); } catch { return send(400, { statusCode: 2, statusMessage: "Invalid JSON" }, headers); }
            if (request.operationName === "GetInteractionContent") {
                const referenceId = ++referenceIds;
                stats.contentPosts.push({ user: user.userName, id: written[1], body: request, referenceId });
                setTimeout(() => {
                    const row = history.find((r) => r.tenant === user.contactCenterId && r.interaction.id === written[1]);
                    const data = row
                        ? { referenceId, messageType: "GetInteractionContentMessage", ...contentOf(row.interaction) }
                        : { referenceId, messageType: "GetInteractionContentMessage", errorMessage: "UCS request failed" };
                    publishTo(user, data);
                }, delayMs);
                return send(200, { statusCode: 0, referenceId }, headers);
            }
            if (!["SetCallCompleted", "SetCallNote", "SetCallContact"].includes(request.operationName)) {
                return send(400, { statusCode: 2, statusMessage: "Invalid operation" }, headers);
            }
            const referenceId = ++referenceIds;
            stats.writes.push({ user: user.userName, id: written[1], body: request, referenceId });
            setTimeout(() => {
                const row = history.find((r) => r.tenant === user.contactCenterId && r.interaction.id === written[1]);
                if (row) applyWrite(row.interaction, request);
                publishTo(user, { referenceId, messageType: "UcsOperationResponse", success: Boolean(row) });
            }, delayMs);
            return send(200, { statusCode: 0, referenceId }, headers);
        }
        const contact = url.pathname.match(/^\/api\/v2\/ucs\/contacts\/([^/]+)\/interactions$/);
        if ((url.pathname === "/api/v2/ucs/interactions" || contact) && req.method === "POST") {
            let request;
            try { request = JSON.parse(body); } catch { return send(400, { statusCode: 2, statusMessage: "Invalid JSON" }, headers); }
            const expected = contact ? ["RetrieveContactHistory"] : OPERATIONS;
            if (!expected.includes(request.operationName)) return send(400, { statusCode: 2, statusMessage: "Invalid operation" }, headers);
            const referenceId = ++referenceIds;
            stats.historyPosts.push({ user: user.userName, path: url.pathname, body: request, referenceId });
            const failure = failures.shift();
            if (failure === SILENCE) return send(200, { statusCode: 0, referenceId }, headers);
            setTimeout(() => {
                const data = failure
                    ? { referenceId, messageType: "GetInteractionsHistoryMessage", errorMessage: failure }
                    : { referenceId, messageType: "GetInteractionsHistoryMessage", interactions: answerOf(history, user, request, contact?.[1]) };
                publishTo(user, data);
            }, delayMs);
            return send(200, { statusCode: 0, referenceId }, headers);
        }
        return send(404, { statusCode: 2, statusMessage: "Invalid operation" }, headers);
    });
    const sockets = new Set();
    server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
    const port = await freePort();
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
    return {
        name,
        port,
        base: `http://127.0.0.1:${port}`,
        address: `127.0.0.1:${port}`,
        stats,
        history,
        sessions,
        /** Ends every CometD session of `userName` on the server side (as a GWS restart would). */
        dropSessions: (userName) => {
            for (const [id, owner] of cometdUsers) {
                if (owner.userName === userName) cometd.getServerSession(id)?.disconnect();
            }
        },
        /**
         * Forgets every CometD session of `userName` without telling its client (as a GWS node
         * that lost its state would): the held connect returns, the next one gets
         * `402::session_unknown`.
         */
        forgetSessions: (userName) => {
            for (const [id, owner] of cometdUsers) {
                if (owner.userName !== userName) continue;
                const session = cometd.getServerSession(id);
                if (!session) continue;
                cometd._removeServerSession(session, true);
                session._flush();
            }
        },
        /** The next history request's notification carries this errorMessage. */
        failNext: (message) => failures.push(message),
        /** The next history request is acknowledged, and its notification never sent. */
        silenceNext: () => failures.push(SILENCE),
        /** Stops the node at once: listener closed, every connection cut. */
        stop: () => new Promise((resolve) => {
            cometd.close();
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
        }),
    };
}
