import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Address } from "../../domain/address.ts";
import { HttpError } from "../../http/errors.ts";
import { bearerToken, DeveloperJwtError } from "../auth/jwt.ts";
import {
  INVALID_PAYLOAD,
  parseAssetList,
  parseDeliveriesQuery,
  parseDeliveryId,
  parseRegisterBody,
  parseUpdateBody,
  parseWebhookId,
} from "./requests.ts";
import type { TriggerService } from "./service.ts";

export interface TriggerRouteOptions {
  triggers: TriggerService;
  developerAuth: { verifyDeveloperJwt(token: string): Promise<{ clientId: Address }> };
}

const BODY_LIMIT = 64 * 1024;

const webhookParams = z.object({ webhookId: z.string() });
const assetParams = z.object({ webhookId: z.string(), assetDID: z.string() });
const vehicleParams = z.object({ assetDID: z.string() });
const deliveryParams = z.object({ webhookId: z.string(), deliveryId: z.string() });

/**
 * `/v1/webhooks…` (vehicle-triggers.md §2, §9): every route needs a developer JWT, whose license
 * owns the webhooks. Handlers validate, call one service method and answer; errors are
 * `{code, message}` with the spec's messages. A JSON parser of this plugin's own turns malformed
 * bodies into `Invalid request payload` and lets an empty JSON body through (body-less routes).
 */
export const triggerRoutes: FastifyPluginAsync<TriggerRouteOptions> = async (
  app,
  { triggers, developerAuth },
) => {
  const licenses = new WeakMap<FastifyRequest, Address>();

  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(
    "application/json",
    { parseAs: "string", bodyLimit: BODY_LIMIT },
    (request, body, done) => {
      const text = (body as string).trim();
      if (text === "") return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        const reason = request.method === "PUT" ? `: ${(err as Error).message}` : "";
        done(new HttpError(400, `${INVALID_PAYLOAD}${reason}`), undefined);
      }
    },
  );

  app.setErrorHandler((error, _request, _reply) => {
    const code = (error as { code?: string }).code;
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") throw new HttpError(400, INVALID_PAYLOAD);
    throw error;
  });

  // Before the body is read.
  app.addHook("onRequest", async (request, reply) => {
    reply.header("cache-control", "no-store");
    const token = bearerToken(request.headers.authorization);
    try {
      licenses.set(request, (await developerAuth.verifyDeveloperJwt(token)).clientId);
    } catch (err) {
      if (err instanceof DeveloperJwtError && err.statusCode !== 401)
        throw new HttpError(403, "JWT is not from a developer license");
      throw err;
    }
  });

  const license = (request: FastifyRequest) => licenses.get(request)!;
  const webhookId = (request: FastifyRequest) =>
    parseWebhookId(webhookParams.parse(request.params).webhookId);
  const route = { bodyLimit: BODY_LIMIT };

  app.get("/v1/webhooks", route, async (request) => triggers.list(license(request)));

  app.post("/v1/webhooks", route, async (request, reply) =>
    reply.status(201).send(await triggers.register(license(request), parseRegisterBody(request.body))),
  );

  app.get("/v1/webhooks/signals", route, async () => triggers.signalDefinitions());

  app.get("/v1/webhooks/vehicles/:assetDID", route, async (request) =>
    triggers.vehicleSubscriptions(license(request), vehicleParams.parse(request.params).assetDID),
  );

  app.get("/v1/webhooks/:webhookId", route, async (request) =>
    triggers.subscribedVehicles(license(request), webhookId(request)),
  );

  app.put("/v1/webhooks/:webhookId", route, async (request) =>
    triggers.update(license(request), webhookId(request), parseUpdateBody(request.body)),
  );

  app.delete("/v1/webhooks/:webhookId", route, async (request) =>
    triggers.remove(license(request), webhookId(request)),
  );

  app.post("/v1/webhooks/:webhookId/subscribe/list", route, async (request) =>
    triggers.subscribeList(license(request), webhookId(request), parseAssetList(request.body)),
  );

  app.post("/v1/webhooks/:webhookId/subscribe/all", route, async (request) =>
    triggers.subscribeAll(license(request), webhookId(request)),
  );

  app.post("/v1/webhooks/:webhookId/subscribe/:assetDID", route, async (request, reply) =>
    reply
      .status(201)
      .send(
        await triggers.subscribe(
          license(request),
          webhookId(request),
          assetParams.parse(request.params).assetDID,
        ),
      ),
  );

  app.delete("/v1/webhooks/:webhookId/unsubscribe/list", route, async (request) =>
    triggers.unsubscribeList(license(request), webhookId(request), parseAssetList(request.body)),
  );

  app.delete("/v1/webhooks/:webhookId/unsubscribe/all", route, async (request) =>
    triggers.unsubscribeAll(license(request), webhookId(request)),
  );

  app.delete("/v1/webhooks/:webhookId/unsubscribe/:assetDID", route, async (request) =>
    triggers.unsubscribe(license(request), webhookId(request), assetParams.parse(request.params).assetDID),
  );

  // Keyfob additions (§9): secret rotation, the delivery log, re-queueing, test events.
  app.post("/v1/webhooks/:webhookId/secret", route, async (request) =>
    triggers.rotateSecret(license(request), webhookId(request)),
  );

  app.get("/v1/webhooks/:webhookId/deliveries", route, async (request) =>
    triggers.deliveries(license(request), webhookId(request), parseDeliveriesQuery(request.query)),
  );

  app.get("/v1/webhooks/:webhookId/deliveries/:deliveryId", route, async (request) =>
    triggers.delivery(
      license(request),
      webhookId(request),
      parseDeliveryId(deliveryParams.parse(request.params).deliveryId),
    ),
  );

  app.post("/v1/webhooks/:webhookId/deliveries/:deliveryId/retry", route, async (request) =>
    triggers.retryDelivery(
      license(request),
      webhookId(request),
      parseDeliveryId(deliveryParams.parse(request.params).deliveryId),
    ),
  );

  app.post("/v1/webhooks/:webhookId/test", route, async (request) =>
    triggers.sendTest(license(request), webhookId(request)),
  );
};
