import { describe, expect, it } from "vitest";
import { useServices } from "../test/support/services.ts";
import { DEMO_CONFIGURATION_ID, DEMO_REDIRECT_URI, DEMO_WEB_ORIGIN, demoLinks, seedDemo } from "./demo.ts";

const ctx = useServices(Date.parse("2030-01-01T00:00:00Z"));

describe("demo data for the login app", () => {
  it("the demo license may be framed and messaged by the demo app, and has a consent configuration with a fixed id", async () => {
    const demo = await seedDemo(ctx.services);
    expect(await ctx.services.licenseSettings.get(demo.clientId)).toMatchObject({
      webOrigins: [DEMO_WEB_ORIGIN],
      embedEnabled: true,
      legacyTokenResponse: true,
      secureOnly: false,
    });
    expect(await ctx.services.configurations.get(DEMO_CONFIGURATION_ID)).toMatchObject({
      clientId: demo.clientId,
      configuration: {
        redirectUri: DEMO_REDIRECT_URI,
        entryState: "VEHICLE_MANAGER",
        permissionTemplateId: "1",
      },
    });
    // Idempotent: a second run changes nothing and fails on nothing.
    await seedDemo(ctx.services);
    expect(await ctx.services.configurations.list(demo.clientId)).toHaveLength(1);
    expect((await ctx.services.licenseSettings.get(demo.clientId)).webOrigins).toEqual([DEMO_WEB_ORIGIN]);
  });

  it("prints the consent link and the same request spelled out", async () => {
    const demo = await seedDemo(ctx.services);
    expect(demoLinks("http://localhost:3000", demo.clientId)).toEqual({
      consent: `http://localhost:3000/?configurationId=${DEMO_CONFIGURATION_ID}`,
      plain: `http://localhost:3000/?clientId=${demo.clientId}&redirectUri=http://localhost:5173/&entryState=VEHICLE_MANAGER&permissionTemplateId=1`,
    });
  });
});
