import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { type BrandService, publicBrand } from "./brands.ts";
import { type ConfigurationService, configurationRow } from "./configurations.ts";

export interface LicenseRoutesOptions {
  configurations: ConfigurationService;
  brands: BrandService;
}

const brandQuery = z.object({
  clientId: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  brandName: z.string().max(100).optional(),
});

/**
 * The public look-ups the official clients make (connect-protocol.md §2, §9): no authentication,
 * any origin (http/cors.ts), nothing secret in either answer; errors in the console's `{error}` shape.
 */
export const licenseRoutes: FastifyPluginAsync<LicenseRoutesOptions> = async (
  app,
  { configurations, brands },
) => {
  app.get<{ Params: { id: string } }>("/api/configurations/:id", async (request, reply) => {
    const found = await configurations.get(request.params.id);
    reply.header("cache-control", "no-cache");
    if (!found) return reply.status(404).send({ error: "Configuration not found" });
    return { configuration: configurationRow(found) };
  });

  app.get("/api/brand", async (request, reply) => {
    reply.header("cache-control", "no-cache");
    const query = brandQuery.safeParse(request.query);
    if (!query.success) return reply.status(404).send({ error: "not_found" });
    const brand = await brands.resolve(query.data.clientId, query.data.brandName || undefined);
    if (!brand) return reply.status(404).send({ error: "not_found" });
    return publicBrand(brand);
  });
};
