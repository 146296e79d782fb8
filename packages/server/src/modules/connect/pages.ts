import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";
import { builtIndexReader } from "../../http/app-page.ts";
import { loginPageHeaders } from "../../http/security-headers.ts";
import type { ConnectService } from "./service.ts";

/**
 * The login app's build, found relative to this file so it resolves the same from `src/` (tsx) and
 * from `dist/` (compiled): both sit three levels below `packages/server`.
 */
export const LOGIN_DIST = fileURLToPath(new URL("../../../../login/dist/", import.meta.url));

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Login app not built</title></head>
<body><h1>The login app is not built</h1>
<p>Run <code>npm run build</code> in the Keyfob repository, then reload this page.</p></body></html>
`;

/**
 * `GET /` and `GET /oauth/authorize` serve the login app's `index.html` with the page headers of
 * security.md §5 and §9 (frame-ancestors per license); `/assets/*` serves its hashed files with an
 * immutable cache. Without a build, the pages answer 503 saying how to build it.
 */
export const loginPages: FastifyPluginAsync<{ connect: ConnectService; distDir?: string }> = async (
  app,
  { connect, distDir = LOGIN_DIST },
) => {
  const readIndex = builtIndexReader(path.join(distDir, "index.html"));

  for (const url of ["/", "/oauth/authorize"]) {
    app.get(url, async (request, reply) => {
      const frameAncestors = await connect.frameAncestors(request.query as Record<string, unknown>);
      reply.headers(loginPageHeaders(frameAncestors)).header("content-type", "text/html; charset=utf-8");
      const html = await readIndex();
      if (html === undefined) return reply.status(503).send(NOT_BUILT);
      return reply.send(html);
    });
  }

  await app.register(fastifyStatic, {
    root: path.join(distDir, "assets"),
    prefix: "/assets/",
    decorateReply: false,
    suppressWarning: true,
    index: false,
    immutable: true,
    maxAge: 365 * 86_400_000,
    // Hashed file names: a missing one is a 404, never a directory listing or an index.
    redirect: false,
  });
};
