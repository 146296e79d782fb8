import { globalTokenId } from "../global-id.ts";
import { builder } from "./builder.ts";

const PREFIXES: Record<string, string> = {
  Vehicle: "V",
  Manufacturer: "M",
  AftermarketDevice: "AD",
  SyntheticDevice: "S",
};

/** `Node { id }`: the id is derived from the concrete type's prefix and the token id. */
export const NodeRef = builder.interfaceRef<{ tokenId: number }>("Node").implement({
  fields: (t) => ({
    id: t.id({
      resolve: (node, _args, _ctx, info) =>
        globalTokenId(PREFIXES[info.parentType.name] ?? "N", node.tokenId),
    }),
  }),
});
