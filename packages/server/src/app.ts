import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { privateKeyToAccount } from "viem/accounts";
import { type Config, resolveSecret } from "./config.ts";
import { registerCors } from "./http/cors.ts";
import { registerErrorHandling } from "./http/errors.ts";
import { registerOperations } from "./http/operations.ts";
import { registerRateLimits } from "./http/rate-limits.ts";
import { registerSecurityHeaders } from "./http/security-headers.ts";
import { cookiePolicy } from "./modules/accounts/cookies.ts";
import { EmailCodeService } from "./modules/accounts/email-codes.ts";
import { LoginSessions } from "./modules/accounts/http-session.ts";
import { DevOutbox, type Mailer, SmtpMailer } from "./modules/accounts/mail.ts";
import { PasskeyService, passkeySettings } from "./modules/accounts/passkeys.ts";
import { AccountService } from "./modules/accounts/service.ts";
import { SessionService } from "./modules/accounts/sessions.ts";
import { DeveloperAuthService } from "./modules/auth/developer-auth.ts";
import { bearerToken, JwtService, maxTokenLifetimes } from "./modules/auth/jwt.ts";
import { authRoutes } from "./modules/auth/routes.ts";
import { SigningKeyStore } from "./modules/auth/signing-keys.ts";
import { AuthorizationCodes } from "./modules/connect/codes.ts";
import { loginApp, tokenEndpoint } from "./modules/connect/routes.ts";
import { ConnectService } from "./modules/connect/service.ts";
import { BrandImageService } from "./modules/console/images.ts";
import { consolePages } from "./modules/console/pages.ts";
import { consoleRoutes } from "./modules/console/routes.ts";
import { SharedVehicles } from "./modules/console/shared-vehicles.ts";
import { grantRoutes } from "./modules/grants/routes.ts";
import { GrantService } from "./modules/grants/service.ts";
import { identityRoutes } from "./modules/identity/routes.ts";
import { BrandService } from "./modules/licenses/brands.ts";
import { ConfigurationService } from "./modules/licenses/configurations.ts";
import { licenseRoutes } from "./modules/licenses/routes.ts";
import { LicenseService } from "./modules/licenses/service.ts";
import { LicenseSettingsService } from "./modules/licenses/settings.ts";
import { ConnectionService } from "./modules/telemetry/connections.ts";
import { telemetryRoutes } from "./modules/telemetry/graphql/routes.ts";
import { ingestRoutes } from "./modules/telemetry/ingest-routes.ts";
import { scheduleRetention } from "./modules/telemetry/retention.ts";
import { SignalStore } from "./modules/telemetry/store.ts";
import { TokenExchangeService } from "./modules/tokens/exchange.ts";
import { tokenRoutes } from "./modules/tokens/routes.ts";
import { triggerRoutes } from "./modules/triggers/routes.ts";
import { TriggerService, type TriggerServiceDeps } from "./modules/triggers/service.ts";
import { VehicleService } from "./modules/vehicles/service.ts";
import { deriveSecretBytes, Sealer } from "./secrets.ts";
import { ChangeFeed } from "./store/change-feed.ts";
import { migrate, openStore, type Store } from "./store/index.ts";

/** Everything a request handler or a CLI command may need, built once per process. */
export interface Services {
  config: Config;
  store: Store;
  secret: string;
  changes: ChangeFeed;
  licenses: LicenseService;
  accounts: AccountService;
  vehicles: VehicleService;
  grants: GrantService;
  keys: SigningKeyStore;
  jwt: JwtService;
  developerAuth: DeveloperAuthService;
  tokenExchange: TokenExchangeService;
  /** Telemetry: the signal store (a TelemetryReader) and the connections that post to it. */
  signals: SignalStore;
  connections: ConnectionService;
  /** Login configurations, brands and per-license login settings (licenses module). */
  configurations: ConfigurationService;
  brands: BrandService;
  licenseSettings: LicenseSettingsService;
  /** Logos and icons uploaded in the developer console (console module). */
  brandImages: BrandImageService;
  /** Sign-in: sessions, email codes, passkeys, and where mail goes. */
  sessions: SessionService;
  emailCodes: EmailCodeService;
  passkeys: PasskeyService;
  mailer: Mailer;
  /** Without KEYFOB_SMTP_URL: the in-memory outbox the mail goes to (listed at /dev/outbox in the embedded mode). */
  outbox: DevOutbox | undefined;
  /** The login app's flows and consent actions, and secure mode's authorization codes. */
  connect: ConnectService;
  authorizationCodes: AuthorizationCodes;
  /** Vehicle triggers: webhooks, evaluation on ingestion, the delivery outbox. */
  triggers: TriggerService;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  /** Use this store instead of opening config.databaseUrl (tests). */
  store?: Store;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  now?: () => number;
  /** Vehicle-trigger test hooks: DNS for webhook targets, jitter, delivery timeout. */
  triggers?: Pick<TriggerServiceDeps, "resolve" | "random" | "deliveryTimeoutMs">;
}

