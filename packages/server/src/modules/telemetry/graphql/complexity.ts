import { GraphQLError, Kind, type SelectionSetNode, type ValidationRule } from "graphql";

/**
 * The official complexity limit (telemetry-api.md §1), counted as gqlgen counts it by default:
 * every selected field costs 1, arguments and lists weigh nothing, a fragment costs its fields at
 * each place it is spread; introspection is free. A heavier cost model would refuse queries DIMO
 * accepts. (`@skip`/`@include` are not evaluated: the count is an upper bound.)
 */
export function complexityLimitRule(limit: number): ValidationRule {
  return (context) => {
    // A fragment costs the same wherever it is spread: computed once (nested spreads cannot blow up).
    const fragmentCost = new Map<string, number>();
    const count = (selectionSet: SelectionSetNode, spreading: ReadonlySet<string>): number => {
      let total = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value === "__schema" || selection.name.value === "__type") continue;
          total += 1 + (selection.selectionSet ? count(selection.selectionSet, spreading) : 0);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          total += count(selection.selectionSet, spreading);
        } else {
          const name = selection.name.value;
          const fragment = context.getFragment(name);
          // A cycle is reported by NoFragmentCyclesRule; here it just stops.
          if (!fragment || spreading.has(name)) continue;
          let cost = fragmentCost.get(name);
          if (cost === undefined) {
            cost = count(fragment.selectionSet, new Set([...spreading, name]));
            fragmentCost.set(name, cost);
          }
          total += cost;
        }
      }
      return total;
    };
    return {
      OperationDefinition(node) {
        const complexity = count(node.selectionSet, new Set());
        if (complexity > limit)
          context.reportError(
            new GraphQLError(`operation has complexity ${complexity}, which exceeds the limit of ${limit}`, {
              nodes: [node],
              extensions: { code: "COMPLEXITY_LIMIT_EXCEEDED" },
            }),
          );
      },
    };
  };
}
