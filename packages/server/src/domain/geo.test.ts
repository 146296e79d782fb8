import { cellToLatLng, latLngToCell } from "h3-js";
import { describe, expect, it } from "vitest";
import {
  APPROXIMATE_LOCATION_RESOLUTION,
  approximateLocation,
  haversineKm,
  inCircle,
  inPolygon,
} from "./geo.ts";

describe("haversineKm (WGS-84 mean radius 6371.0088 km)", () => {
  it("one degree of longitude on the equator is R·π/180", () => {
    expect(haversineKm({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 1 })).toBeCloseTo(
      111.19508,
      5,
    );
  });

  it("Berlin to Munich is about 504 km", () => {
    const berlin = { latitude: 52.520008, longitude: 13.404954 };
    const munich = { latitude: 48.137154, longitude: 11.576124 };
    expect(haversineKm(berlin, munich)).toBeCloseTo(504.2, 0);
  });
});

describe("inCircle", () => {
  const center = { latitude: 0, longitude: 0 };
  const oneDegree = haversineKm(center, { latitude: 0, longitude: 1 });

  it("includes the boundary", () => {
    expect(inCircle({ latitude: 0, longitude: 1 }, center, oneDegree)).toBe(true);
    expect(inCircle({ latitude: 1, longitude: 0 }, center, oneDegree)).toBe(true);
  });

  it("excludes points just outside", () => {
    expect(inCircle({ latitude: 0, longitude: 1.0001 }, center, oneDegree)).toBe(false);
    expect(inCircle({ latitude: 0.7, longitude: 0.72 }, center, oneDegree)).toBe(false);
  });

  it("includes the centre with radius 0", () => {
    expect(inCircle(center, center, 0)).toBe(true);
  });
});

describe("inPolygon", () => {
  // A 2° × 2° square around (1, 1), and a concave "L".
  const square = [
    { latitude: 0, longitude: 0 },
    { latitude: 0, longitude: 2 },
    { latitude: 2, longitude: 2 },
    { latitude: 2, longitude: 0 },
  ];
  const ell = [
    { latitude: 0, longitude: 0 },
    { latitude: 0, longitude: 3 },
    { latitude: 1, longitude: 3 },
    { latitude: 1, longitude: 1 },
    { latitude: 3, longitude: 1 },
    { latitude: 3, longitude: 0 },
  ];

  it.each([
    ["counter-clockwise", square],
    ["clockwise", [...square].reverse()],
  ])("works in either orientation (%s)", (_name, polygon) => {
    expect(inPolygon({ latitude: 1, longitude: 1 }, polygon)).toBe(true);
    expect(inPolygon({ latitude: 3, longitude: 1 }, polygon)).toBe(false);
    expect(inPolygon({ latitude: 1, longitude: -0.1 }, polygon)).toBe(false);
  });

  it("includes edges and vertices", () => {
    expect(inPolygon({ latitude: 0, longitude: 1 }, square)).toBe(true);
    expect(inPolygon({ latitude: 2, longitude: 2 }, square)).toBe(true);
    expect(inPolygon({ latitude: 1, longitude: 2 }, square)).toBe(true);
  });

  it("handles a concave polygon", () => {
    expect(inPolygon({ latitude: 0.5, longitude: 2.5 }, ell)).toBe(true);
    expect(inPolygon({ latitude: 2.5, longitude: 0.5 }, ell)).toBe(true);
    expect(inPolygon({ latitude: 2, longitude: 2 }, ell)).toBe(false);
  });

  it("a triangle is enough; fewer points contain nothing", () => {
    const triangle = square.slice(0, 3);
    expect(inPolygon({ latitude: 0.5, longitude: 1.5 }, triangle)).toBe(true);
    expect(inPolygon({ latitude: 1.5, longitude: 0.5 }, triangle)).toBe(false);
    expect(inPolygon({ latitude: 0, longitude: 0 }, square.slice(0, 2))).toBe(false);
  });
});

describe("approximateLocation (H3 resolution 6 cell centre)", () => {
  // Vectors computed with h3-js 4.5.0: cellToLatLng(latLngToCell(lat, lng, 6)).
  it.each([
    [52.520008, 13.404954, "861f1d48fffffff", 52.52358882193956, 13.373676274802076],
    [40.758, -73.9855, "862a100d7ffffff", 40.74274905936816, -73.95762841287764],
    [-33.8568, 151.2153, "86be0e35fffffff", -33.842915974124445, 151.19353174272595],
    [48.1, 11.6, "861f8d7a7ffffff", 48.113167527778394, 11.599894272712762],
  ])("(%d, %d) is in cell %s, centre (%d, %d)", (latitude, longitude, cell, lat6, lng6) => {
    expect(latLngToCell(latitude, longitude, APPROXIMATE_LOCATION_RESOLUTION)).toBe(cell);
    const approx = approximateLocation({ latitude, longitude, hdop: 2.5 });
    expect(approx).toEqual({ latitude: lat6, longitude: lng6, hdop: 2.5 });
    // Within a cell's reach (edge ≈ 3.7 km, so centre to corner ≈ 3.7 km), and stable.
    expect(haversineKm({ latitude, longitude }, approx)).toBeLessThan(4.5);
    expect(approximateLocation(approx)).toEqual(approx);
    expect(cellToLatLng(cell)).toEqual([lat6, lng6]);
  });

  it("points near each other in one cell share the centre", () => {
    const a = approximateLocation({ latitude: 52.5236, longitude: 13.3737, hdop: 1 });
    const b = approximateLocation({ latitude: 52.524, longitude: 13.374, hdop: 9 });
    expect([a.latitude, a.longitude]).toEqual([b.latitude, b.longitude]);
    expect(b.hdop).toBe(9);
  });
});
