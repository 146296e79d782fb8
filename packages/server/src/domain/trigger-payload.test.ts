import { describe, expect, it } from "vitest";
import { resolveMetric, webhookSignalDefinitions } from "./trigger-metrics.ts";
import { triggerCloudEvent, VERIFICATION_BODY } from "./trigger-payload.ts";

const DID = "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7";
const SOURCE = "did:ethr:137:0x5FbDB2315678afecb367f032d93F642f64180aa3";
const WEBHOOK = {
  id: "0b5c2f1e-5d9b-4d4e-9f57-3c1a3c7d2e11",
  displayName: "Speeding",
  service: "signals" as const,
  metricName: "vss.speed",
  condition: "valueNumber > 100",
};

describe("triggerCloudEvent", () => {
  it("writes a signal delivery exactly as the spec shows, keys in order, producer empty", () => {
    const text = triggerCloudEvent({
      id: "5f0c1d0e-0000-4000-8000-000000000001",
      time: Date.parse("2025-06-01T12:00:01.500Z"),
      subject: DID,
      webhook: WEBHOOK,
      signal: {
        name: "speed",
        unit: "km/h",
        timestamp: Date.parse("2025-06-01T12:00:00Z"),
        source: SOURCE,
        valueType: "float64",
        value: 101.5,
      },
    });
    expect(text).toBe(
      JSON.stringify({
        id: "5f0c1d0e-0000-4000-8000-000000000001",
        source: "vehicle-triggers-api",
        producer: "",
        specversion: "1.0",
        subject: DID,
        time: "2025-06-01T12:00:01.500Z",
        type: "dimo.trigger",
        datacontenttype: "application/json",
        dataversion: "signals/v1.0",
        data: {
          service: "signals",
          metricName: "vss.speed",
          webhookId: WEBHOOK.id,
          webhookName: "Speeding",
          assetDID: DID,
          condition: "valueNumber > 100",
          signal: {
            name: "speed",
            unit: "km/h",
            timestamp: "2025-06-01T12:00:00.000Z",
            source: SOURCE,
            valueType: "float64",
            value: 101.5,
          },
        },
      }),
    );
  });

  it("writes events, locations without a unit, and test events", () => {
    const event = JSON.parse(
      triggerCloudEvent({
        id: "e",
        time: 0,
        subject: DID,
        webhook: { ...WEBHOOK, service: "events", metricName: "behavior.harshBraking", condition: "true" },
        event: {
          name: "behavior.harshBraking",
          timestamp: 1000,
          source: SOURCE,
          durationNs: 1500000,
          metadata: '{"g":0.6}',
        },
      }),
    );
    expect(event.dataversion).toBe("events/v1.0");
    expect(event.data.event).toEqual({
      name: "behavior.harshBraking",
      timestamp: "1970-01-01T00:00:01.000Z",
      source: SOURCE,
      durationNs: 1500000,
      metadata: '{"g":0.6}',
    });
    expect(event.data.signal).toBeUndefined();
    const location = JSON.parse(
      triggerCloudEvent({
        id: "l",
        time: 0,
        subject: DID,
        test: true,
        webhook: { ...WEBHOOK, metricName: "vss.currentLocationCoordinates" },
        signal: {
          name: "currentLocationCoordinates",
          unit: "",
          timestamp: 0,
          source: "",
          valueType: "vss.Location",
          value: { latitude: 48.1, longitude: 11.5, hdop: 1.2 },
        },
      }),
    );
    expect(location.type).toBe("dimo.trigger.test");
    expect(location.data.signal).toEqual({
      name: "currentLocationCoordinates",
      timestamp: "1970-01-01T00:00:00.000Z",
      valueType: "vss.Location",
      value: { latitude: 48.1, longitude: 11.5, hdop: 1.2 },
    });
    expect(VERIFICATION_BODY).toBe('{"verification":"test"}');
  });
});

describe("trigger metrics", () => {
  it("resolves vss.<signal> and event names with their privileges; refuses the rest", () => {
    expect(resolveMetric("signals", "vss.speed")).toMatchObject({ valueType: "float64", privileges: [1] });
    expect(resolveMetric("signals", "vss.currentLocationCoordinates")).toMatchObject({
      valueType: "vss.Location",
      privileges: [4],
    });
    expect(resolveMetric("signals", "vss.powertrainType")).toMatchObject({ valueType: "string" });
    expect(resolveMetric("events", "behavior.harshBraking")).toMatchObject({ privileges: [1, 4] });
    expect(resolveMetric("signals", "speed")).toBeUndefined();
    expect(resolveMetric("signals", "vss.warpFactor")).toBeUndefined();
    expect(resolveMetric("signals", "vss.currentLocationApproximateCoordinates")).toBeUndefined();
    expect(resolveMetric("events", "vss.speed")).toBeUndefined();
    expect(resolveMetric("signals", "behavior.harshBraking")).toBeUndefined();
  });

  it("lists every stored signal for GET /v1/webhooks/signals", () => {
    const list = webhookSignalDefinitions();
    expect(list).toHaveLength(116);
    expect(list.find((s) => s.name === "speed")).toEqual({
      name: "speed",
      description: "Vehicle speed.",
      unit: "km/h",
      valueType: "float64",
      permissions: ["privilege:GetNonLocationHistory"],
    });
    expect(list.find((s) => s.name === "currentLocationCoordinates")?.permissions).toEqual([
      "privilege:GetLocationHistory",
    ]);
  });
});
