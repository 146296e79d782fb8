import { readFile, stat } from "node:fs/promises";

/**
 * Reads a built web app's `index.html`, again only when the file changed (a rebuild while the server
 * runs is picked up), or `undefined` while the app is not built. Shared by the login app and the
 * console.
 */
export function builtIndexReader(indexFile: string): () => Promise<string | undefined> {
  let cached: { mtimeMs: number; html: string } | undefined;
  return async () => {
    try {
      const info = await stat(indexFile);
      if (cached?.mtimeMs !== info.mtimeMs)
        cached = { mtimeMs: info.mtimeMs, html: await readFile(indexFile, "utf8") };
      return cached.html;
    } catch {
      cached = undefined;
      return undefined;
    }
  };
}
