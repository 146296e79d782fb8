// The configurator's model: the form, the stored configuration object it writes (connect-protocol.md
// §2: every value a string, as the official console writes them), the links and the code snippets.

import {
  configurationNameProblem,
  expirationProblem,
  httpsLinkProblem,
  splitList,
  tokenIdsProblem,
  utmProblem,
} from "./validation.ts";

export const COMPONENTS = [
  { id: "LoginWithDimo", entryState: "EMAIL_INPUT", label: "Sign in only (LoginWithDimo)" },
  {
    id: "ShareVehiclesWithDimo",
    entryState: "VEHICLE_MANAGER",
    label: "Share vehicles (ShareVehiclesWithDimo)",
  },
  {
    id: "ExecuteAdvancedTransactionWithDimo",
    entryState: "ADVANCED_TRANSACTION",
    label: "Advanced transaction (ExecuteAdvancedTransactionWithDimo)",
  },
] as const;
export type ComponentId = (typeof COMPONENTS)[number]["id"];

/** The eight privileges (connect-protocol.md §5.1), in SDK bitstring order, in plain words. */
export const PRIVILEGES = [
  {
    id: 1,
    key: "GetNonLocationHistory",
    title: "Vehicle data (no location)",
    words:
      "Read everything the car reports except where it is: speed, battery or fuel level, odometer, tyre pressure, and its history.",
  },
  {
    id: 2,
    key: "ExecuteCommands",
    title: "Commands",
    words:
      "Send commands to the car, such as locking or unlocking the doors and starting or stopping charging.",
  },
  {
    id: 3,
    key: "GetCurrentLocation",
    title: "Current location",
    words: "See where the car is right now (kept for older apps; prefer approximate location).",
  },
  {
    id: 4,
    key: "GetLocationHistory",
    title: "Location history",
    words: "See everywhere the car has been: its exact positions over all time.",
  },
  {
    id: 5,
    key: "GetVINCredential",
    title: "VIN",
    words: "Read the car's vehicle identification number (VIN) as a signed credential.",
  },
  {
    id: 6,
    key: "GetLiveData",
    title: "Live data",
    words: "Receive the car's data as it arrives, in real time.",
  },
  {
    id: 7,
    key: "GetRawData",
    title: "Raw data",
    words: "Read the raw, unprocessed messages the car's device sends.",
  },
  {
    id: 8,
    key: "GetApproximateLocation",
    title: "Approximate location",
    words: "See roughly where the car is: an area of a few kilometres, never the exact spot.",
  },
] as const;

export const TEMPLATES = [
  {
    id: "1",
    label: "Template 1: data, location and commands (privileges 1–6)",
    privileges: [1, 2, 3, 4, 5, 6],
  },
  {
    id: "2",
    label: "Template 2: data and location, no commands (privileges 1, 3–6)",
    privileges: [1, 3, 4, 5, 6],
  },
] as const;

export const POWERTRAINS = [
  { id: "BEV", label: "Battery electric (BEV)" },
  { id: "PHEV", label: "Plug-in hybrid (PHEV)" },
  { id: "HEV", label: "Hybrid (HEV)" },
  { id: "ICE", label: "Combustion engine (ICE)" },
  { id: "FCEV", label: "Fuel cell (FCEV)" },
] as const;

export interface ConfigForm {
  name: string;
  component: ComponentId;
  redirectUri: string;
  utm: string;
  /** `YYYY-MM-DD` from a date field; empty = the default (100 years). */
  expirationDate: string;
  permissionMode: "template" | "custom";
  templateId: string;
  privileges: number[];
  vehicles: string;
  vehicleMakes: string;
  powertrainTypes: string[];
  onboarding: boolean;
  brandName: string;
  altTitle: boolean;
  tosUrl: string;
  privacyPolicyUrl: string;
  newVehicleSectionDescription: string;
  shareVehiclesSectionDescription: string;
  authenticatedLabel: string;
  unAuthenticatedLabel: string;
  mode: "popup" | "redirect";
  value: string;
  abi: string;
  functionName: string;
  args: string;
}

