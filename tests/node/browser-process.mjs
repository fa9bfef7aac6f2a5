// One simulated browser: the official CometD JS client (npm `cometd` + `cometd-nodejs-client`)
// in its own process, so its cookie jar (JSESSIONID, BAYEUX_BROWSER) is its own.
//
// Usage: node browser-process.mjs <cometd-url> <user> <password> [json-options]
// Options: {"ack": true} registers the AckExtension; {"transport": "websocket"} keeps only that;
// {"resubscribe": true} subscribes again after a re-handshake (the client clears subscriptions
// on every handshake; a GWS desktop subscribes in its /meta/handshake listener).
// Reads JSON-line commands on stdin, writes JSON-line events on stdout.
//   {"op":"handshake"} {"op":"subscribe","channel":"/x"} {"op":"unsubscribe","channel":"/x"}
//   {"op":"publish","channel":"/x","data":{}} {"op":"disconnect"} {"op":"exit"}
import { adapt } from "cometd-nodejs-client";
import { CometD } from "cometd";
import { AckExtension } from "cometd/AckExtension.js";
import readline from "node:readline";
import { WebSocket } from "ws";

adapt();

const [url, user, password, flags] = process.argv.slice(2);
const options = JSON.parse(flags || "{}");
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");

const cometd = new CometD();
const transport = options.transport ?? "long-polling";
for (const type of cometd.getTransportTypes()) {
    if (type !== transport) cometd.unregisterTransport(type);
}
if (options.ack) cometd.registerExtension("ack", new AckExtension());
const requestHeaders = user
    ? { Authorization: "Basic " + Buffer.from(`${user}:${password}`).toString("base64") }
    : {};
// A browser sends its cookies on the upgrade request; the `ws` package sends nothing unless told,
// so hand it the credentials the long-polling requests carry.
globalThis.window.WebSocket = class extends WebSocket {
    constructor(address, protocols) {
        super(address, protocols, { headers: requestHeaders });
    }
};
cometd.configure({ url, requestHeaders, logLevel: "warn", maxBackoff: 2000 });

const subscriptions = new Map();
cometd.addListener("/meta/handshake", (m) => {
    emit({ ev: "handshake", successful: m.successful, advice: m.advice, ext: m.ext, error: m.error, reestablish: m.reestablish });
    if (m.successful && m.reestablish && options.resubscribe) {
        for (const channel of subscriptions.keys()) commands.subscribe({ channel });
    }
});
cometd.addListener("/meta/connect", (m) =>
    emit({ ev: "connect", successful: m.successful, advice: m.advice, ext: m.ext }));

const commands = {
    handshake: () => cometd.handshake(),
    subscribe: ({ channel }) => {
        const handle = cometd.subscribe(
            channel,
            (m) => emit({ ev: "message", channel: m.channel, data: m.data }),
            (reply) => emit({ ev: "subscribed", channel, successful: reply.successful, error: reply.error }),
        );
        subscriptions.set(channel, handle);
    },
    unsubscribe: ({ channel }) =>
        cometd.unsubscribe(subscriptions.get(channel), (reply) =>
            emit({ ev: "unsubscribed", channel, successful: reply.successful })),
    publish: ({ channel, data }) =>
        cometd.publish(channel, data, (reply) =>
            emit({ ev: "published", channel, successful: reply.successful, error: reply.error })),
    disconnect: () => cometd.disconnect((reply) => emit({ ev: "disconnected", successful: reply.successful })),
    exit: () => process.exit(0),
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
    const command = JSON.parse(line);
    commands[command.op](command);
});
process.stdin.on("end", () => process.exit(0));
emit({ ev: "ready" });
