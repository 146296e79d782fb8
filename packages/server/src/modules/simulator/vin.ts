import { hash } from "../../domain/simulation/random.ts";

/** World manufacturer identifiers of the demo makes (others get a neutral one). */
const WMI: Record<string, string> = {
  tesla: "5YJ",
  ford: "1FA",
  toyota: "JTD",
  honda: "1HG",
  bmw: "WBA",
  volkswagen: "WVW",
  mercedes: "WDD",
  "mercedes-benz": "WDD",
};

const CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
const VALUES: Record<string, number> = Object.fromEntries(
  [..."ABCDEFGH"]
    .map((c, i) => [c, i + 1] as const)
    .concat(
      [..."JKLMN"].map((c, i) => [c, i + 1] as const),
      [
        ["P", 7],
        ["R", 9],
      ],
      [..."STUVWXYZ"].map((c, i) => [c, i + 2] as const),
      [..."0123456789"].map((c, i) => [c, i] as const),
    ),
);
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** The check digit (position 9) of a 17-character VIN (ISO 3779 / 49 CFR 565). */
export function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (VALUES[vin[i]!] ?? 0) * WEIGHTS[i]!;
  const r = sum % 11;
  return r === 10 ? "X" : String(r);
}

/** A plausible, valid VIN for a simulated vehicle: the same for the same token id and seed. */
export function simulatedVin(tokenId: number, seed: number, make?: string): string {
  const wmi = WMI[make?.trim().toLowerCase() ?? ""] ?? "5KF";
  const pick = (i: number) => CHARS[hash(seed, tokenId, i) % CHARS.length]!;
  const vds = [0, 1, 2, 3, 4].map(pick).join("");
  const year = "N"; // 2022
  const plant = pick(5);
  const serial = String(100000 + (hash(seed, tokenId, 6) % 900000));
  const draft = `${wmi}${vds}0${year}${plant}${serial}`;
  return `${draft.slice(0, 8)}${vinCheckDigit(draft)}${draft.slice(9)}`;
}
