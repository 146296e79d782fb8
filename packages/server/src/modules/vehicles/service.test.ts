import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { serviceError, testConfig, useServices } from "../../../test/support/services.ts";
import { createServices } from "../../services.ts";
import { definitionId, type PowertrainType, type TransferEvent, type VehicleSpec } from "./service.ts";

const ALICE = getAddress("0x8ba1f109551bd432803012645ac136ddd64dba72");
const BOB = getAddress("0xab5801a7d398351b8be11c439e05c5b3259aec9b");
const CAROL = getAddress("0x1db3439a222c519ab44bb1144fc28167b4fa6ee6");
const VEHICLE_CONTRACT = "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF";
const START = Date.parse("2025-05-01T09:00:00Z");
const MODEL_3: VehicleSpec = { make: "Tesla", model: "Model 3", year: 2020, powertrainType: "BEV" };

const ctx = useServices(START);

async function rowCount(
  table: "vehicles" | "vehicle_definitions" | "manufacturers" | "vehicle_transfers",
): Promise<number> {
  const row = await ctx.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function transfers(tokenId: number) {
  return ctx.store.db
    .selectFrom("vehicle_transfers")
    .select(["token_id", "from_owner", "to_owner", "version", "transferred_at"])
    .where("token_id", "=", tokenId)
    .orderBy("id", "asc")
    .execute();
}

describe("definitionId", () => {
  it.each([
    [{ make: "Tesla", model: "Model 3", year: 2020 }, "tesla_model-3_2020"],
    [{ make: " Land Rover ", model: "Range Rover Sport", year: 2022 }, "land-rover_range-rover-sport_2022"],
    [{ make: "Mercedes-Benz", model: "EQS 450+", year: 2023 }, "mercedes-benz_eqs-450_2023"],
  ])("%j → %s", (spec, expected) => {
    expect(definitionId(spec)).toBe(expected);
  });
});

describe("VehicleService.mint", () => {
  it("mints a vehicle with a definition, a manufacturer and a DID on the vehicle contract", async () => {
    const vehicle = await ctx.services.vehicles.mint({ owner: ALICE.toLowerCase(), ...MODEL_3 });
    expect(vehicle.tokenId).toBe(1);
    expect(vehicle.owner).toBe(ALICE);
    expect(vehicle.tokenDID).toBe(`did:erc721:137:${VEHICLE_CONTRACT}:1`);
    expect(vehicle.transferVersion).toBe(0);
    expect(vehicle.mintedAt).toEqual(new Date(START));
    expect(vehicle.definition).toEqual({
      id: "tesla_model-3_2020",
      make: "Tesla",
      model: "Model 3",
      year: 2020,
      powertrainType: "BEV",
      manufacturerTokenId: expect.any(Number),
    });
    const manufacturer = await ctx.services.vehicles.findManufacturer(vehicle.definition.manufacturerTokenId);
    expect(manufacturer?.name).toBe("Tesla");
    expect(manufacturer?.mintedAt).toEqual(new Date(START));

    expect(await ctx.services.vehicles.find(1)).toEqual(vehicle);
    expect(await ctx.services.vehicles.findDefinition("tesla_model-3_2020")).toEqual(vehicle.definition);
    const second = await ctx.services.vehicles.mint({ owner: BOB, ...MODEL_3 });
    expect(second.tokenId).toBe(2);
    expect(second.tokenDID).toBe(`did:erc721:137:${VEHICLE_CONTRACT}:2`);
  });

  it("trims make and model before storing them", async () => {
    const vehicle = await ctx.services.vehicles.mint({
      owner: ALICE,
      make: "  Ford ",
      model: " Mustang Mach-E  ",
      year: 2021,
      powertrainType: "BEV",
    });
    expect(vehicle.definition).toMatchObject({
      id: "ford_mustang-mach-e_2021",
      make: "Ford",
      model: "Mustang Mach-E",
    });
    expect((await ctx.services.vehicles.findManufacturer(vehicle.definition.manufacturerTokenId))?.name).toBe(
      "Ford",
    );
  });

  it("one definition per make/model/year and one manufacturer per make", async () => {
    const a = await ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3 });
    const b = await ctx.services.vehicles.mint({ owner: BOB, ...MODEL_3 });
    const y = await ctx.services.vehicles.mint({
      owner: ALICE,
      make: "Tesla",
      model: "Model Y",
      year: 2023,
      powertrainType: "BEV",
    });
    const ford = await ctx.services.vehicles.mint({
      owner: ALICE,
      make: "Ford",
      model: "F-150",
      year: 2019,
      powertrainType: "ICE",
    });

    expect(b.definition).toEqual(a.definition);
    expect(y.definition.id).toBe("tesla_model-y_2023");
    expect(y.definition.manufacturerTokenId).toBe(a.definition.manufacturerTokenId);
    expect(ford.definition.manufacturerTokenId).not.toBe(a.definition.manufacturerTokenId);
    expect(await rowCount("vehicle_definitions")).toBe(3);
    expect(await rowCount("manufacturers")).toBe(2);
  });

  it("makes are deduplicated regardless of case: 'tesla' is the same manufacturer as 'Tesla'", async () => {
    const a = await ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3 });
    const b = await ctx.services.vehicles.mint({
      owner: ALICE,
      make: "tesla",
      model: "Model S",
      year: 2018,
      powertrainType: "BEV",
    });
    const c = await ctx.services.vehicles.mint({
      owner: ALICE,
      make: "TESLA",
      model: "Model 3",
      year: 2020,
      powertrainType: "BEV",
    });
    expect(b.definition.manufacturerTokenId).toBe(a.definition.manufacturerTokenId);
    expect(c.definition).toEqual(a.definition); // same slug → same definition
    expect(await rowCount("manufacturers")).toBe(1);
    expect((await ctx.services.vehicles.findManufacturer(a.definition.manufacturerTokenId))?.name).toBe(
      "Tesla",
    );
    expect(await ctx.services.vehicles.count({ make: "TESLA" })).toBe(3);
  });

  it("the DID follows KEYFOB_VEHICLE_CONTRACT (checksummed) and KEYFOB_CHAIN_ID", async () => {
    const contract = "0x45fbcd3ef7361d156e8b16f5538ae36dedf61da8";
    const custom = await createServices(
      testConfig({ KEYFOB_VEHICLE_CONTRACT: contract, KEYFOB_CHAIN_ID: "80002" }),
      { store: ctx.store, now: () => ctx.clock },
    );
    try {
      const vehicle = await custom.vehicles.mint({ owner: ALICE, ...MODEL_3 });
      expect(vehicle.tokenDID).toBe(`did:erc721:80002:${getAddress(contract)}:${vehicle.tokenId}`);
      expect(custom.vehicles.did(42)).toBe(`did:erc721:80002:${getAddress(contract)}:42`);
      expect(custom.vehicles.vehicleContract).toBe(contract);
      expect(custom.vehicles.chainId).toBe(80002);
      // The default installation renders the same token under its own contract.
      expect((await ctx.services.vehicles.find(vehicle.tokenId))?.tokenDID).toBe(
        `did:erc721:137:${VEHICLE_CONTRACT}:${vehicle.tokenId}`,
      );
    } finally {
      await custom.close();
    }
  });

  it.each<[string, Partial<VehicleSpec>]>([
    ["an empty make", { make: "" }],
    ["a blank make", { make: "   " }],
    ["a make over 64 characters", { make: "M".repeat(65) }],
    ["an empty model", { model: "" }],
    ["a model over 64 characters", { model: "m".repeat(65) }],
    ["a year before cars", { year: 1885 }],
    ["a year after 2100", { year: 2101 }],
    ["a fractional year", { year: 2020.5 }],
    ["a NaN year", { year: Number.NaN }],
    ["an unknown powertrain", { powertrainType: "DIESEL" as PowertrainType }],
    ["a lower-case powertrain", { powertrainType: "bev" as PowertrainType }],
  ])("rejects %s as INVALID_ARGUMENT and stores nothing", async (_name, change) => {
    await serviceError(
      ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3, ...change }),
      "INVALID_ARGUMENT",
    );
    expect(await rowCount("vehicles")).toBe(0);
    expect(await rowCount("vehicle_definitions")).toBe(0);
    expect(await rowCount("manufacturers")).toBe(0);
  });

  it.each(["BEV", "PHEV", "HEV", "ICE", "FCEV"] as const)(
    "accepts the %s powertrain",
    async (powertrainType) => {
      const vehicle = await ctx.services.vehicles.mint({
        owner: ALICE,
        ...MODEL_3,
        model: `Test ${powertrainType}`,
        powertrainType,
      });
      expect(vehicle.definition.powertrainType).toBe(powertrainType);
    },
  );

  it("accepts the boundary years 1886 and 2100", async () => {
    expect((await ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3, year: 1886 })).definition.id).toBe(
      "tesla_model-3_1886",
    );
    expect((await ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3, year: 2100 })).definition.id).toBe(
      "tesla_model-3_2100",
    );
  });

  it("rejects a malformed owner address as INVALID_ARGUMENT", async () => {
    await serviceError(
      ctx.services.vehicles.mint({ owner: "0xnotanaddress", ...MODEL_3 }),
      "INVALID_ARGUMENT",
    );
    expect(await rowCount("vehicles")).toBe(0);
  });

  it("find/require: unknown and invalid token ids", async () => {
    expect(await ctx.services.vehicles.find(99)).toBeUndefined();
    expect(await ctx.services.vehicles.find(-1)).toBeUndefined();
    expect(await ctx.services.vehicles.find(1.5)).toBeUndefined();
    await serviceError(ctx.services.vehicles.require(99), "NOT_FOUND");
  });
});

