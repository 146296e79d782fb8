import type { FastifyPluginAsync } from "fastify";
import type { GrantService } from "./service.ts";

/** `/ipfs/:cid`: signed consent documents, immutable and public like an IPFS gateway. */
export const grantRoutes: FastifyPluginAsync<{ grants: GrantService }> = async (app, { grants }) => {
  app.get<{ Params: { cid: string } }>("/ipfs/:cid", async (request, reply) => {
    const body = await grants.document(request.params.cid);
    if (body === undefined)
      return reply.status(404).send({ code: 404, message: "No document with this CID." });
    return reply
      .header("content-type", "application/json")
      .header("cache-control", "public, max-age=31536000, immutable")
      .header("access-control-allow-origin", "*")
      .header("x-ipfs-path", `/ipfs/${request.params.cid}`)
      .send(body);
  });
};
