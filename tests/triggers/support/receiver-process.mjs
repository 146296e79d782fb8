/**
 * A webhook receiver as a separate process, over HTTPS with the certificate it is given: what a
 * developer's endpoint does, plus a log of every request it got (one JSON line each, appended to
 * RECEIVER_LOG, so the record survives the receiver being stopped and started again).
 *
 * Paths: `/hook` answers the handshake with RECEIVER_TOKEN and deliveries with 204;
 * `/redirect` answers everything with a 302 to `/redirected`; `/redirect-deliveries` answers the
 * handshake but redirects deliveries. Env: RECEIVER_PORT, RECEIVER_CERT, RECEIVER_KEY,
 * RECEIVER_TOKEN, RECEIVER_LOG. Prints `listening <port>` when ready. Plain JavaScript: it starts
 * without a compile step.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { createServer } from "node:https";

const port = Number(process.env.RECEIVER_PORT ?? 0);
const token = process.env.RECEIVER_TOKEN ?? "verify-me";
const log = process.env.RECEIVER_LOG;

const server = createServer(
  { cert: readFileSync(process.env.RECEIVER_CERT), key: readFileSync(process.env.RECEIVER_KEY) },
  (req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "").split("?")[0];
      appendFileSync(log, `${JSON.stringify({ path, headers: req.headers, body, at: Date.now() })}\n`);
      const handshake = body === '{"verification":"test"}';
      if (path === "/redirect" || (path === "/redirect-deliveries" && !handshake)) {
        res.writeHead(302, { location: `https://localhost:${port}/redirected` }).end();
      } else if (handshake) {
        res.writeHead(200, { "content-type": "text/plain" }).end(token);
      } else {
        res.writeHead(204).end();
      }
    });
  },
);
server.keepAliveTimeout = 5_000;
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : port}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