describe("VehicleService.transfer", () => {
  it("moves the vehicle, bumps its version and records the transfer", async () => {
    const vehicle = await ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3 });
    const events: TransferEvent[] = [];
    ctx.services.vehicles.onTransfer((e) => {
      events.push(e);
    });

    ctx.clock = START + 60_000;
    const moved = await ctx.services.vehicles.transfer(vehicle.tokenId, BOB.toLowerCase());
    expect(moved.owner).toBe(BOB);
    expect(moved.transferVersion).toBe(1);
    expect(await ctx.services.vehicles.find(vehicle.tokenId)).toEqual({
      ...vehicle,
      owner: BOB,
      transferVersion: 1,
    });
    expect(events).toEqual([{ tokenId: vehicle.tokenId, from: ALICE, to: BOB, version: 1 }]);

    ctx.clock = START + 120_000;
    await ctx.services.vehicles.transfer(vehicle.tokenId, CAROL);
    expect((await ctx.services.vehicles.require(vehicle.tokenId)).transferVersion).toBe(2);
    expect(await transfers(vehicle.tokenId)).toEqual([
      {
        token_id: vehicle.tokenId,
        from_owner: ALICE,
        to_owner: BOB,
        version: 1,
        transferred_at: START + 60_000,
      },
      {
        token_id: vehicle.tokenId,
        from_owner: BOB,
        to_owner: CAROL,
        version: 2,
        transferred_at: START + 120_000,
      },
    ]);
    expect(events.map((e) => e.version)).toEqual([1, 2]);
  });

  it("ownership queries follow the transfer", async () => {
    const vehicle = await ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3 });
    await ctx.services.vehicles.mint({
      owner: ALICE,
      make: "Ford",
      model: "F-150",
      year: 2019,
      powertrainType: "ICE",
    });
    expect(await ctx.services.vehicles.count({ owner: ALICE })).toBe(2);
    await ctx.services.vehicles.transfer(vehicle.tokenId, BOB);
    expect(await ctx.services.vehicles.count({ owner: ALICE })).toBe(1);
    expect(
      (await ctx.services.vehicles.page({ owner: BOB, limit: 10, order: "asc" })).map((v) => v.tokenId),
    ).toEqual([vehicle.tokenId]);
  });

  it("a transfer to the current owner (in any case) is rejected and changes nothing", async () => {
    const vehicle = await ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3 });
    let notified = 0;
    ctx.services.vehicles.onTransfer(() => {
      notified++;
    });
    await serviceError(ctx.services.vehicles.transfer(vehicle.tokenId, ALICE), "INVALID_ARGUMENT");
    await serviceError(
      ctx.services.vehicles.transfer(vehicle.tokenId, ALICE.toLowerCase()),
      "INVALID_ARGUMENT",
    );
    expect(await ctx.services.vehicles.find(vehicle.tokenId)).toEqual(vehicle);
    expect(await rowCount("vehicle_transfers")).toBe(0);
    expect(notified).toBe(0);
  });

  it("a transfer of an unknown vehicle is NOT_FOUND; to a malformed address INVALID_ARGUMENT", async () => {
    const vehicle = await ctx.services.vehicles.mint({ owner: ALICE, ...MODEL_3 });
    await serviceError(ctx.services.vehicles.transfer(404, BOB), "NOT_FOUND");
    await serviceError(ctx.services.vehicles.transfer(vehicle.tokenId, "bob"), "INVALID_ARGUMENT");
    expect((await ctx.services.vehicles.require(vehicle.tokenId)).transferVersion).toBe(0);
    expect(await rowCount("vehicle_transfers")).toBe(0);
  });
});
