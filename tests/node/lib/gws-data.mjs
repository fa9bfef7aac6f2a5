// What the GWS simulator (gws-simulator.mjs) serves, written from the public GWS documentation:
// its users and their features, a deterministic history in GWS's printed form, GWS's answer to
// a history query, the content of an interaction, and a UCS write applied to one.

/** Every history feature GWS knows. */

export const ALL_FEATURES = ["api-ucs-voice", "api-multimedia-chat", "api-multimedia-email",
    "api-multimedia-facebook", "api-multimedia-facebooksession", "api-multimedia-openmedia",
    "api-multimedia-twitter", "api-multimedia-workitem"];

/** The simulator's users (tenant cc1 unless said). */
export const SIM_USERS = [
    { userName: "svc", password: "svc-secret", id: "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e", firstName: "Service", lastName: "Account", contactCenterId: "cc1", features: ALL_FEATURES },
    { userName: "alice", password: "alice-pw", id: "a11ce000000000000000000000000001", firstName: "Alice", lastName: "Agent", contactCenterId: "cc1", features: ALL_FEATURES },
    { userName: "bob", password: "bob-pw", id: "b0b00000000000000000000000000002", firstName: "Bob", lastName: "Agent", contactCenterId: "cc1", features: ALL_FEATURES.filter((f) => f !== "api-ucs-voice") },
];

