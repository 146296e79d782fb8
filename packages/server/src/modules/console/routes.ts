import cookie from "@fastify/cookie";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import { type Address, checksumAddress } from "../../domain/address.ts";
import { isPrivilegeId, type PrivilegeId } from "../../domain/privileges.ts";
import { apiError, parseInput } from "../../http/api-error.ts";
import { csrfGuard } from "../../http/csrf.ts";
import type { LoginSessions } from "../accounts/http-session.ts";
import type { Brand, BrandService } from "../licenses/brands.ts";
import {
  type Configuration,
  type ConfigurationService,
  configurationRow,
} from "../licenses/configurations.ts";
import type { License, LicenseService } from "../licenses/service.ts";
import type { LicenseSettingsService } from "../licenses/settings.ts";
import { toCsv } from "./csv.ts";
import { type BrandImageService, IMAGE_TYPES, MAX_IMAGE_BYTES } from "./images.ts";
import type { SharedVehicles } from "./shared-vehicles.ts";

export interface ConsoleRoutesOptions {
  licenses: LicenseService;
  configurations: ConfigurationService;
  brands: BrandService;
  licenseSettings: LicenseSettingsService;
  images: BrandImageService;
  sharedVehicles: SharedVehicles;
  login: LoginSessions;
  /** The origin the console (and the login app) is served from: state-changing calls must come from it. */
  loginOrigin: string;
  /** The server's public URL: uploaded images are served at `{publicUrl}/brand-images/:cid`. */
  publicUrl: string;
  /** Where the login app is (configuration links) and the product name it shows (the preview). */
  loginUrl: string;
  platformName: string;
}

const clientIdParam = z.object({ clientId: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "not a client id") });
const aliasBody = z.strictObject({ alias: z.string().max(200).nullable().optional() });
const uriBody = z.strictObject({ uri: z.string().min(1).max(2048) });
const signerParam = clientIdParam.extend({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) });
const settingsBody = z.strictObject({
  webOrigins: z.array(z.string().max(512)).max(20).optional(),
  embedEnabled: z.boolean().optional(),
  legacyTokenResponse: z.boolean().optional(),
  secureOnly: z.boolean().optional(),
  maxGrantDays: z.number().int().nullable().optional(),
});
const color = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, "primaryColor must be #RRGGBB")
  .nullable()
  .optional();
const brandBody = z.strictObject({
  name: z.string().min(1).max(100),
  primaryColor: color,
  isDefault: z.boolean().optional(),
});
const brandPatch = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  primaryColor: color,
  isDefault: z.boolean().optional(),
});
const brandParam = clientIdParam.extend({ brandId: z.string().uuid() });
const imageParam = brandParam.extend({ kind: z.enum(["logo", "icon"]) });
/** The official console writes every value as a string (connect-protocol.md §2). */
const configurationObject = z.record(z.string().max(64), z.string().max(4096));
const configurationBody = z.strictObject({
  name: z.string().min(1).max(100),
  configuration: configurationObject,
});
const configurationPatch = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  configuration: configurationObject.optional(),
});
const configurationParam = z.object({ id: z.string().uuid() });
const vehicleQuery = z.object({
  search: z.string().max(200).optional(),
  make: z.string().max(100).optional(),
  privilege: z.coerce.number().int().optional(),
});
const tokenIdParam = clientIdParam.extend({ tokenId: z.coerce.number().int().nonnegative() });

