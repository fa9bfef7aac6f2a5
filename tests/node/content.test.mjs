// GetInteractionContent end to end on the embedded store, with the official CometD client: list
// a history, open a chat and an e-mail from it, and compare the notification with what the
// SQLite file holds (read by python3's sqlite3, assembled here, never by the proxy's code);
// then the second fetch is a HIT, a change of the interaction (SQL from outside) makes the next
// one fresh, another tenant's id is "Interaction not found", a caller without the media type's
// feature gets 403, and identical concurrent misses make one backend call.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Browser } from "./lib/browser.mjs";
import { startProxy, postHistory, basic, metric } from "./lib/servers.mjs";

const UCS = "/v2/ucs/interactions";
let proxy;
let desk;

/** Runs `script` (python3, with `db` bound to the demo database) and returns its JSON output. */
function python(script, ...args) {
    const prelude = "import sqlite3, sys, json\ndb = sqlite3.connect(sys.argv[1])\ndb.execute('PRAGMA foreign_keys = ON')\n";
    const run = spawnSync("python3", ["-c", prelude + script, `${proxy.workDir}/data/demo.db`, ...args], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`python3: ${run.stderr}`);
    return run.stdout.trim() ? JSON.parse(run.stdout) : null;
}

/** SQL run on the demo database by another process. */
function sql(statement) {
    python("db.executescript(sys.argv[2]); db.commit()", statement);
}

/** The rows the store holds for interaction `id`: the row, attributes, body, attachments, transcript. */
function storedRows(id) {
    return python(`
id = sys.argv[2]
db.row_factory = sqlite3.Row
one = lambda q: (lambda r: dict(r) if r else None)(db.execute(q, (id,)).fetchone())
many = lambda q: [dict(r) for r in db.execute(q, (id,))]
print(json.dumps({
  "row": one("SELECT * FROM interactions WHERE id = ?"),
  "attributes": {r["name"]: r["value"] for r in many("SELECT name, value FROM custom_attributes WHERE interaction_id = ?")},
  "body": one("SELECT * FROM interaction_content WHERE interaction_id = ?"),
  "attachments": many("SELECT * FROM attachments WHERE interaction_id = ? ORDER BY id"),
  "messages": many("SELECT * FROM transcript_messages WHERE interaction_id = ? ORDER BY idx"),
}))`, id);
}

/** An instant stored as milliseconds and an offset, printed as GWS prints dates. */
function gwsDate(ms, offsetSeconds) {
    const local = new Date(ms + offsetSeconds * 1000).toISOString(); // 2015-10-01T16:02:07.000Z
    const sign = offsetSeconds < 0 ? "-" : "+";
    const abs = Math.abs(offsetSeconds);
    const zone = `${sign}${String(Math.floor(abs / 3600)).padStart(2, "0")}${String(Math.floor(abs / 60) % 60).padStart(2, "0")}`;
    return `${local.slice(0, 10)} ${local.slice(11, 23)}${zone}`;
}

/** The notification's `interaction` and `messages` as the stored rows say they must be. */
function expectedContent(id) {
    const { row, attributes, body, attachments, messages } = storedRows(id);
    const interaction = {
        path: row.path, mediaType: row.media_type, typeId: row.type_id, state: row.state,
        startDate: gwsDate(row.start_ms, row.start_offset),
        ...(row.end_ms !== null && { endDate: gwsDate(row.end_ms, row.end_offset) }),
        ...(row.subject !== null && { subject: row.subject }),
        ...(row.contact_id !== null && { contactId: row.contact_id }),
        uri: row.uri,
        ...(row.owner_id !== null && { ownerInformation: { userName: row.owner_user_name, lastName: row.owner_last_name, id: row.owner_id, firstName: row.owner_first_name } }),
        id: row.id,
        ...(Object.keys(attributes).length > 0 && { customAttributes: attributes }),
        ...(body?.text != null && { text: body.text }),
        ...(body?.structured_text != null && { structuredText: body.structured_text }),
        ...(body?.structured_text_mime_type != null && { structuredTextMimeType: body.structured_text_mime_type }),
        ...(attachments.length > 0 && { attachments: attachments.map((a) => ({ id: a.id, fileName: a.file_name, mimeType: a.mime_type, size: a.size })) }),
    };
    const session = ["chat", "facebooksession", "smssession"].includes(row.media_type.toLowerCase());
    return {
        interaction,
        ...(session && {
            messages: messages.map((m) => ({
                index: m.idx,
                from: { nickname: m.nickname, type: m.party_type, participantId: m.participant_id },
                ...(m.text !== null && { text: m.text }),
                timestamp: gwsDate(m.at_ms, m.at_offset), visibility: m.visibility, type: m.message_type,
                timestampSeconds: m.at_ms,
            })),
        }),
    };
}

