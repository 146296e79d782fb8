import type { Kysely } from "kysely";
import { cidOf, isDocumentCid } from "../../domain/sacd-document.ts";
import { invalidArgument } from "../../errors.ts";
import type { Database } from "../../store/schema.ts";

/** Largest logo or icon accepted (bytes). */
export const MAX_IMAGE_BYTES = 256 * 1024;

/** The raster types accepted. SVG is refused: it can carry script, and sanitizing it is a project of its own. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/**
 * The type of an image from its first bytes (never from what the uploader claims): PNG, JPEG or
 * WebP; undefined for anything else (SVG, GIF, HTML, ...).
 */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  // RIFF....WEBP
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return undefined;
}

/** Why an upload is refused, or undefined when it is fine. */
export function imageProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return "The file is empty.";
  if (bytes.length > MAX_IMAGE_BYTES) return `The file is larger than ${MAX_IMAGE_BYTES / 1024} KB.`;
  if (!sniffImageType(bytes)) return "Only PNG, JPEG and WebP images are accepted (SVG is not).";
  return undefined;
}

export interface StoredImage {
  cid: string;
  contentType: ImageType;
  body: Buffer;
}

/** Brand images by content id (CIDv1 raw/sha2-256 of the bytes): the same file is stored once. */
export class BrandImageService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async store(bytes: Buffer): Promise<StoredImage> {
    const problem = imageProblem(bytes);
    if (problem) throw invalidArgument(problem);
    const contentType = sniffImageType(bytes)!;
    const cid = await cidOf(bytes);
    await this.db
      .insertInto("brand_images")
      .values({
        cid,
        content_type: contentType,
        size: bytes.length,
        body_base64: bytes.toString("base64"),
        created_at: this.now(),
      })
      .onConflict((oc) => oc.column("cid").doNothing())
      .execute();
    return { cid, contentType, body: bytes };
  }

  async get(cid: string): Promise<StoredImage | undefined> {
    if (!isDocumentCid(cid)) return undefined;
    const row = await this.db
      .selectFrom("brand_images")
      .selectAll()
      .where("cid", "=", cid)
      .executeTakeFirst();
    return (
      row && { cid, contentType: row.content_type as ImageType, body: Buffer.from(row.body_base64, "base64") }
    );
  }
}
