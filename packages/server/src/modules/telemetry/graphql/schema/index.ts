import type { GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, GraphQLSchema } from "graphql";
import { builder } from "./builder.ts";
import "./events.ts";
import "./latest.ts";
import "./signals.ts";
import "./summary.ts";
import "./vin.ts";

/** The Telemetry API schema (telemetry-api.md §3), built once from the type files above. */
export const telemetrySchema: GraphQLSchema = widenDurationInt(builder.toSchema({ sortSchema: false }));

/**
 * `Event.durationNs` is `Int!` in DIMO's schema, where gqlgen's Int is 64-bit; graphql-js's Int
 * stops at 2³¹ − 1 ns (2.1 s), and a longer event would fail to serialize. The field keeps the
 * name `Int` for introspection and serializes with a wider scalar of the same name. The classes
 * come from the schema's own objects: a test runner may load a second copy of graphql for our
 * sources, and graphql refuses types made by another copy.
 */
function widenDurationInt(schema: GraphQLSchema): GraphQLSchema {
  const field = (schema.getType("Event") as GraphQLObjectType).getFields().durationNs!;
  const nonNull = field.type as GraphQLNonNull<GraphQLScalarType>;
  const NonNull = nonNull.constructor as typeof GraphQLNonNull;
  const Scalar = nonNull.ofType.constructor as typeof GraphQLScalarType;
  const wideInt = new Scalar({
    name: "Int",
    description: nonNull.ofType.description,
    serialize: (value) => {
      if (typeof value !== "number" || !Number.isSafeInteger(value))
        throw new TypeError(`Int cannot represent non-integer value: ${String(value)}`);
      return value;
    },
  });
  field.type = new NonNull(wideInt);
  return schema;
}
