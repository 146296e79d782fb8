// The example app's back end: serves the built front end, redeems the sign-in code (secure mode),
// keeps the user's session and fetches the shared vehicles' latest signals with @keyfob/client
// (developer JWT → Identity → token exchange → Telemetry). Nothing secret reaches the browser.

import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { KeyfobClient } from "@keyfob/client";

export interface AppSettings {
  /** Keyfob's public URL (login app, /oauth/token and the APIs on one origin). */
  keyfobUrl: string;
  clientId: string;
  /** The license's API key (from `keyfob license create` or `npm start`'s demo output). */
  apiKey: string;
  /** This app's URL: a redirect URI registered for the license, e.g. `http://localhost:5173/`. */
  appUrl: string;
  /** The built front end (vite build). */
  distDir: string;
  port: number;
  host?: string;
}

interface Session {
  walletAddress: string;
  email?: string;
  /** The user JWT stays here, on the server. */
  token: string;
}

export const SIGNALS = [
  "speed",
  "powertrainTransmissionTravelledDistance",
  "powertrainTractionBatteryStateOfChargeCurrent",
  "powertrainFuelSystemRelativeLevel",
  "exteriorAirTemperature",
];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as unknown;
  return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
}

function sessionId(req: IncomingMessage): string | null {
  const cookie = req.headers.cookie ?? "";
  const match = /(?:^|;\s*)app_session=([A-Za-z0-9_-]+)/.exec(cookie);
  return match?.[1] ?? null;
}

export async function startApp(settings: AppSettings): Promise<{ url: string; close(): Promise<void> }> {
  const keyfobUrl = settings.keyfobUrl.replace(/\/+$/, "");
  const client = new KeyfobClient({
    baseUrl: keyfobUrl,
    clientId: settings.clientId,
    apiKey: settings.apiKey,
    domain: settings.appUrl,
  });
  const sessions = new Map<string, Session>();

  async function api(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method === "POST" && pathname === "/api/session") {
      // The front end hands over the code and its PKCE verifier; the back end redeems them.
      const body = await readJson(req);
      const form = new URLSearchParams({
        grant_type: "authorization_code",
        code: String(body.code ?? ""),
        redirect_uri: settings.appUrl,
        client_id: settings.clientId,
        code_verifier: String(body.codeVerifier ?? ""),
      });
      const answer = await fetch(`${keyfobUrl}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form,
      });
      const tokens = (await answer.json()) as {
        access_token?: string;
        expires_in?: number;
        result?: { walletAddress?: string; email?: string };
        error?: string;
        error_description?: string;
      };
      if (!answer.ok || !tokens.access_token || !tokens.result?.walletAddress) {
        send(res, 400, {
          error: tokens.error ?? "invalid_grant",
          error_description: tokens.error_description,
        });
        return;
      }
      const id = randomBytes(32).toString("base64url");
      sessions.set(id, {
        walletAddress: tokens.result.walletAddress,
        token: tokens.access_token,
        ...(tokens.result.email ? { email: tokens.result.email } : {}),
      });
      // The token stays here: the browser gets the result without it.
      send(
        res,
        200,
        { token_type: "bearer", expires_in: tokens.expires_in, result: tokens.result },
        { "set-cookie": `app_session=${id}; HttpOnly; SameSite=Lax; Path=/` },
      );
      return;
    }
    const id = sessionId(req);
    const session = id === null ? undefined : sessions.get(id);
    if (req.method === "POST" && pathname === "/api/logout") {
      if (id !== null) sessions.delete(id);
      send(res, 200, { ok: true }, { "set-cookie": "app_session=; Max-Age=0; Path=/" });
      return;
    }
    if (session === undefined) {
      send(res, 401, { error: "not signed in" });
      return;
    }
    if (req.method === "GET" && pathname === "/api/me") {
      send(res, 200, { walletAddress: session.walletAddress, email: session.email ?? null });
      return;
    }
    if (req.method === "GET" && pathname === "/api/vehicles") {
      const vehicles = await client.identity.sharedVehicles({ owner: session.walletAddress });
      const rows = await Promise.all(
        vehicles.map(async (vehicle) => {
          try {
            const latest = await client.telemetry.latestSignals(vehicle.tokenId, SIGNALS);
            return { ...vehicle, latest, error: null };
          } catch (error) {
            return { ...vehicle, latest: null, error: (error as Error).message };
          }
        }),
      );
      send(res, 200, { vehicles: rows });
      return;
    }
    send(res, 404, { error: "not found" });
  }

  function staticFile(res: ServerResponse, pathname: string): void {
    const dist = path.resolve(settings.distDir);
    const file = path.join(dist, path.normalize(pathname));
    const chosen =
      file.startsWith(dist) && existsSync(file) && statSync(file).isFile()
        ? file
        : path.join(dist, "index.html");
    if (!existsSync(chosen)) {
      res.writeHead(500, { "content-type": "text/plain" }).end("Build the front end first: npm run build");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(chosen)] ?? "application/octet-stream" });
    res.end(readFileSync(chosen));
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/app-config.json") {
      send(res, 200, { clientId: settings.clientId, redirectUri: settings.appUrl, keyfobUrl });
      return;
    }
    if (url.pathname.startsWith("/api/")) {
      api(req, res, url.pathname).catch((error: unknown) => {
        if (!res.headersSent) send(res, 502, { error: (error as Error).message });
      });
      return;
    }
    staticFile(res, url.pathname);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host ?? "127.0.0.1", () => resolve());
  });
  return {
    url: `http://localhost:${settings.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