export async function createServices(config: Config, options: CreateServicesOptions = {}): Promise<Services> {
  const secret = resolveSecret(config);
  const store = options.store ?? openStore(config.databaseUrl);
  if (options.migrate !== false) await migrate(store);
  const now = options.now ?? Date.now;
  const changes = new ChangeFeed(store.pgPool);
  await changes.start();
  const sealer = new Sealer(secret, "wallets");
  const licenses = new LicenseService(store.db, config, now);
  const accounts = new AccountService(store.db, sealer, now);
  const vehicles = new VehicleService(store.db, config, now);
  // The platform's own key signs the built-in templates' documents.
  const platform = privateKeyToAccount(`0x${deriveSecretBytes(secret, "platform-wallet").toString("hex")}`);
  const grants = new GrantService(
    store.db,
    vehicles,
    (address) => accounts.walletSigner(address),
    changes,
    {
      publicUrl: config.publicUrl,
      platformAddress: platform.address,
      platformSigner: (message) => platform.signMessage({ message }),
    },
    now,
  );
  await grants.ensureBuiltinTemplates();
  const lifetimes = maxTokenLifetimes(config);
  const keys = new SigningKeyStore(store.db, sealer.forPurpose("signing-keys"), {
    alg: config.jwtAlg,
    maxTokenLifetimeSeconds: lifetimes,
    now,
  });
  const jwt = new JwtService(keys, { publicUrl: config.publicUrl, maxTokenLifetimeSeconds: lifetimes }, now);
  const developerAuth = new DeveloperAuthService(store.db, licenses, jwt, config, now);
  const tokenExchange = new TokenExchangeService({ developerAuth, grants, jwt, settings: config, now });
  const signals = new SignalStore(store.db, { vehicleDid: (tokenId) => vehicles.did(tokenId), now });
  const connections = new ConnectionService(store.db, vehicles, config, now);
  const configurations = new ConfigurationService(store.db, licenses, now);
  const brands = new BrandService(store.db, licenses, now);
  const licenseSettings = new LicenseSettingsService(store.db, licenses, now);
  const brandImages = new BrandImageService(store.db, now);
  const sessions = new SessionService(store.db, now);
  const outbox = config.smtpUrl
    ? undefined
    : new DevOutbox(undefined, config.embedded ? `${config.publicUrl}/dev/outbox` : undefined, now);
  const mailer: Mailer = outbox ?? new SmtpMailer(config.smtpUrl!, config.mailFrom);
  const emailCodes = new EmailCodeService(
    store.db,
    {
      pepper: deriveSecretBytes(secret, "otp-pepper"),
      mailer,
      platformName: config.platformName,
      sendLimits: config.emailCodeLimits,
    },
    now,
  );
  const passkeys = new PasskeyService(store.db, passkeySettings(config.loginUrl, config.platformName), now);
  const authorizationCodes = new AuthorizationCodes(store.db, licenses, now);
  const connect = new ConnectService({
    db: store.db,
    licenses,
    licenseSettings,
    configurations,
    brands,
    vehicles,
    grants,
    codes: authorizationCodes,
    issueUserJwt: (input) => developerAuth.issueUserJwt(input),
    settings: { publicUrl: config.publicUrl, platformName: config.platformName },
    now,
  });
  const triggers = new TriggerService({
    db: store.db,
    grants,
    vehicles,
    signals,
    changes,
    sealer: sealer.forPurpose("webhook-secrets"),
    settings: config,
    now,
    ...options.triggers,
  });
  await triggers.init();
  return {
    config,
    store,
    secret,
    changes,
    licenses,
    accounts,
    vehicles,
    grants,
    keys,
    jwt,
    developerAuth,
    tokenExchange,
    signals,
    connections,
    configurations,
    brands,
    licenseSettings,
    brandImages,
    sessions,
    emailCodes,
    passkeys,
    mailer,
    outbox,
    connect,
    authorizationCodes,
    triggers,
    async close() {
      mailer.close?.();
      await triggers.close();
      await changes.close();
      if (!options.store) await store.close();
    },
  };
}

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
