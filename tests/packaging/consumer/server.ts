// A back end outside the repository, type-checked against the packed @keyfob/client.
import { KeyfobClient } from "@keyfob/client";

const keyfob = new KeyfobClient({
  baseUrl: "http://localhost:3000",
  clientId: "0x1111111111111111111111111111111111111111",
  apiKey: `0x${"11".repeat(32)}`,
  domain: "http://localhost:5173/",
});

export async function latestSpeed(owner: string) {
  const vehicles = await keyfob.identity.sharedVehicles({ owner });
  const first = vehicles[0];
  if (!first) return [];
  return keyfob.telemetry.latestSignals(first.tokenId, ["speed"]);
}