/**
 * The developer console's API (docs/console.md): thin handlers over the licenses, grants and
 * telemetry services. The developer is the signed-in account of the login app (same session cookie,
 * same CSRF double submit: every POST, PUT, PATCH and DELETE needs `x-csrf-token`), and sees only the
 * licenses whose owner is their wallet address; anybody else's is 404, as if it did not exist.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, options) => {
  const { licenses, configurations, brands, licenseSettings, images, sharedVehicles, login } = options;
  await app.register(cookie);
  app.addHook("onRequest", csrfGuard({ loginOrigin: options.loginOrigin, cookieName: login.cookies.csrf }));
  app.addHook("onSend", async (request, reply) => {
    if (request.url.startsWith("/api/") && !reply.hasHeader("cache-control"))
      reply.header("cache-control", "no-store");
  });
  app.addContentTypeParser(
    [...IMAGE_TYPES],
    { parseAs: "buffer", bodyLimit: MAX_IMAGE_BYTES },
    (_r, body, done) => done(null, body),
  );

  const developer = async (request: FastifyRequest): Promise<Address> =>
    checksumAddress((await login.require(request)).walletAddress);

  /** The license when the signed-in developer owns it; otherwise 404 (never saying whose it is). */
  const ownLicense = async (request: FastifyRequest): Promise<License> => {
    const owner = await developer(request);
    const { clientId } = parseInput(clientIdParam, request.params);
    const license = await licenses.find(clientId);
    if (!license || license.owner !== owner)
      throw apiError(404, "licenseNotFound", "You have no license with this client id.");
    return license;
  };

  const ownBrand = async (request: FastifyRequest): Promise<{ license: License; brand: Brand }> => {
    const license = await ownLicense(request);
    const { brandId } = parseInput(brandParam, request.params);
    const brand = await brands.get(brandId);
    if (!brand || brand.clientId !== license.clientId)
      throw apiError(404, "brandNotFound", "This license has no such brand.");
    return { license, brand };
  };

  const ownConfiguration = async (request: FastifyRequest): Promise<Configuration> => {
    const owner = await developer(request);
    const { id } = parseInput(configurationParam, request.params);
    const found = await configurations.get(id);
    const license = found && (await licenses.find(found.clientId));
    if (!found || !license || license.owner !== owner)
      throw apiError(404, "configurationNotFound", "Configuration not found");
    return found;
  };

  const details = async (license: License) => ({
    license: licenseView(license),
    signers: (await licenses.listSigners(license.clientId, { includeDisabled: true })).map((s) => ({
      address: s.address,
      enabledAt: s.enabledAt.toISOString(),
      disabledAt: s.disabledAt?.toISOString() ?? null,
      expiresAt: s.expiresAt?.toISOString() ?? null,
    })),
    redirectUris: (await licenses.listRedirectUris(license.clientId)).map((r) => ({
      uri: r.uri,
      enabledAt: r.enabledAt.toISOString(),
    })),
    brands: (await brands.list(license.clientId)).map(brandView),
    settings: await licenseSettings.get(license.clientId),
  });

  app.get("/api/console/info", async () => ({
    platformName: options.platformName,
    publicUrl: options.publicUrl,
    loginUrl: options.loginUrl,
  }));

  // Licenses
  app.get("/api/console/licenses", async (request) => {
    const owner = await developer(request);
    const owned = await licenses.page({ owner, limit: 1000, order: "desc" });
    return { licenses: owned.map(licenseView) };
  });

  app.post("/api/console/licenses", async (request, reply) => {
    const owner = await developer(request);
    const body = parseInput(aliasBody, request.body);
    const license = await licenses.create({ owner, alias: body.alias ?? null });
    return reply.status(201).send(await details(license));
  });

  app.get("/api/console/licenses/:clientId", async (request) => details(await ownLicense(request)));

  app.patch("/api/console/licenses/:clientId", async (request) => {
    const license = await ownLicense(request);
    const body = parseInput(aliasBody, request.body);
    return details(await licenses.setAlias(license.clientId, body.alias ?? null));
  });

  // API keys: the private key is in this one answer and nowhere else.
  app.post("/api/console/licenses/:clientId/api-keys", async (request, reply) => {
    const license = await ownLicense(request);
    const key = await licenses.createApiKey(license.clientId);
    return reply.status(201).send({ address: key.address, privateKey: key.privateKey });
  });

  app.delete("/api/console/licenses/:clientId/api-keys/:address", async (request) => {
    const license = await ownLicense(request);
    const { address } = parseInput(signerParam, request.params);
    await licenses.disableSigner(license.clientId, address);
    return details(license);
  });

  // Redirect URIs
  app.post("/api/console/licenses/:clientId/redirect-uris", async (request, reply) => {
    const license = await ownLicense(request);
    const { uri } = parseInput(uriBody, request.body);
    await licenses.addRedirectUri(license.clientId, uri);
    return reply.status(201).send(await details(license));
  });

  app.delete("/api/console/licenses/:clientId/redirect-uris", async (request) => {
    const license = await ownLicense(request);
    const { uri } = parseInput(uriBody, request.query);
    await licenses.removeRedirectUri(license.clientId, uri);
    return details(license);
  });

  // Login settings (security.md §2)
  app.put("/api/console/licenses/:clientId/settings", async (request) => {
    const license = await ownLicense(request);
    const body = parseInput(settingsBody, request.body);
    await licenseSettings.update(license.clientId, body);
    return details(license);
  });

  // Brands
  app.post("/api/console/licenses/:clientId/brands", async (request, reply) => {
    const license = await ownLicense(request);
    const body = parseInput(brandBody, request.body);
    const brand = await brands.create(license.clientId, body);
    return reply.status(201).send({ brand: brandView(brand) });
  });

  app.patch("/api/console/licenses/:clientId/brands/:brandId", async (request) => {
    const { brand } = await ownBrand(request);
    const body = parseInput(brandPatch, request.body);
    return { brand: brandView(await brands.update(brand.id, body)) };
  });

  app.delete("/api/console/licenses/:clientId/brands/:brandId", async (request) => {
    const { brand } = await ownBrand(request);
    await brands.delete(brand.id);
    return {};
  });

  // Logo and icon: the raw image as the body (image/png, image/jpeg or image/webp; anything else is 415).
  app.put("/api/console/licenses/:clientId/brands/:brandId/:kind", async (request) => {
    const { brand } = await ownBrand(request);
    const { kind } = parseInput(imageParam, request.params);
    if (!Buffer.isBuffer(request.body))
      throw apiError(415, "unsupportedImage", "Send a PNG, JPEG or WebP image.");
    const stored = await images.store(request.body);
    const url = `${options.publicUrl}/brand-images/${stored.cid}`;
    return { brand: brandView(await brands.setImage(brand.id, kind, { cid: stored.cid, url })) };
  });

  app.delete("/api/console/licenses/:clientId/brands/:brandId/:kind", async (request) => {
    const { brand } = await ownBrand(request);
    const { kind } = parseInput(imageParam, request.params);
    return { brand: brandView(await brands.setImage(brand.id, kind, null)) };
  });

  // Configurations (the stored format is connect-protocol.md §2; docs/console.md)
  app.get("/api/console/licenses/:clientId/configurations", async (request) => {
    const license = await ownLicense(request);
    return { configurations: (await configurations.list(license.clientId)).map(configurationRow) };
  });

  app.post("/api/console/licenses/:clientId/configurations", async (request, reply) => {
    const license = await ownLicense(request);
    const body = parseInput(configurationBody, request.body);
    const created = await configurations.create({ clientId: license.clientId, ...body });
    return reply.status(201).send({ configuration: configurationRow(created) });
  });

  app.get("/api/console/configurations/:id", async (request) => ({
    configuration: configurationRow(await ownConfiguration(request)),
  }));

  app.put("/api/console/configurations/:id", async (request) => {
    const current = await ownConfiguration(request);
    const body = parseInput(configurationPatch, request.body);
    return { configuration: configurationRow(await configurations.update(current.id, body)) };
  });

  app.delete("/api/console/configurations/:id", async (request) => {
    const current = await ownConfiguration(request);
    await configurations.delete(current.id);
    return {};
  });

  // Vehicles shared with a license
  const vehicleFilter = (request: FastifyRequest) => {
    const query = parseInput(vehicleQuery, request.query);
    const privilege: PrivilegeId | undefined = isPrivilegeId(query.privilege) ? query.privilege : undefined;
    return { search: query.search || undefined, make: query.make || undefined, privilege };
  };

  app.get("/api/console/licenses/:clientId/vehicles", async (request) => {
    const license = await ownLicense(request);
    return { vehicles: await sharedVehicles.list(license.clientId, vehicleFilter(request)) };
  });

  app.get("/api/console/licenses/:clientId/vehicles.csv", async (request, reply) => {
    const license = await ownLicense(request);
    const list = await sharedVehicles.list(license.clientId, vehicleFilter(request));
    const csv = toCsv(
      [
        "tokenId",
        "name",
        "make",
        "model",
        "year",
        "owner",
        "privileges",
        "sharedAt",
        "expiresAt",
        "lastSignalAt",
      ],
      list.map((v) => [
        v.tokenId,
        v.name,
        v.make,
        v.model,
        v.year,
        v.owner,
        v.privilegeNames.join("; "),
        v.sharedAt,
        v.expiresAt,
        v.lastSignalAt ?? "",
      ]),
    );
    return reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="vehicles-${license.clientId}.csv"`)
      .send(csv);
  });

  app.get("/api/console/licenses/:clientId/vehicles/:tokenId/history", async (request) => {
    const license = await ownLicense(request);
    const { tokenId } = parseInput(tokenIdParam, request.params);
    return { events: await sharedVehicles.history(license.clientId, tokenId) };
  });

  // Uploaded brand images: public (the login page and apps load them), immutable, never sniffed.
  app.get<{ Params: { cid: string } }>("/brand-images/:cid", async (request, reply) => {
    const image = await images.get(request.params.cid);
    if (!image) return reply.status(404).send({ code: 404, message: "No image with this id." });
    return reply
      .header("content-type", image.contentType)
      .header("cache-control", "public, max-age=31536000, immutable")
      .header("content-security-policy", "default-src 'none'; sandbox")
      .send(image.body);
  });
};

function licenseView(license: License) {
  return {
    clientId: license.clientId,
    alias: license.alias,
    owner: license.owner,
    tokenId: license.tokenId,
    tokenDID: license.tokenDID,
    createdAt: license.mintedAt.toISOString(),
  };
}

function brandView(brand: Brand) {
  return {
    id: brand.id,
    name: brand.name,
    logoUrl: brand.logoUrl,
    iconUrl: brand.iconUrl,
    logoCid: brand.logoCid,
    iconCid: brand.iconCid,
    primaryColor: brand.primaryColor,
    isDefault: brand.isDefault,
    updatedAt: brand.updatedAt.toISOString(),
  };
}
