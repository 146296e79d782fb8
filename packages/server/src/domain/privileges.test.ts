import { describe, expect, it } from "vitest";
import {
  ALL_PRIVILEGE_IDS,
  BUILTIN_TEMPLATES,
  decodePrivileges,
  encodePrivileges,
  hasPrivilege,
  isPrivilegeId,
  PRIVILEGES,
  type PrivilegeId,
  permissionsHex,
  privilegeIdFromName,
  privilegeName,
} from "./privileges.ts";

// connect-protocol.md §5.3 and identity-api.md §4.4.
const TABLE: Array<{ ids: PrivilegeId[]; hex: string; value: number }> = [
  { ids: [1, 2, 3, 4, 5, 6], hex: "0x3ffc", value: 0x3ffc },
  { ids: [1, 3, 4, 5, 6], hex: "0x3fcc", value: 0x3fcc },
  { ids: [1, 2, 3, 4, 5, 6, 7, 8], hex: "0x3fffc", value: 262140 },
  { ids: [1], hex: "0xc", value: 0xc },
  { ids: [1, 4], hex: "0x30c", value: 0x30c },
];

describe("privilege bitmaps (spec table)", () => {
  for (const row of TABLE) {
    it(`encodes privileges ${row.ids.join(",")} as ${row.hex}`, () => {
      expect(encodePrivileges(row.ids)).toBe(row.value);
      expect(permissionsHex(encodePrivileges(row.ids))).toBe(row.hex);
    });

    it(`decodes ${row.hex} back to privileges ${row.ids.join(",")}`, () => {
      expect(decodePrivileges(row.value)).toEqual(row.ids);
      expect(decodePrivileges(BigInt(row.hex))).toEqual(row.ids);
    });
  }

  it("1–8 is 262140 in decimal", () => {
    expect(encodePrivileges(ALL_PRIVILEGE_IDS)).toBe(262140);
  });

  it("round-trips every subset of the eight privileges", () => {
    for (let mask = 0; mask < 256; mask++) {
      const ids = ALL_PRIVILEGE_IDS.filter((id) => mask & (1 << (id - 1)));
      expect(decodePrivileges(encodePrivileges(ids))).toEqual(ids);
    }
  });
});

describe("encodePrivileges", () => {
  it("never sets bit pair 0", () => {
    expect(encodePrivileges(ALL_PRIVILEGE_IDS) & 3).toBe(0);
  });

  it("is order-insensitive and ignores duplicates", () => {
    expect(encodePrivileges([4, 1, 4, 1])).toBe(0x30c);
  });

  it("encodes the empty set as 0, rendered 0x0", () => {
    expect(encodePrivileges([])).toBe(0);
    expect(permissionsHex(0)).toBe("0x0");
  });

  it("accepts any iterable, e.g. a Set", () => {
    expect(encodePrivileges(new Set<PrivilegeId>([1, 4]))).toBe(0x30c);
  });

  it("rejects privilege 0", () => {
    expect(() => encodePrivileges([0 as PrivilegeId])).toThrow(RangeError);
  });

  it("rejects privilege 9", () => {
    expect(() => encodePrivileges([1, 9 as PrivilegeId])).toThrow(RangeError);
  });

  it("rejects non-integer and non-number ids", () => {
    expect(() => encodePrivileges([1.5 as PrivilegeId])).toThrow(RangeError);
    expect(() => encodePrivileges(["1" as unknown as PrivilegeId])).toThrow(RangeError);
  });
});

