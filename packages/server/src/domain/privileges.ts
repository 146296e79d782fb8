/**
 * Privileges 1..8 and their 2-bit on-chain encoding (connect-protocol.md §5): privilege n is
 * granted only when bits 2n and 2n+1 are both set; bits 0–1 stay zero.
 */
export const PRIVILEGES = [
  {
    id: 1,
    name: "GetNonLocationHistory",
    sdkKey: "NONLOCATION_TELEMETRY",
    telemetry: "VEHICLE_NON_LOCATION_DATA",
    description: "All-time non-location data",
  },
  {
    id: 2,
    name: "ExecuteCommands",
    sdkKey: "COMMANDS",
    telemetry: "VEHICLE_COMMANDS",
    description: "Commands such as lock, unlock and charging",
  },
  {
    id: 3,
    name: "GetCurrentLocation",
    sdkKey: "CURRENT_LOCATION",
    telemetry: "VEHICLE_CURRENT_LOCATION",
    description: "Current location",
  },
  {
    id: 4,
    name: "GetLocationHistory",
    sdkKey: "ALLTIME_LOCATION",
    telemetry: "VEHICLE_ALL_TIME_LOCATION",
    description: "All-time location history",
  },
  {
    id: 5,
    name: "GetVINCredential",
    sdkKey: "CREDENTIALS",
    telemetry: "VEHICLE_VIN_CREDENTIAL",
    description: "VIN credential",
  },
  { id: 6, name: "GetLiveData", sdkKey: "STREAMS", telemetry: null, description: "Live data streams" },
  { id: 7, name: "GetRawData", sdkKey: "RAW_DATA", telemetry: "VEHICLE_RAW_DATA", description: "Raw data" },
  {
    id: 8,
    name: "GetApproximateLocation",
    sdkKey: "APPROXIMATE_LOCATION",
    telemetry: "VEHICLE_APPROXIMATE_LOCATION",
    description: "Approximate location",
  },
] as const;

export type PrivilegeId = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
export const ALL_PRIVILEGE_IDS: readonly PrivilegeId[] = [1, 2, 3, 4, 5, 6, 7, 8];

export function isPrivilegeId(value: unknown): value is PrivilegeId {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 8;
}

/** `privilege:GetNonLocationHistory` for id 1, and so on. */
export function privilegeName(id: PrivilegeId): string {
  return `privilege:${PRIVILEGES[id - 1]!.name}`;
}

const idByName = new Map<string, PrivilegeId>(
  PRIVILEGES.map((p) => [`privilege:${p.name}`, p.id as PrivilegeId]),
);

/** The id for `privilege:<Name>`, or undefined for an unknown name. */
export function privilegeIdFromName(name: string): PrivilegeId | undefined {
  return idByName.get(name);
}

/** Σ 3 << 2n over the ids; duplicates are harmless. */
export function encodePrivileges(ids: Iterable<PrivilegeId>): number {
  let value = 0;
  for (const id of ids) {
    if (!isPrivilegeId(id)) throw new RangeError(`unknown privilege ${String(id)}`);
    value |= 3 << (2 * id);
  }
  return value;
}

/** The ids whose bit pair is 0b11, ascending. Pair 0 and pairs above 8 are ignored. */
export function decodePrivileges(bits: number | bigint): PrivilegeId[] {
  const value = BigInt(bits);
  return ALL_PRIVILEGE_IDS.filter((id) => ((value >> BigInt(2 * id)) & 3n) === 3n);
}

export function hasPrivilege(bits: number, id: PrivilegeId): boolean {
  return ((bits >> (2 * id)) & 3) === 3;
}

/** Lower-case hex with 0x and no padding, as the Identity API renders permissions. */
export function permissionsHex(bits: number): string {
  return `0x${bits.toString(16)}`;
}

/** Built-in SACD permission templates: template "1" grants privileges 1–6. */
export const BUILTIN_TEMPLATES: ReadonlyArray<{ id: number; privileges: PrivilegeId[]; name: string }> = [
  { id: 1, privileges: [1, 2, 3, 4, 5, 6], name: "All vehicle data and commands (privileges 1–6)" },
];
