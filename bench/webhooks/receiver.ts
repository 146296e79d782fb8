// The local receiver of the webhook benchmark, in its own process: answers the verification
// handshake, and for every other POST parses the CloudEvent, notes when it arrived (wall-clock ms
// with sub-millisecond precision, comparable across processes on one machine) under its id and the
// value that the benchmark encoded, and answers 204. `GET /stats` returns what it noted;
// `POST /reset` forgets it. The same handler serves the baseline load, so the ratio compares
// Keyfob's delivery rate with what this receiver can take at all.
import { createServer } from "node:http";

const token = process.argv[2] ?? "bench-token";
let arrivals: Array<{ id: string; value: number; at: number }> = [];
let requests = 0;
const now = () => performance.timeOrigin + performance.now();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const at = now();
    if (req.method === "GET" && req.url === "/stats") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ requests, arrivals }));
      return;
    }
    if (req.url === "/reset") {
      arrivals = [];
      requests = 0;
      res.writeHead(204).end();
      return;
    }
    const body = Buffer.concat(chunks).toString("utf8");
    if (body === '{"verification":"test"}') {
      res.writeHead(200).end(token);
      return;
    }
    requests++;
    try {
      const event = JSON.parse(body) as { id: string; data?: { signal?: { value?: number } } };
      if (event.data?.signal?.value !== undefined)
        arrivals.push({ id: event.id, value: event.data.signal.value, at });
    } catch {}
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
