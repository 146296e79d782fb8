// Test data shared by the login app's tests (not part of the build).

import type { ReadyFlow, Vehicle } from "../api.ts";

export function readyFlow(entryState: string, extra: Partial<ReadyFlow["request"]> = {}): ReadyFlow {
  return {
    status: "ready",
    flowId: "flow-1",
    replyOrigin: "https://app.example",
    app: {
      clientId: "0x1111111111111111111111111111111111111111",
      name: "Demo App",
      alias: "Demo App",
      hostname: "app.example",
      platformName: "Keyfob",
      brand: null,
    },
    request: {
      clientId: "0x1111111111111111111111111111111111111111",
      redirectUri: "https://app.example/callback",
      entryState,
      forceEmail: false,
      altTitle: false,
      privileges: [1, 3, 4],
      permissionTemplateId: null,
      vehicles: [],
      vehicleMakes: [],
      powertrainTypes: [],
      onboarding: [],
      expiresAt: "2126-01-01T00:00:00.000Z",
      expirationDefaulted: true,
      utm: null,
      brandName: null,
      tosUrl: null,
      privacyPolicyUrl: null,
      newVehicleSectionDescription: null,
      shareVehiclesSectionDescription: null,
      cloudEvent: null,
      secure: false,
      mode: "popup",
      ...extra,
    },
  };
}

export function vehicle(tokenId: string, extra: Partial<Vehicle> = {}): Vehicle {
  return {
    tokenId,
    name: `Car ${tokenId}`,
    make: "Tesla",
    model: `Model ${tokenId}`,
    year: 2021,
    powertrainType: "BEV",
    compatible: true,
    incompatibleReasons: [],
    grant: null,
    ...extra,
  };
}
