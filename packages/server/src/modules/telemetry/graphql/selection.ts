import {
  type DirectiveNode,
  type FieldNode,
  type GraphQLResolveInfo,
  Kind,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";

/** One field the client selected on a resolver's result: its response key (alias or name) and arguments. */
export interface SelectedField {
  responseKey: string;
  name: string;
  args: Record<string, unknown>;
}

/**
 * The fields selected on the object the current resolver returns (a list's items included):
 * fragments expanded, `@skip`/`@include` applied, argument literals and variables turned into
 * values. The root `signals` resolver needs them up front — which signals, which aggregations,
 * under which aliases — because the buckets it returns depend on all of them together.
 *
 * Only the syntax tree is read (the document is valid by now), never the schema's type objects:
 * a test runner may load a second copy of graphql for our sources, and graphql's type checks
 * refuse objects made by another copy. Argument values are therefore uncoerced: a single value
 * where a list is expected stays a single value (see `asList`).
 */
export function selectedFields(info: GraphQLResolveInfo): SelectedField[] {
  const seen = new Map<string, SelectedField>();
  const visitedFragments = new Set<string>();
  const variables = info.variableValues;

  const included = (directives: readonly DirectiveNode[] | undefined) =>
    (directives ?? []).every((directive) => {
      const condition = directive.arguments?.find((arg) => arg.name.value === "if");
      if (!condition) return true;
      const value = valueFromASTUntyped(condition.value, variables);
      if (directive.name.value === "skip") return value !== true;
      if (directive.name.value === "include") return value !== false;
      return true;
    });

  const add = (node: FieldNode) => {
    const responseKey = node.alias?.value ?? node.name.value;
    // Validation has made every response key unambiguous: the first occurrence stands for all.
    if (seen.has(responseKey)) return;
    const args: Record<string, unknown> = {};
    for (const arg of node.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value, variables);
    seen.set(responseKey, { responseKey, name: node.name.value, args });
  };

  const visit = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (!included(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) add(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else {
        const name = selection.name.value;
        if (visitedFragments.has(name)) continue;
        visitedFragments.add(name);
        visit(info.fragments[name]?.selectionSet);
      }
    }
  };

  for (const node of info.fieldNodes) visit(node.selectionSet);
  return [...seen.values()];
}

/** GraphQL input coercion accepts a single value for a list: `in: 5` means `in: [5]`. */
export function asList<T>(value: T | readonly T[] | null | undefined): readonly T[] | null | undefined {
  if (value === null || value === undefined) return value as null | undefined;
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