const pad = (n, w = 2) => String(n).padStart(w, "0");
/** `yyyy-MM-dd HH:mm:ss.SSS+0000`, as GWS prints dates (the simulator runs in UTC). */
export function gwsDate(ms) {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** A deterministic UCS history of tenant cc1 over the last 60 days, in GWS's printed form. */
export function simulatedHistory(count = 400, now = Date.now()) {
    let state = 0x2545f491;
    const next = (n) => {
        state ^= state << 13; state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5; state >>>= 0;
        return state % n;
    };
    const media = ["Chat", "Email", "Call", "workitem"];
    const owners = SIM_USERS.slice(1);
    const day = 86400000;
    const start = Math.floor((now - 60 * day) / 1000) * 1000;
    return Array.from({ length: count }, (_, i) => {
        const id = `00${pad(i.toString(16).toUpperCase(), 4)}SIM${pad(next(100000), 7)}`;
        const begin = start + next(61 * 24) * 3600000 + next(3600) * 1000;
        const owner = next(5) === 0 ? null : owners[next(owners.length)];
        const interaction = {
            path: `/api/v2/interactions/${id}`,
            mediaType: media[next(media.length)],
            typeId: ["Inbound", "Outbound"][next(2)],
            state: next(8) === 0 ? "InProcess" : "Stopped",
            startDate: gwsDate(begin),
            subject: ["Order status", "Billing", "Callback"][next(3)],
            contactId: `0000Fa${pad(next(40), 10)}`,
            uri: `http://gws.internal:8090/api/v2/interactions/${id}`,
            id,
        };
        if (interaction.state === "Stopped") interaction.endDate = gwsDate(begin + 60000 + next(3600) * 1000);
        if (owner) interaction.ownerInformation = { userName: owner.userName, lastName: owner.lastName, id: owner.id, firstName: owner.firstName };
        interaction.customAttributes = { SearchId: String(100 + next(20)) };
        if (next(2) === 0) interaction.customAttributes.CustomerId = `c${next(9)}`;
        // GWS key order: endDate after startDate.
        const ordered = {};
        for (const key of ["path", "mediaType", "typeId", "state", "startDate", "endDate", "subject", "contactId", "uri", "ownerInformation", "id", "customAttributes"]) {
            if (interaction[key] !== undefined) ordered[key] = interaction[key];
        }
        return { tenant: "cc1", interaction: ordered };
    });
}

const startMs = (i) => Date.parse(i.startDate.replace(" ", "T").replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
const dayStart = (text) => Date.parse(`${text}T00:00:00.000Z`);
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * GWS's answer to a history request of `user`, read from the public documentation: UTC days,
 * both bounds inclusive, case-insensitive media type, owner/contact/custom-attribute filters,
 * sorted by start (then id), cut at maxSize, custom attributes only when asked for.
 */
export function answerOf(history, user, body, contactId) {
    const now = Date.now();
    const from = dayStart(body.fromDate ?? isoDay(now - 30 * 86400000));
    const to = dayStart(body.toDate ?? isoDay(now)) + 86400000 - 1;
    const asc = String(body.sort ?? "desc").toLowerCase() === "asc";
    const wanted = body.customAttributes ?? [];
    const search = Object.entries(body.searchCustomAttributes ?? {});
    const rows = history
        .filter((r) => r.tenant === user.contactCenterId)
        .map((r) => r.interaction)
        .filter((i) => startMs(i) >= from && startMs(i) <= to)
        .filter((i) => !body.mediaType || i.mediaType.toLowerCase() === String(body.mediaType).toLowerCase())
        .filter((i) => !body.userId || i.ownerInformation?.id === body.userId)
        .filter((i) => !contactId || i.contactId === contactId)
        .filter((i) => search.every(([k, v]) => i.customAttributes?.[k] === v))
        .sort((a, b) => (startMs(a) - startMs(b)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (!asc) rows.reverse();
    const cut = contactId ? rows : rows.slice(0, body.maxSize ?? 100);
    return cut.map((i) => {
        const copy = { ...i };
        const kept = Object.fromEntries(Object.entries(i.customAttributes ?? {}).filter(([k]) => wanted.includes(k)));
        delete copy.customAttributes;
        if (Object.keys(kept).length) copy.customAttributes = kept;
        return copy;
    });
}

/**
 * The content GWS would answer for `interaction` (its printed form): every field and attribute,
 * plus a body, and a transcript for a chat. Keys in GWS's order, with one key (`ucsVersion`)
 * no model of the proxy knows, so that relaying byte for byte can be seen.
 */
export function contentOf(interaction) {
    const at = startMs(interaction);
    const chat = interaction.mediaType.toLowerCase() === "chat";
    const email = interaction.mediaType.toLowerCase() === "email";
    const content = {
        interaction: {
            ...interaction,
            ucsVersion: "8.5.300.09",
            text: `Body of ${interaction.id}: "quoted", ünïcödé, line\nbreak.`,
            ...(email && {
                structuredText: `<html><body><p>Body of ${interaction.id}</p></body></html>`,
                structuredTextMimeType: "text/html",
                attachments: [{ id: `${interaction.id}A0`, fileName: "invoice.pdf", mimeType: "application/pdf", size: 48213 }],
            }),
        },
    };
    if (chat) {
        const who = [
            { nickname: "Customer", type: "Customer", participantId: "00AAAAAAAAAAAAA1" },
            { nickname: "Agent", type: "Agent", participantId: "00AAAAAAAAAAAAA2" },
        ];
        content.messages = [0, 1, 2, 3].map((index) => ({
            index,
            from: who[index % 2],
            ...(index > 1 && { text: `message ${index}` }),
            timestamp: gwsDate(at + index * 1000),
            visibility: "All",
            type: index > 1 ? "Message" : "ParticipantJoined",
            timestampSeconds: at + index * 1000,
        }));
    }
    return content;
}

/** A UCS write applied to an interaction in GWS's printed form. */
export function applyWrite(interaction, request) {
    if (request.operationName === "SetCallCompleted") {
        interaction.state = "Stopped";
        const ended = gwsDate(startMs(interaction) + 1000 * Number(request.callDuration ?? 0));
        // GWS key order: endDate right after startDate.
        const entries = Object.entries(interaction).filter(([k]) => k !== "endDate");
        const at = entries.findIndex(([k]) => k === "startDate") + 1;
        entries.splice(at, 0, ["endDate", ended]);
        for (const key of Object.keys(interaction)) delete interaction[key];
        Object.assign(interaction, Object.fromEntries(entries));
    } else if (request.operationName === "SetCallContact") {
        interaction.contactId = String(request.contactPath ?? "").split("/").filter(Boolean).pop();
    }
}