export function emptyForm(redirectUri = ""): ConfigForm {
  return {
    name: "",
    component: "ShareVehiclesWithDimo",
    redirectUri,
    utm: "",
    expirationDate: "",
    permissionMode: "template",
    templateId: "1",
    privileges: [1],
    vehicles: "",
    vehicleMakes: "",
    powertrainTypes: [],
    onboarding: false,
    brandName: "",
    altTitle: false,
    tosUrl: "",
    privacyPolicyUrl: "",
    newVehicleSectionDescription: "",
    shareVehiclesSectionDescription: "",
    authenticatedLabel: "",
    unAuthenticatedLabel: "",
    mode: "redirect",
    value: "",
    abi: "",
    functionName: "",
    args: "",
  };
}

/** `permissions` bitstring in SDK order (character i is privilege i+1), always 8 characters. */
export function bitstring(privileges: readonly number[]): string {
  return PRIVILEGES.map((p) => (privileges.includes(p.id) ? "1" : "0")).join("");
}

export function privilegesOfBitstring(bits: string): number[] {
  return [...bits].flatMap((c, i) => (c === "1" && i < 8 ? [i + 1] : []));
}

/** `YYYY-MM-DD` → `MM-DD-YYYY` (the official console's format) and back. */
export function toOfficialDate(isoDay: string): string {
  const [y, m, d] = isoDay.split("-");
  return `${m}-${d}-${y}`;
}
export function fromStoredDate(value: string): string {
  const official = /^(\d{2})-(\d{2})-(\d{4})$/.exec(value);
  if (official) return `${official[3]}-${official[1]}-${official[2]}`;
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(value);
  return iso ? iso[1]! : "";
}

/** Problems by field name; empty when the form can be saved. */
export function formProblems(
  form: ConfigForm,
  today: Date = new Date(),
): Partial<Record<keyof ConfigForm, string>> {
  const problems: Partial<Record<keyof ConfigForm, string>> = {};
  const set = (key: keyof ConfigForm, problem: string | undefined) => {
    if (problem) problems[key] = problem;
  };
  set("name", configurationNameProblem(form.name));
  if (form.redirectUri === "")
    problems.redirectUri = "Choose one of the license's redirect URIs (add one first).";
  set("utm", utmProblem(form.utm));
  set("vehicles", tokenIdsProblem(form.vehicles));
  set("tosUrl", httpsLinkProblem(form.tosUrl));
  set("privacyPolicyUrl", httpsLinkProblem(form.privacyPolicyUrl));
  if (form.brandName.length > 100) problems.brandName = "Use at most 100 characters.";
  if (form.component === "ShareVehiclesWithDimo") {
    set("expirationDate", expirationProblem(form.expirationDate, today));
    if (form.permissionMode === "custom" && form.privileges.length === 0)
      problems.privileges = "Choose at least one privilege, or use a template.";
  }
  return problems;
}

/** The stored configuration object: only strings, keys as the official console writes them. */
export function toConfiguration(form: ConfigForm): Record<string, string> {
  const component = COMPONENTS.find((c) => c.id === form.component)!;
  const out: Record<string, string> = {
    redirectUri: form.redirectUri,
    utm: form.utm,
    entryState: component.entryState,
  };
  const put = (key: string, value: string) => {
    if (value.trim() !== "") out[key] = value.trim();
  };
  put("vehicles", splitList(form.vehicles).join(","));
  put("vehicleMakes", splitList(form.vehicleMakes).join(","));
  put("powerTrainTypes", form.powertrainTypes.join(","));
  if (form.onboarding) out.onboarding = "ADD_VEHICLE";
  if (form.component === "ShareVehiclesWithDimo") {
    if (form.expirationDate) out.expirationDate = toOfficialDate(form.expirationDate);
    if (form.permissionMode === "template") out.permissionTemplateId = form.templateId;
    else out.permissions = bitstring(form.privileges);
  }
  if (form.component === "ExecuteAdvancedTransactionWithDimo") {
    put("value", form.value);
    put("abi", form.abi);
    put("functionName", form.functionName);
    put("args", form.args);
  }
  put("brandName", form.brandName);
  if (form.altTitle) out.altTitle = "true";
  put("tosUrl", form.tosUrl);
  put("privacyPolicyUrl", form.privacyPolicyUrl);
  put("newVehicleSectionDescription", form.newVehicleSectionDescription);
  put("shareVehiclesSectionDescription", form.shareVehiclesSectionDescription);
  put("authenticatedLabel", form.authenticatedLabel);
  put("unAuthenticatedLabel", form.unAuthenticatedLabel);
  out.mode = form.mode;
  return out;
}

