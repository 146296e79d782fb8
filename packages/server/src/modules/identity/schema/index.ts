import type { GraphQLSchema } from "graphql";
import { builder } from "./builder.ts";
import "./devices.ts";
import "./licenses.ts";
import "./manufacturers.ts";
import "./sacds.ts";
import "./vehicles.ts";

/** The Identity API schema (identity-api.md §2–§3), built once from the type files above. */
export const identitySchema: GraphQLSchema = builder.toSchema({ sortSchema: false });
