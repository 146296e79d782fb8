import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { registerCors } from "./http/cors.ts";
import { registerErrorHandling } from "./http/errors.ts";
import { registerOperations } from "./http/operations.ts";
import { registerRateLimits } from "./http/rate-limits.ts";
import { registerSecurityHeaders } from "./http/security-headers.ts";
import { cookiePolicy } from "./modules/accounts/cookies.ts";
import { LoginSessions } from "./modules/accounts/http-session.ts";
import { bearerToken } from "./modules/auth/jwt.ts";
import { authRoutes } from "./modules/auth/routes.ts";
import { loginApp, tokenEndpoint } from "./modules/connect/routes.ts";
import { consolePages } from "./modules/console/pages.ts";
import { consoleRoutes } from "./modules/console/routes.ts";
import { SharedVehicles } from "./modules/console/shared-vehicles.ts";
import { grantRoutes } from "./modules/grants/routes.ts";
import { identityRoutes } from "./modules/identity/routes.ts";
import { licenseRoutes } from "./modules/licenses/routes.ts";
import { telemetryRoutes } from "./modules/telemetry/graphql/routes.ts";
import { ingestRoutes } from "./modules/telemetry/ingest-routes.ts";
import { scheduleRetention } from "./modules/telemetry/retention.ts";
import { tokenRoutes } from "./modules/tokens/routes.ts";
import { triggerRoutes } from "./modules/triggers/routes.ts";
import type { Services } from "./services.ts";

/** The HTTP application: shared concerns first, then one plugin per module. */
export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger:
      config.logLevel === "silent"
        ? false
        : { level: config.logLevel, redact: ["req.headers.authorization", "req.headers.cookie"] },
    bodyLimit: 256 * 1024,
    trustProxy: config.trustProxy,
    // A log line per request only at debug/trace.
    logController: new LogController({
      disableRequestLogging: config.logLevel !== "debug" && config.logLevel !== "trace",
    }),
  });
  registerErrorHandling(app);
  // Before any route: these attach to every route (headers, CORS) or pick theirs by path (limits).
  registerSecurityHeaders(app, config.publicUrl);
  registerCors(app);
  // A token exchange counts against the license of a JWT that verifies; forged tokens count by IP,
  // so nobody can spend another license's allowance.
  await registerRateLimits(app, config.rateLimits, async (authorization) => {
    try {
      return (await services.developerAuth.verifyDeveloperJwt(bearerToken(authorization))).clientId;
    } catch {
      return undefined;
    }
  });
  // On the root instance: the data SDK sends a form content type with empty bodies to many routes.
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  registerOperations(app, services);
  await app.register(grantRoutes, { grants: services.grants });
  await app.register(identityRoutes, services);
  await app.register(telemetryRoutes, services);
  await app.register(authRoutes, {
    developerAuth: services.developerAuth,
    jwt: services.jwt,
    keys: services.keys,
    loginUrl: config.loginUrl,
  });
  await app.register(tokenRoutes, { tokenExchange: services.tokenExchange });
  await app.register(ingestRoutes, services);
  // The login app: public look-ups, its pages and private API (cookies and CSRF inside), secure mode's token endpoint.
  await app.register(licenseRoutes, { configurations: services.configurations, brands: services.brands });
  services.outbox?.setLog(app.log.child({ module: "mail" }));
  services.connect.setLog(app.log.child({ module: "connect" }));
  services.authorizationCodes.setLog(app.log.child({ module: "connect" }));
  const login = new LoginSessions({
    sessions: services.sessions,
    accounts: services.accounts,
    passkeys: services.passkeys,
    cookies: cookiePolicy(config.loginUrl),
  });
  const loginOrigin = new URL(config.loginUrl).origin;
  await app.register(loginApp, {
    connect: services.connect,
    accounts: services.accounts,
    emailCodes: services.emailCodes,
    passkeys: services.passkeys,
    login,
    loginOrigin,
    outbox: config.embedded ? services.outbox : undefined,
  });
  // The developer console at /console: the same accounts, session and CSRF as the login app.
  await app.register(consoleRoutes, {
    licenses: services.licenses,
    configurations: services.configurations,
    brands: services.brands,
    licenseSettings: services.licenseSettings,
    images: services.brandImages,
    sharedVehicles: new SharedVehicles({
      vehicles: services.vehicles,
      grants: services.grants,
      signals: services.signals,
    }),
    triggers: services.triggers,
    login,
    loginOrigin,
    publicUrl: config.publicUrl,
    loginUrl: config.loginUrl,
    platformName: config.platformName,
  });
  await app.register(consolePages);
  await app.register(tokenEndpoint, {
    codes: services.authorizationCodes,
    issueUserJwt: (input) => services.developerAuth.issueUserJwt(input),
  });
  await app.register(triggerRoutes, { triggers: services.triggers, developerAuth: services.developerAuth });
  services.triggers.startDelivery(app.log.child({ module: "triggers" }));
  app.addHook("onClose", () => services.triggers.stopDelivery());
  const stopRetention = scheduleRetention(services.signals, config.telemetryRetentionDays, {
    onError: (err) => app.log.error({ err }, "telemetry retention failed"),
  });
  app.addHook("onClose", stopRetention);
  return app;
}
