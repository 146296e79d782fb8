import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";
import { builtIndexReader } from "../../http/app-page.ts";

/** The console's build (`packages/console/dist`), three levels below `packages/server` from src/ and dist/. */
export const CONSOLE_DIST = fileURLToPath(new URL("../../../../console/dist/", import.meta.url));

/**
 * The console's pages: scripts and styles from this origin only (no inline script or style), images
 * also from https and blob: (logo previews), never framed.
 */
export const CONSOLE_PAGE_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data: blob:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><h1>The developer console is not built</h1>
<p>Run <code>npm run build</code> in the Keyfob repository, then reload this page.</p></body></html>
`;

/** `GET /console` (and `/console/`) serve the console's `index.html`; `/console/assets/*` its hashed files. */
export const consolePages: FastifyPluginAsync<{ distDir?: string }> = async (
  app,
  { distDir = CONSOLE_DIST },
) => {
  const readIndex = builtIndexReader(path.join(distDir, "index.html"));
  for (const url of ["/console", "/console/"]) {
    app.get(url, async (_request, reply) => {
      reply.headers(CONSOLE_PAGE_HEADERS).header("content-type", "text/html; charset=utf-8");
      const html = await readIndex();
      if (html === undefined) return reply.status(503).send(NOT_BUILT);
      return reply.send(html);
    });
  }
  await app.register(fastifyStatic, {
    root: path.join(distDir, "assets"),
    prefix: "/console/assets/",
    decorateReply: false,
    suppressWarning: true,
    index: false,
    immutable: true,
    maxAge: 365 * 86_400_000,
    redirect: false,
  });
};
