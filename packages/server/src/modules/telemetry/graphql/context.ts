import type { Address } from "../../../domain/address.ts";
import type { Random } from "../../../domain/aggregations.ts";
import type { JwtService } from "../../auth/jwt.ts";
import type { TelemetryReader } from "../contract.ts";
import type { VehicleCaller } from "./access.ts";

/** What the Telemetry API reads from: the signal store's read side and the JWT verifier. */
export interface TelemetryDeps {
  signals: TelemetryReader;
  jwt: JwtService;
  config: { vehicleContract: Address };
}

/** Per request: the deps, the verified caller (null without an Authorization header), RAND's source. */
export interface TelemetryContext {
  deps: TelemetryDeps;
  caller: VehicleCaller | null;
  random: Random;
}