/** Posts GetInteractionContent for `id` as `user`; the ack and, for a 200, the notification. */
async function fetchContent(id, user = "demo", browser = desk) {
    const ack = await postHistory(proxy.base, user, user, { operationName: "GetInteractionContent" }, `/api/v2/ucs/interactions/${id}`);
    if (ack.status !== 200) return { ack };
    const message = await browser.waitFor((e) => e.ev === "message" && e.channel === UCS && e.data.referenceId === ack.body.referenceId);
    return { ack, data: message.data };
}

/** Lists demo's history of `mediaType` over the demo data's six months; the first `count` ids. */
async function listHistory(mediaType) {
    const from = new Date(Date.now() - 190 * 86400000).toISOString().slice(0, 10);
    const ack = await postHistory(proxy.base, "demo", "demo", { operationName: "RetrieveInteractionHistory", mediaType, fromDate: from, maxSize: 50 });
    assert.equal(ack.status, 200);
    const message = await desk.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
    assert.ok(message.data.interactions.length > 0, `demo has ${mediaType} history`);
    return message.data.interactions;
}

const contentCalls = () => metric(proxy, 'ucs_proxy_backend_request_duration_seconds_count{backend="store-sqlite",media_type="content"}');

before(async () => {
    proxy = await startProxy({ UCS_PROXY_CACHE__TTL_SECONDS: "600" });
    desk = new Browser(proxy.cometdUrl, "demo", "demo");
    assert.equal((await desk.handshake()).successful, true);
    assert.equal((await desk.subscribe(UCS)).successful, true);
});

after(async () => {
    desk?.close();
    await proxy?.stop();
});

test("a chat and an e-mail from the history list: the content is what the store holds, then a HIT", async () => {
    for (const mediaType of ["chat", "email"]) {
        const listed = (await listHistory(mediaType))[0];
        const first = await fetchContent(listed.id);
        assert.equal(first.ack.status, 200);
        assert.equal(first.ack.xCache, "MISS");
        assert.equal(first.data.messageType, "GetInteractionContentMessage");
        const { referenceId, messageType, ...content } = first.data;
        assert.deepEqual(content, expectedContent(listed.id));
        assert.equal(content.interaction.id, listed.id);
        if (mediaType === "chat") {
            assert.ok(content.messages.length >= 5 && content.messages.length <= 60, "a demo transcript of 5 to 60 entries");
            assert.equal(typeof content.messages[0].timestampSeconds, "number");
        } else {
            assert.ok(content.interaction.text.length > 1000, "an e-mail body of a few KiB");
            assert.equal(content.messages, undefined, "no transcript for e-mail");
        }

        const calls = await contentCalls();
        const second = await fetchContent(listed.id);
        assert.equal(second.ack.xCache, "HIT");
        assert.deepEqual(second.data.interaction, first.data.interaction);
        assert.equal(await contentCalls(), calls, "a hit asks no backend");

        // The resource every history result links to answers the same interaction.
        const resource = await fetch(proxy.base + listed.path, { headers: { Authorization: basic("demo", "demo") } });
        assert.equal(resource.status, 200);
        assert.deepEqual(await resource.json(), first.data.interaction);
    }
});

