// The data SDK's shipped .d.ts files use extensionless relative imports, which TypeScript's
// NodeNext resolution cannot follow; this declares the part of its surface the tests use.
declare module "@dimo-network/data-sdk" {
  type AuthHeader = { headers: { Authorization: string } };
  type Params = Record<string, unknown>;
  export const DimoEnvironment: Record<"Production" | "Dev", Record<string, string>>;
  export const DimoConstants: Record<"Production" | "Dev", { NFT_address: string }>;
  export class DimoError extends Error {
    statusCode?: number;
    body?: unknown;
  }
  export class DIMO {
    constructor(env: "Production" | "Dev");
    auth: {
      getDeveloperJwt(input: { client_id: string; domain: string; private_key: string }): Promise<AuthHeader>;
    };
    identity: {
      query(input: { query: string; variables?: Params }): Promise<unknown>;
      countDimoVehicles(): Promise<unknown>;
      listSacdPerVehicleTokenId(input: { tokenId: number; after?: string }): Promise<unknown>;
      listVehicleDefinitionsPerAddress(input: { address: string; limit: number }): Promise<unknown>;
    };
    tokenexchange: {
      exchange(input: AuthHeader & { tokenId: number; privileges: number[] }): Promise<AuthHeader>;
      getVehicleJwt(input: AuthHeader & { tokenId: number }): Promise<AuthHeader>;
    };
    telemetry: {
      query(input: AuthHeader & { query: string; variables?: Params }): Promise<unknown>;
      getLatestSignals(input: AuthHeader & { tokenId: number }): Promise<unknown>;
    };
    vehicleTriggers: Record<string, (input: Params) => Promise<unknown>>;
  }
}
