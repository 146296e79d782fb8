// The baseline: a bare Fastify JSON route in its own process, doing no work beyond JSON in and out.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.post("/bare", async (request) => ({
  token: "x".repeat(16),
  echo: (request.body as { tokenId?: number })?.tokenId ?? null,
}));
const port = Number(process.argv[2] ?? 0);
await app.listen({ port, host: "127.0.0.1" });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
