import { privateKeyToAccount } from "viem/accounts";
import { type Config, resolveSecret } from "./config.ts";
import { EmailCodeService } from "./modules/accounts/email-codes.ts";
import { DevOutbox, type Mailer, SmtpMailer } from "./modules/accounts/mail.ts";
import { PasskeyService, passkeySettings } from "./modules/accounts/passkeys.ts";
import { SendLimits } from "./modules/accounts/send-limits.ts";
import { AccountService } from "./modules/accounts/service.ts";
import { SessionService } from "./modules/accounts/sessions.ts";
import { DeveloperAuthService } from "./modules/auth/developer-auth.ts";
import { JwtService, maxTokenLifetimes } from "./modules/auth/jwt.ts";
import { SigningKeyStore } from "./modules/auth/signing-keys.ts";
import { AuthorizationCodes } from "./modules/connect/codes.ts";
import { ConnectService } from "./modules/connect/service.ts";
import { BrandImageService } from "./modules/console/images.ts";
import { GrantService } from "./modules/grants/service.ts";
import { BrandService } from "./modules/licenses/brands.ts";
import { ConfigurationService } from "./modules/licenses/configurations.ts";
import { LicenseService } from "./modules/licenses/service.ts";
import { LicenseSettingsService } from "./modules/licenses/settings.ts";
import { ConnectionService } from "./modules/telemetry/connections.ts";
import { SignalStore } from "./modules/telemetry/store.ts";
import { TokenExchangeService } from "./modules/tokens/exchange.ts";
import { TriggerService, type TriggerServiceDeps } from "./modules/triggers/service.ts";
import { VehicleService } from "./modules/vehicles/service.ts";
import { deriveSecretBytes, Sealer } from "./secrets.ts";
import { ChangeFeed } from "./store/change-feed.ts";
import { migrate, openStore, type Store } from "./store/index.ts";

// The services without the HTTP layer: the CLI opens these alone (no Fastify, GraphQL or routes to
// load), which keeps a `keyfob license …` call quick.

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
  const otpPepper = deriveSecretBytes(secret, "otp-pepper");
  const emailCodes = new EmailCodeService(
    store.db,
    {
      pepper: otpPepper,
      mailer,
      platformName: config.platformName,
      sendLimits: config.emailCodeLimits ? new SendLimits(store, otpPepper) : undefined,
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
