// The baseline: a bare Fastify JSON route in its own process that parses the same request body and
// answers a response of the same shape and size as token exchange (a 780-character token), doing
// no other work, so the ratio measures Keyfob's own work rather than the cost of bytes on loopback.
import Fastify from "fastify";

const token = "x".repeat(780);
const app = Fastify({ logger: false });
app.post("/bare", async (request) => ({
  token: (request.body as { tokenId?: number })?.tokenId === undefined ? "" : token,
}));
const port = Number(process.argv[2] ?? 0);
await app.listen({ port, host: "127.0.0.1" });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
