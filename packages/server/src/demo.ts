import { privateKeyToAccount } from "viem/accounts";
import type { Address } from "./domain/address.ts";
import { ServiceError } from "./errors.ts";
import type { PowertrainType } from "./modules/vehicles/service.ts";
import { deriveSecretBytes } from "./secrets.ts";
import type { Services } from "./services.ts";

export const DEMO_ALIAS = "demo";
export const DEMO_REDIRECT_URI = "http://localhost:5173/";
export const DEMO_OWNER_EMAIL = "owner@example.com";
export const DEMO_DEVELOPER_EMAIL = "developer@example.com";
/** The demo app's origin: allowed to open, frame (embed is on) and message the login app. */
export const DEMO_WEB_ORIGIN = "http://localhost:5173";
/** The demo consent configuration (ShareVehiclesWithDimo, template "1"): the same id on every installation. */
export const DEMO_CONFIGURATION_ID = "de70de70-0000-4000-8000-000000000001";

/** The four demo vehicles: different makes and powertrains; the first two are shared with `demo`. */
export const DEMO_VEHICLES: ReadonlyArray<{
  make: string;
  model: string;
  year: number;
  powertrainType: PowertrainType;
  shared: boolean;
}> = [
  { make: "Tesla", model: "Model 3", year: 2022, powertrainType: "BEV", shared: true },
  { make: "Ford", model: "Mustang", year: 2019, powertrainType: "ICE", shared: true },
  { make: "Toyota", model: "Prius Prime", year: 2023, powertrainType: "PHEV", shared: false },
  { make: "Honda", model: "Accord Hybrid", year: 2021, powertrainType: "HEV", shared: false },
];

export interface DemoData {
  clientId: Address;
  apiKey: string;
  redirectUri: string;
  domain: string;
  owner: { email: string; walletAddress: Address };
  vehicles: Array<{
    tokenId: number;
    make: string;
    model: string;
    year: number;
    powertrainType: PowertrainType;
    sharedWithDemo: boolean;
  }>;
}

/**
 * Creates the demo license, API key, owner and vehicles, sharing two through template "1".
 * Idempotent: everything is looked up before it is created, and the API key is derived from the
 * installation secret, so a re-run changes nothing and prints the same data.
 */
export async function seedDemo(services: Services): Promise<DemoData> {
  const { accounts, licenses, vehicles, grants } = services;
  const developer = await accounts.ensure(DEMO_DEVELOPER_EMAIL);
  const license =
    (await licenses.findByAlias(DEMO_ALIAS)) ??
    (await licenses.create({ owner: developer.walletAddress, alias: DEMO_ALIAS }));
  await licenses.addRedirectUri(license.clientId, DEMO_REDIRECT_URI);
  const settings = await services.licenseSettings.get(license.clientId);
  if (!settings.embedEnabled || !settings.webOrigins.includes(DEMO_WEB_ORIGIN)) {
    await services.licenseSettings.update(license.clientId, {
      webOrigins: [...new Set([...settings.webOrigins, DEMO_WEB_ORIGIN])],
      embedEnabled: true,
    });
  }
  if (!(await services.configurations.get(DEMO_CONFIGURATION_ID))) {
    try {
      await services.configurations.create({
        id: DEMO_CONFIGURATION_ID,
        clientId: license.clientId,
        name: "Share vehicles with the demo app",
        configuration: {
          redirectUri: DEMO_REDIRECT_URI,
          entryState: "VEHICLE_MANAGER",
          permissionTemplateId: "1",
        },
      });
    } catch (err) {
      // Another process seeding at the same moment created it.
      if (!(err instanceof ServiceError && err.kind === "CONFLICT")) throw err;
    }
  }
  const apiKey = deriveSecretBytes(services.secret, "demo-api-key").toString("hex");
  await licenses.addSigner(license.clientId, privateKeyToAccount(`0x${apiKey}`).address);

  const owner = await accounts.ensure(DEMO_OWNER_EMAIL);
  const owned = await vehicles.page({ owner: owner.walletAddress, limit: 1000, order: "asc" });
  const result: DemoData["vehicles"] = [];
  for (const spec of DEMO_VEHICLES) {
    const definitionId = (await vehicles.ensureDefinition(spec)).id;
    const vehicle =
      owned.find((v) => v.definition.id === definitionId) ??
      (await vehicles.mint({ owner: owner.walletAddress, ...spec }));
    if (spec.shared && !(await grants.active(vehicle, license.clientId))) {
      await grants.grant({
        tokenId: vehicle.tokenId,
        grantee: license.clientId,
        grantor: owner.walletAddress,
        templateId: "1",
      });
    }
    result.push({
      tokenId: vehicle.tokenId,
      make: spec.make,
      model: spec.model,
      year: spec.year,
      powertrainType: spec.powertrainType,
      sharedWithDemo: spec.shared,
    });
  }
  return {
    clientId: license.clientId,
    apiKey,
    redirectUri: DEMO_REDIRECT_URI,
    domain: DEMO_REDIRECT_URI,
    owner: { email: owner.email, walletAddress: owner.walletAddress },
    vehicles: result,
  };
}

/** The demo's login links: the stored consent configuration, and the same request spelled out in the URL. */
export function demoLinks(loginUrl: string, clientId: string): { consent: string; plain: string } {
  return {
    consent: `${loginUrl}/?configurationId=${DEMO_CONFIGURATION_ID}`,
    plain: `${loginUrl}/?clientId=${clientId}&redirectUri=${DEMO_REDIRECT_URI}&entryState=VEHICLE_MANAGER&permissionTemplateId=1`,
  };
}

export function formatDemo(demo: DemoData): string {
  const lines = [
    "Demo license (alias demo)",
    `  clientId      ${demo.clientId}`,
    `  apiKey        ${demo.apiKey}`,
    `  redirectUri   ${demo.redirectUri}  (use it as \`domain\` for the developer JWT)`,
    `Demo owner      ${demo.owner.email}  wallet ${demo.owner.walletAddress}`,
    "Vehicles",
    ...demo.vehicles.map(
      (v) =>
        `  #${String(v.tokenId).padEnd(4)} ${`${v.year} ${v.make} ${v.model}`.padEnd(28)} ${v.powertrainType.padEnd(5)} ${v.sharedWithDemo ? "shared with demo (template 1)" : "not shared"}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