/** The form for a stored configuration (also one written by hand or by the official console). */
export function fromConfiguration(name: string, c: Record<string, unknown>): ConfigForm {
  const s = (key: string) =>
    typeof c[key] === "string"
      ? (c[key] as string)
      : Array.isArray(c[key])
        ? (c[key] as unknown[]).join(",")
        : "";
  const component = COMPONENTS.find((x) => x.entryState === s("entryState"))?.id ?? "LoginWithDimo";
  const form = emptyForm(s("redirectUri"));
  const permissions = s("permissions");
  return {
    ...form,
    name,
    component,
    utm: s("utm"),
    expirationDate: fromStoredDate(s("expirationDate")),
    permissionMode: s("permissionTemplateId") === "" && permissions !== "" ? "custom" : "template",
    templateId: s("permissionTemplateId") === "2" ? "2" : "1",
    privileges: permissions ? privilegesOfBitstring(permissions) : form.privileges,
    vehicles: s("vehicles"),
    vehicleMakes: s("vehicleMakes"),
    powertrainTypes: splitList(s("powerTrainTypes") || s("powertrainTypes")),
    onboarding: s("onboarding") !== "",
    brandName: s("brandName"),
    altTitle: /^(true|1|yes|on)$/i.test(s("altTitle")),
    tosUrl: s("tosUrl"),
    privacyPolicyUrl: s("privacyPolicyUrl"),
    newVehicleSectionDescription: s("newVehicleSectionDescription"),
    shareVehiclesSectionDescription: s("shareVehiclesSectionDescription"),
    authenticatedLabel: s("authenticatedLabel"),
    unAuthenticatedLabel: s("unAuthenticatedLabel"),
    mode: s("mode") === "popup" ? "popup" : "redirect",
    value: s("value"),
    abi: s("abi"),
    functionName: s("functionName"),
    args: s("args"),
  };
}

/** The link that needs nothing but the configuration id. */
export function configurationLink(origin: string, id: string): string {
  return `${origin}/?configurationId=${encodeURIComponent(id)}`;
}

/** Keys of the stored object that are SDK props, never login parameters. */
const SDK_ONLY = new Set([
  "authenticatedLabel",
  "unAuthenticatedLabel",
  "mode",
  "value",
  "abi",
  "functionName",
  "args",
]);

/** The same request as plain URL parameters (what the official SDK's redirect mode builds). */
export function plainUrl(origin: string, clientId: string, configuration: Record<string, string>): string {
  const params = new URLSearchParams({ clientId });
  for (const [key, value] of Object.entries(configuration)) {
    if (SDK_ONLY.has(key) || value === "") continue;
    params.set(key === "powerTrainTypes" ? "powertrainTypes" : key, value);
  }
  return `${origin}/?${params.toString()}`;
}

function componentName(configuration: Record<string, string>): ComponentId {
  return COMPONENTS.find((c) => c.entryState === configuration.entryState)?.id ?? "LoginWithDimo";
}

/** `@keyfob/react`: the component takes the configuration id; baseUrl points it at this server. */
export function keyfobReactSnippet(
  origin: string,
  clientId: string,
  configuration: Record<string, string>,
  id: string,
): string {
  const component = componentName(configuration);
  return `import { initializeKeyfob, ${component} } from "@keyfob/react";

initializeKeyfob({
  clientId: "${clientId}",
  redirectUri: "${configuration.redirectUri ?? ""}",
  baseUrl: "${origin}",
});

export function ConnectButton() {
  return (
    <${component}
      mode="${configuration.mode === "popup" ? "popup" : "redirect"}"
      configurationId="${id}"
      onSuccess={(result) => console.log(result)}
      onError={(error) => console.error(error)}
    />
  );
}
`;
}