describe("decodePrivileges", () => {
  it("ignores bit pair 0, even when both bits are set", () => {
    expect(decodePrivileges(0b11)).toEqual([]);
    expect(decodePrivileges(0x3fff)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(decodePrivileges(0xf)).toEqual([1]);
  });

  it("requires both bits of a pair: a half-set pair is not granted", () => {
    expect(decodePrivileges(0x4)).toEqual([]); // only bit 2
    expect(decodePrivileges(0x8)).toEqual([]); // only bit 3
    expect(decodePrivileges(0x30c | 0x10)).toEqual([1, 4]); // half of pair 2
  });

  it("ignores pairs above privilege 8", () => {
    expect(decodePrivileges(0x3fffc | (3 << 18))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(decodePrivileges((1n << 255n) | (3n << 200n) | 0xcn)).toEqual([1]);
  });

  it("decodes 0 as no privileges", () => {
    expect(decodePrivileges(0)).toEqual([]);
    expect(decodePrivileges(0n)).toEqual([]);
  });

  it("returns ids in ascending order", () => {
    expect(decodePrivileges(0x3fffc)).toEqual([...ALL_PRIVILEGE_IDS]);
  });
});

describe("hasPrivilege", () => {
  it("reports exactly the privileges in the bitmap", () => {
    for (const id of ALL_PRIVILEGE_IDS) {
      expect(hasPrivilege(0x30c, id)).toBe(id === 1 || id === 4);
      expect(hasPrivilege(0x3fffc, id)).toBe(true);
      expect(hasPrivilege(0, id)).toBe(false);
    }
  });

  it("needs both bits of the pair", () => {
    expect(hasPrivilege(0x4, 1)).toBe(false);
    expect(hasPrivilege(0xc, 1)).toBe(true);
  });
});

describe("permissionsHex", () => {
  it("renders lower-case hex with 0x and no padding", () => {
    expect(permissionsHex(0x3ffc)).toBe("0x3ffc");
    expect(permissionsHex(0x3fffc)).toBe("0x3fffc");
    expect(permissionsHex(0xc)).toBe("0xc");
    expect(permissionsHex(0xabcd)).toBe("0xabcd");
  });

  it("is what a client decodes back with BigInt(hex)", () => {
    for (const row of TABLE) {
      expect(decodePrivileges(BigInt(permissionsHex(row.value)))).toEqual(row.ids);
    }
  });
});

describe("privilege names", () => {
  const NAMES: Record<PrivilegeId, string> = {
    1: "privilege:GetNonLocationHistory",
    2: "privilege:ExecuteCommands",
    3: "privilege:GetCurrentLocation",
    4: "privilege:GetLocationHistory",
    5: "privilege:GetVINCredential",
    6: "privilege:GetLiveData",
    7: "privilege:GetRawData",
    8: "privilege:GetApproximateLocation",
  };

  for (const id of ALL_PRIVILEGE_IDS) {
    it(`names privilege ${id} ${NAMES[id]} and maps it back`, () => {
      expect(privilegeName(id)).toBe(NAMES[id]);
      expect(privilegeIdFromName(NAMES[id])).toBe(id);
    });
  }

  it("returns undefined for unknown names", () => {
    expect(privilegeIdFromName("privilege:Unknown")).toBeUndefined();
    expect(privilegeIdFromName("GetNonLocationHistory")).toBeUndefined(); // prefix is required
    expect(privilegeIdFromName("privilege:getnonlocationhistory")).toBeUndefined(); // case-sensitive
    expect(privilegeIdFromName("")).toBeUndefined();
    expect(privilegeIdFromName("privilege:")).toBeUndefined();
  });
});

describe("privilege table", () => {
  it("lists ids 1..8 in order with the SDK keys of the spec", () => {
    expect(PRIVILEGES.map((p) => p.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(PRIVILEGES.map((p) => p.sdkKey)).toEqual([
      "NONLOCATION_TELEMETRY",
      "COMMANDS",
      "CURRENT_LOCATION",
      "ALLTIME_LOCATION",
      "CREDENTIALS",
      "STREAMS",
      "RAW_DATA",
      "APPROXIMATE_LOCATION",
    ]);
  });

  it("has no telemetry privilege for GetLiveData only", () => {
    expect(PRIVILEGES.filter((p) => p.telemetry === null).map((p) => p.id)).toEqual([6]);
  });

  it("isPrivilegeId accepts 1..8 and nothing else", () => {
    for (const id of ALL_PRIVILEGE_IDS) expect(isPrivilegeId(id)).toBe(true);
    for (const bad of [0, 9, -1, 1.5, "1", null, undefined, Number.NaN, 1n])
      expect(isPrivilegeId(bad)).toBe(false);
  });

  it("built-in template 1 grants privileges 1–6 (0x3ffc)", () => {
    const t = BUILTIN_TEMPLATES.find((x) => x.id === 1);
    expect(t?.privileges).toEqual([1, 2, 3, 4, 5, 6]);
    expect(permissionsHex(encodePrivileges(t!.privileges))).toBe("0x3ffc");
  });
});
