import { getAddress } from "viem";
import { beforeEach, describe, expect, it } from "vitest";
import { serviceError, useServices } from "../../../test/support/services.ts";
import { databaseText } from "../../../test/support/store.ts";

const START = Date.parse("2025-06-01T12:00:00.000Z");
const OWNER = getAddress("0x8ba1f109551bd432803012645ac136ddd64dba72");

const ctx = useServices(START);
let vehicles: number[];

beforeEach(async () => {
  vehicles = [];
  for (let i = 0; i < 3; i++)
    vehicles.push(
      (
        await ctx.services.vehicles.mint({
          owner: OWNER,
          make: "Ford",
          model: "Mustang",
          year: 2019,
          powertrainType: "ICE",
        })
      ).tokenId,
    );
});

describe("ConnectionService.create", () => {
  it("creates a connection with a random checksummed address, an ethr source DID and a one-time credential", async () => {
    const created = await ctx.services.connections.create({
      name: " simulator ",
      tokenIds: [vehicles[1]!, vehicles[0]!],
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: "simulator",
      address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      source: `did:ethr:137:${created.address}`,
      createdAt: new Date(START),
      disabledAt: null,
      credential: expect.stringMatching(new RegExp(`^kfc_${created.id}_[A-Za-z0-9_-]{43}$`)),
      tokenIds: [vehicles[0], vehicles[1]],
    });
    expect(getAddress(created.address)).toBe(created.address);
    expect(await ctx.services.connections.vehicleIds(created.id)).toEqual([vehicles[0], vehicles[1]]);
    // Only a hash of the secret is stored.
    const secret = created.credential.slice(`kfc_${created.id}_`.length);
    expect(await databaseText(ctx.store)).not.toContain(secret.toLowerCase());
    const other = await ctx.services.connections.create({ name: "device" });
    expect(other.address).not.toBe(created.address);
    expect(other.tokenIds).toEqual([]);
  });

  it("refuses unknown vehicles and empty names, creating nothing", async () => {
    const err = await serviceError(
      ctx.services.connections.create({ name: "x", tokenIds: [vehicles[0]!, 999] }),
      "NOT_FOUND",
    );
    expect(err.message).toBe("No vehicle with token id 999.");
    await serviceError(ctx.services.connections.create({ name: "  " }), "INVALID_ARGUMENT");
    expect(await ctx.services.connections.list()).toEqual([]);
  });
});

describe("ConnectionService.authenticate", () => {
  it("accepts the credential, and nothing else", async () => {
    const { connections } = ctx.services;
    const created = await connections.create({ name: "sim", tokenIds: [vehicles[0]!] });
    expect(await connections.authenticate(created.credential)).toMatchObject({
      id: created.id,
      source: created.source,
    });
    const secret = created.credential.slice(-43);
    const flipped = `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
    for (const wrong of [
      undefined,
      "",
      `kfc_${created.id}_${flipped}`,
      `kfc_${"0".repeat(16)}_${secret}`,
      created.credential.slice(0, -1),
      `${created.credential}x`,
      created.credential.toUpperCase(),
    ])
      expect(await connections.authenticate(wrong)).toBeUndefined();
  });

  it("a disabled connection's credential stops working; a rotated credential replaces the old one", async () => {
    const { connections } = ctx.services;
    const a = await connections.create({ name: "a" });
    const b = await connections.create({ name: "b" });
    ctx.clock = START + 1000;
    expect((await connections.disable(a.id)).disabledAt).toEqual(new Date(START + 1000));
    expect(await connections.authenticate(a.credential)).toBeUndefined();
    // Idempotent: the first time stays.
    ctx.clock = START + 2000;
    expect((await connections.disable(a.id)).disabledAt).toEqual(new Date(START + 1000));
    const rotated = await connections.rotateCredential(b.id);
    expect(await connections.authenticate(b.credential)).toBeUndefined();
    expect(await connections.authenticate(rotated)).toMatchObject({ id: b.id });
    await serviceError(connections.disable("nope"), "NOT_FOUND");
  });
});

describe("ConnectionService vehicle allow-list", () => {
  it("allows and denies vehicles", async () => {
    const { connections } = ctx.services;
    const c = await connections.create({ name: "sim", tokenIds: [vehicles[0]!] });
    expect(await connections.mayPostFor(c.id, vehicles[0]!)).toBe(true);
    expect(await connections.mayPostFor(c.id, vehicles[1]!)).toBe(false);
    await connections.allowVehicles(c.id, [vehicles[1]!, vehicles[0]!, vehicles[1]!]);
    expect(await connections.vehicleIds(c.id)).toEqual([vehicles[0], vehicles[1]]);
    await connections.denyVehicles(c.id, [vehicles[0]!]);
    expect(await connections.vehicleIds(c.id)).toEqual([vehicles[1]]);
    expect(await connections.mayPostFor(c.id, vehicles[0]!)).toBe(false);
    await serviceError(connections.allowVehicles(c.id, [12345]), "NOT_FOUND");
    await serviceError(connections.allowVehicles("nope", [vehicles[0]!]), "NOT_FOUND");
  });
});