/** The official SDK (login-with-dimo) has no configuration id: the same settings as props. */
export function officialSdkSnippet(clientId: string, configuration: Record<string, string>): string {
  const component = componentName(configuration);
  const props: string[] = [`mode={DimoSDKModes.${configuration.mode === "popup" ? "POPUP" : "REDIRECT"}}`];
  const list = (key: string, prop: string) => {
    if (configuration[key]) props.push(`${prop}={${JSON.stringify(configuration[key]!.split(","))}}`);
  };
  if (configuration.permissionTemplateId)
    props.push(`permissionTemplateId="${configuration.permissionTemplateId}"`);
  if (configuration.permissions) {
    const keys = privilegesOfBitstring(configuration.permissions).map(
      (id) => `Permissions.${PRIVILEGES[id - 1]!.key}`,
    );
    props.push(`permissions={[${keys.join(", ")}]}`);
  }
  if (configuration.expirationDate)
    props.push(`expirationDate="${fromStoredDate(configuration.expirationDate)}"`);
  list("vehicles", "vehicles");
  list("vehicleMakes", "vehicleMakes");
  list("powerTrainTypes", "powertrainTypes");
  if (configuration.utm) props.push(`utm=${JSON.stringify(configuration.utm)}`);
  for (const key of ["authenticatedLabel", "unAuthenticatedLabel"])
    if (configuration[key]) props.push(`${key}=${JSON.stringify(configuration[key])}`);
  const options: string[] = [];
  for (const key of ["brandName", "tosUrl", "privacyPolicyUrl"])
    if (configuration[key]) options.push(`    ${key}: ${JSON.stringify(configuration[key])},`);
  return `import { DimoSDKModes, initializeDimoSDK, Permissions, ${component} } from "@dimo-network/login-with-dimo";

// The official SDK opens its own login URL: serve Keyfob's login app there, or use environment "local"
// with Keyfob on http://localhost:3000 (connect-protocol.md §7.4).
initializeDimoSDK({
  clientId: "${clientId}",
  redirectUri: "${configuration.redirectUri ?? ""}",
  environment: "local",${options.length ? `\n  options: {\n${options.join("\n")}\n  },` : ""}
});

<${component}
  ${props.join("\n  ")}
  onSuccess={(result) => console.log(result)}
  onError={(error) => console.error(error)}
/>
`;
}

/** What the consent screen will say, for the live preview (connect-protocol.md §9). */
export function previewModel(
  form: ConfigForm,
  app: {
    alias: string | null;
    clientId: string;
    platformName: string;
    brand: { name: string; logoUrl: string | null; primaryColor: string | null } | null;
  },
) {
  const brandName = form.brandName || app.brand?.name || "";
  const name = brandName || app.alias || app.clientId;
  let hostname = "";
  try {
    hostname = new URL(form.redirectUri).hostname;
  } catch {
    hostname = "";
  }
  const title = brandName
    ? `Sign in with ${brandName}`
    : form.altTitle
      ? `Login to ${app.alias ?? app.clientId} using ${app.platformName}`
      : `${app.alias ?? app.clientId} uses ${app.platformName} to connect to your cars`;
  const privileges =
    form.component !== "ShareVehiclesWithDimo"
      ? []
      : form.permissionMode === "template"
        ? [...(TEMPLATES.find((t) => t.id === form.templateId)?.privileges ?? [])]
        : form.privileges;
  return {
    title,
    hostname,
    consent:
      form.component === "ShareVehiclesWithDimo"
        ? `${name} wants to use ${app.platformName} to connect to your vehicles data`
        : `I agree to share my email with ${name}`,
    privileges: PRIVILEGES.filter((p) => privileges.includes(p.id)),
    expires: form.expirationDate || null,
    logoUrl: app.brand?.logoUrl ?? null,
    primaryColor: app.brand?.primaryColor ?? "#1A1A2E",
    shareText: form.shareVehiclesSectionDescription,
    newVehicleText: form.newVehicleSectionDescription,
    onboarding: form.onboarding,
    filters: [
      ...(form.vehicles ? [`Only vehicles ${splitList(form.vehicles).join(", ")}`] : []),
      ...(form.vehicleMakes ? [`Only ${splitList(form.vehicleMakes).join(", ")}`] : []),
      ...(form.powertrainTypes.length ? [`Only ${form.powertrainTypes.join(", ")}`] : []),
    ],
  };
}
