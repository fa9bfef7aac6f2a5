// The official cometd-nodejs-server on a port, the reference of benches/load/longpoll.sh.
// Usage: node reference-cometd.cjs <port> <timeout-ms>
const path = require("node:path");
const http = require("node:http");
const { createCometDServer } = require(path.join(__dirname, "../../tests/node/node_modules/cometd-nodejs-server"));
const [port, timeout] = process.argv.slice(2).map(Number);
const cometd = createCometDServer({ timeout });
http.createServer((req, res) => cometd.handle(req, res)).listen(port, "127.0.0.1", () => console.log("ready"));
