import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { classifyAddresses, parseTargetUrl, schemeAllowed, type TargetPolicy } from "../../domain/ssrf.ts";

/**
 * Outbound requests to webhook targets, through the SSRF guard (vehicle-triggers.md §9.4): the
 * host is resolved here, every address is vetted, and the socket connects to a vetted address (the
 * guard's own `lookup`, so nothing resolves the name again); redirects are never followed; the
 * response must start within the timeout and only the first `maxResponseBytes` of its body are read.
 */

/** Resolves a host name to IP addresses (default: the system resolver, every address). */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface GuardedPostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  policy: TargetPolicy;
  resolve?: HostResolver;
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export type GuardedPostResult =
  | { ok: true; status: number; body: string; latencyMs: number }
  /** `refused`: the guard stopped it before any connection. */
  | { ok: false; refused: boolean; error: string; latencyMs: number };

// Sockets are reused per target: each was connected to a vetted address.
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4, timeout: 60_000 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4, timeout: 60_000 }),
};

/** Vets the target (no connection): the addresses to connect to, or why not. */
export async function vetTarget(
  rawUrl: string,
  policy: TargetPolicy,
  resolve: HostResolver = systemResolver,
): Promise<{ ok: true; url: URL; hostname: string; addresses: string[] } | { ok: false; error: string }> {
  const target = parseTargetUrl(rawUrl);
  if (!target.ok)
    return { ok: false, error: target.problem === "scheme" ? "not an http(s) URL" : "invalid URL" };
  let addresses: string[];
  if (target.literal) addresses = [target.hostname];
  else {
    try {
      addresses = await resolve(target.hostname);
    } catch (err) {
      return {
        ok: false,
        error: `cannot resolve ${target.hostname} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      };
    }
  }
  const verdict = classifyAddresses(addresses, policy);
  if (!verdict.allowed) return { ok: false, error: `${target.hostname} is ${verdict.reason}` };
  if (!schemeAllowed(target.url, verdict, policy))
    return { ok: false, error: "only https targets are allowed" };
  return { ok: true, url: target.url, hostname: target.hostname, addresses };
}

/** A lookup that answers with the vetted addresses only. */
function pinnedLookup(addresses: string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, entries);
    else callback(null, entries[0]!.address, entries[0]!.family);
  }) as unknown as LookupFunction;
}

/** POSTs `body` to a vetted target; never throws. */
export async function guardedPost(options: GuardedPostOptions): Promise<GuardedPostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const vetted = await vetTarget(options.url, options.policy, options.resolve);
  if (!vetted.ok)
    return { ok: false, refused: true, error: `refused: ${vetted.error}`, latencyMs: elapsed() };
  const { url, hostname, addresses } = vetted;
  const secure = url.protocol === "https:";
  const max = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const body = Buffer.from(options.body, "utf8");

  return new Promise<GuardedPostResult>((resolve) => {
    let settled = false;
    const finish = (result: GuardedPostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const fail = (error: string) => finish({ ok: false, refused: false, error, latencyMs: elapsed() });

    const request = (secure ? https : http).request({
      protocol: url.protocol,
      host: hostname,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers: { ...options.headers, "content-length": String(body.length) },
      agent: secure ? agents.https : agents.http,
      lookup: pinnedLookup(addresses),
      ...(secure && isIP(hostname) === 0 ? { servername: hostname } : {}),
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const onAbort = () => request.destroy(new Error("aborted"));
    options.signal?.addEventListener("abort", onAbort);

    request.on("error", (err: NodeJS.ErrnoException) =>
      fail(err.code ? `${err.code}: ${err.message}` : err.message),
    );
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          ok: true,
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          latencyMs: elapsed(),
        });
      response.on("data", (chunk: Buffer) => {
        if (size >= max) return;
        const take = chunk.subarray(0, max - size);
        chunks.push(take);
        size += take.length;
        // Enough read: the rest is dropped with the connection.
        if (size >= max) {
          done();
          response.destroy();
        }
      });
      response.on("end", done);
      response.on("error", (err) => fail(err.message));
      response.on("aborted", () => fail("the response was cut short"));
    });
    request.end(body);
  });
}
