import SchemaBuilder from "@pothos/core";
import { GraphQLError } from "graphql";
import { type Address, checksumAddress, isHexAddress } from "../../../domain/address.ts";
import type { IdentityContext } from "../context.ts";

/** The code-first schema builder of the Identity API; the type files register on it. */
export const builder = new SchemaBuilder<{
  Context: IdentityContext;
  Scalars: {
    Address: { Input: Address; Output: string };
    Time: { Input: Date; Output: Date };
    BigInt: { Input: bigint; Output: bigint | number };
  };
  DefaultFieldNullability: false;
}>({ defaultFieldNullability: false });

export type IdentityTypes = typeof builder.$inferSchemaTypes;

builder.queryType({
  description: "The Identity API: a read-only registry of vehicles, grants and developer licenses.",
});

builder.scalarType("Address", {
  description: "A 20-byte Ethereum address: EIP-55 checksummed on output; any case accepted on input.",
  serialize: (value) => {
    if (!isHexAddress(value)) throw new GraphQLError("Address cannot represent a non-address value.");
    return checksumAddress(value);
  },
  parseValue: (value) => {
    if (!isHexAddress(value))
      throw new TypeError(`Invalid address ${JSON.stringify(value)}: expected 0x followed by 40 hex digits.`);
    return checksumAddress(value);
  },
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 in UTC at second precision: `2025-01-01T00:00:00Z`. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

builder.scalarType("Time", {
  description: "A point in time, RFC 3339 (UTC, second precision on output).",
  serialize: (value) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new GraphQLError("Time cannot represent an invalid date.");
    return formatTime(value);
  },
  parseValue: (value) => {
    const date = typeof value === "string" && RFC3339.test(value) ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime()))
      throw new TypeError(`Invalid time ${JSON.stringify(value)}: expected RFC 3339.`);
    return date;
  },
});

builder.scalarType("BigInt", {
  description: "An integer of any size, as a decimal string.",
  serialize: (value) => {
    if (typeof value === "bigint" || (typeof value === "number" && Number.isSafeInteger(value)))
      return value.toString();
    throw new GraphQLError("BigInt cannot represent a non-integer value.");
  },
  parseValue: (value) => {
    if (typeof value === "string" && /^-?(0|[1-9][0-9]*)$/.test(value)) return BigInt(value);
    if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
    throw new TypeError(`Invalid BigInt ${JSON.stringify(value)}: expected a decimal string.`);
  },
});