test("a change of the interaction through SQL makes the next fetch fresh", async () => {
    const [chat] = await listHistory("chat");
    await fetchContent(chat.id);
    assert.equal((await fetchContent(chat.id)).ack.xCache, "HIT");

    sql(`UPDATE interactions SET subject = 'changed subject' WHERE id = '${chat.id}'`);
    const since = performance.now();
    let fresh;
    for (;;) {
        fresh = await fetchContent(chat.id);
        if (fresh.data.interaction.subject === "changed subject") break;
        assert.ok(performance.now() - since < 5000, "the changed subject never showed");
    }
    assert.equal(fresh.ack.xCache, "MISS");

    // A new line in the transcript (only the content changed) is seen as well.
    const before = fresh.data.messages.length;
    sql(`INSERT INTO transcript_messages VALUES ('${chat.id}', ${before}, 'Ann', 'Customer', 'p9', 'one more thing', ${Date.now()}, 0, 'All', 'Message')`);
    for (;;) {
        const next = await fetchContent(chat.id);
        if (next.data.messages.length === before + 1) {
            assert.deepEqual(next.data.messages.at(-1).text, "one more thing");
            assert.deepEqual({ interaction: next.data.interaction, messages: next.data.messages }, expectedContent(chat.id));
            break;
        }
        assert.ok(performance.now() - since < 5000, "the new transcript line never showed");
    }
});

test("another tenant's interaction is not found, never its content", async () => {
    const [foreign] = python("print(json.dumps(db.execute(\"SELECT id FROM interactions WHERE tenant = 'cc2' AND media_type = 'Chat' LIMIT 1\").fetchone()))");
    const { ack, data } = await fetchContent(foreign);
    assert.equal(ack.status, 200);
    assert.deepEqual(Object.keys(data).sort(), ["errorMessage", "messageType", "referenceId"]);
    assert.equal(data.errorMessage, "Interaction not found");
    const resource = await fetch(`${proxy.base}/api/v2/interactions/${foreign}`, { headers: { Authorization: basic("demo", "demo") } });
    assert.equal(resource.status, 404);
    assert.equal((await resource.json()).statusCode, 2);
});

test("a caller without the media type's feature gets 403 statusCode 3", async () => {
    const [call] = await listHistory("call");
    const refused = await fetchContent(call.id, "novoice");
    assert.equal(refused.ack.status, 403);
    assert.equal(refused.ack.body.statusCode, 3);
    assert.match(refused.ack.body.statusMessage, /api-ucs-voice/);
    // Also once its content is cached for someone who may read it.
    assert.equal((await fetchContent(call.id)).ack.status, 200);
    assert.equal((await fetchContent(call.id, "novoice")).ack.status, 403);
});

test("identical concurrent misses make one backend call", async () => {
    const [, email] = await listHistory("email");
    const calls = await contentCalls();
    const acks = await Promise.all(Array.from({ length: 20 }, () =>
        postHistory(proxy.base, "demo", "demo", { operationName: "GetInteractionContent" }, `/api/v2/ucs/interactions/${email.id}`)));
    assert.ok(acks.every((a) => a.status === 200));
    for (const ack of acks) {
        const message = await desk.waitFor((e) => e.ev === "message" && e.data.referenceId === ack.body.referenceId);
        assert.equal(message.data.interaction.id, email.id);
    }
    assert.equal(await contentCalls(), calls + 1);
});

test("bad requests get GWS errors: unknown operation, bad source, no credentials", async () => {
    const [chat] = await listHistory("chat");
    const path = `/api/v2/ucs/interactions/${chat.id}`;
    const unknown = await postHistory(proxy.base, "demo", "demo", { operationName: "SetCallNote" }, path);
    assert.deepEqual([unknown.status, unknown.body.statusCode], [400, 2]);
    const source = await postHistory(proxy.base, "demo", "demo", { operationName: "GetInteractionContent", source: "old" }, path);
    assert.deepEqual([source.status, source.body.statusCode], [400, 2]);
    const anonymous = await fetch(proxy.base + path, { method: "POST", body: "{}" });
    assert.equal(anonymous.status, 401);
});
