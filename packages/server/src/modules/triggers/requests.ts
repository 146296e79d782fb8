import { z } from "zod";
import { invalidArgument } from "../../errors.ts";

/**
 * The shapes of the webhook API's inputs (vehicle-triggers.md §2, §3, §10). Zod checks types only;
 * the rules with the spec's own messages (URL, service, metric, condition, cooldown, status) are the
 * service's, in the spec's order. A wrong type is `Invalid request payload`, as Go's JSON decoding
 * of the official service answers it.
 */

export const INVALID_PAYLOAD = "Invalid request payload";

const text = (max: number) => z.string().max(max);

const webhookFields = {
  condition: text(4096).optional(),
  coolDownPeriod: z.number().int().min(-1_000_000_000).max(1_000_000_000).optional(),
  targetURL: text(4096).optional(),
  status: text(64).optional(),
  description: text(1024).optional(),
  displayName: text(255).optional(),
  verificationToken: text(1024).optional(),
};

const registerSchema = z.object({
  service: text(64).optional(),
  metricName: text(256).optional(),
  ...webhookFields,
});

const updateSchema = z.object(webhookFields);

export type RegisterWebhookInput = z.infer<typeof registerSchema>;
export type UpdateWebhookInput = z.infer<typeof updateSchema>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parseRegisterBody(body: unknown): RegisterWebhookInput {
  const parsed = registerSchema.safeParse(body);
  if (!isObject(body) || !parsed.success) throw invalidArgument(INVALID_PAYLOAD);
  return parsed.data;
}

const UPDATE_FIELDS = Object.keys(webhookFields);

/**
 * The update body, unwrapped from the data SDK's `{"request": {...}}` when it has no top-level
 * update field (§10).
 */
export function parseUpdateBody(body: unknown): UpdateWebhookInput {
  if (!isObject(body)) throw invalidArgument(`${INVALID_PAYLOAD}: expected a JSON object`);
  const inner = body.request;
  const source = isObject(inner) && !UPDATE_FIELDS.some((f) => f in body) ? inner : body;
  const parsed = updateSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidArgument(
      `${INVALID_PAYLOAD}: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}`,
    );
  }
  return parsed.data;
}

const assetList = z.object({ assetDIDs: z.array(z.string().max(256)).min(1).max(10_000) });

export function parseAssetList(body: unknown): string[] {
  const parsed = assetList.safeParse(body);
  if (!parsed.success) throw invalidArgument(INVALID_PAYLOAD);
  return parsed.data.assetDIDs;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseWebhookId(value: unknown): string {
  if (typeof value !== "string" || !UUID.test(value)) throw invalidArgument("Invalid webhook id");
  return value.toLowerCase();
}

export function parseDeliveryId(value: unknown): string {
  if (typeof value !== "string" || !UUID.test(value)) throw invalidArgument("Invalid delivery id");
  return value.toLowerCase();
}

const deliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(UUID).optional(),
});

export function parseDeliveriesQuery(query: unknown): { limit: number; before?: string } {
  const parsed = deliveriesQuery.safeParse(query ?? {});
  if (!parsed.success) throw invalidArgument("Invalid query: limit is 1 to 200, before is a delivery id");
  return parsed.data.before === undefined
    ? { limit: parsed.data.limit }
    : { limit: parsed.data.limit, before: parsed.data.before.toLowerCase() };
}
