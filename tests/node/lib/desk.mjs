// An agent desktop as a browser drives GWS through the proxy: Basic credentials once at login,
// then only its cookies (JSESSIONID, UCSPROXY_NODE, …) and the CSRF token GWS handed it.
import { basic } from "./servers.mjs";

export class Desk {
    constructor(base, user, password) {
        this.base = base;
        this.user = user;
        this.password = password;
        this.cookies = new Map();
        this.csrf = undefined;
        /** Every `Set-Cookie: JSESSIONID=…` this desk received, in order. */
        this.sessions = [];
    }

    get session() {
        return this.cookies.get("JSESSIONID");
    }

    /** One request; `login` adds the Basic credentials, `csrf` the token GWS handed out. */
    async request(method, path, { body, login = false, csrf = false, headers = {} } = {}) {
        const sent = { ...headers };
        if (this.cookies.size) sent.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
        if (login) sent.Authorization = basic(this.user, this.password);
        if (csrf && this.csrf) sent["X-CSRF-TOKEN"] = this.csrf;
        if (body !== undefined) sent["Content-Type"] = "application/json";
        const response = await fetch(this.base + path, {
            method,
            headers: sent,
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(10000),
        });
        for (const cookie of response.headers.getSetCookie()) {
            const [pair] = cookie.split(";");
            const at = pair.indexOf("=");
            const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
            this.cookies.set(name, value);
            if (name === "JSESSIONID") this.sessions.push(value);
        }
        const token = response.headers.get("x-csrf-token");
        if (token) this.csrf = token;
        const text = await response.text();
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        return { status: response.status, node: response.headers.get("x-gws-node"), headers: response.headers, json };
    }

    /** GET /api/v2/me with Basic credentials: the login that opens the GWS session. */
    login() {
        return this.request("GET", "/api/v2/me?subresources=features", { login: true });
    }
}
