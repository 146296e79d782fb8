import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import {
  decodeListCursor,
  decodeTokenIdCursor,
  encodeListCursor,
  encodeTokenIdCursor,
  finishPage,
  type PageArgs,
  pageOfList,
  pageRequest,
} from "./pagination.ts";

function rejection(args: PageArgs): { message: string; code: unknown } {
  try {
    pageRequest(args);
  } catch (e) {
    expect(e).toBeInstanceOf(GraphQLError);
    return { message: (e as GraphQLError).message, code: (e as GraphQLError).extensions.code };
  }
  throw new Error(`expected ${JSON.stringify(args)} to be rejected`);
}

describe("pagination arguments (identity-api.md §4.3)", () => {
  it("rejects both, neither, negative and over-limit with the official messages", () => {
    expect(rejection({ first: 1, last: 1 }).message).toBe("pass `first` or `last`, but not both");
    expect(rejection({}).message).toBe("provide `first` or `last`");
    expect(rejection({ first: null, last: null, after: "MQ==" }).message).toBe("provide `first` or `last`");
    expect(rejection({ first: -1 }).message).toBe("the value for `first` cannot be negative");
    expect(rejection({ last: -5 }).message).toBe("the value for `last` cannot be negative");
    expect(rejection({ first: 101 }).message).toBe("the value 101 for `first` exceeds the limit 100");
    expect(rejection({ last: 101 }).message).toBe("the value 101 for `last` exceeds the limit 100");
    expect(rejection({ first: 101 }).code).toBe("INVALID_ARGUMENT");
  });

  it("accepts 0 to 100 and keeps the cursors", () => {
    expect(pageRequest({ first: 100, after: "MQ==" })).toEqual({
      limit: 100,
      direction: "forward",
      after: "MQ==",
    });
    expect(pageRequest({ last: 0, before: "Mg==" })).toEqual({
      limit: 0,
      direction: "backward",
      before: "Mg==",
    });
    expect(pageRequest({ first: 10, after: null, before: null })).toEqual({
      limit: 10,
      direction: "forward",
    });
  });
});

describe("page flags (official semantics)", () => {
  it("first: one extra row means a next page; a cursor `after` means a previous page", () => {
    expect(finishPage(pageRequest({ first: 2 }), [5, 4, 3])).toEqual({
      items: [5, 4],
      hasNextPage: true,
      hasPreviousPage: false,
    });
    expect(finishPage(pageRequest({ first: 2, after: "Ng==" }), [5, 4])).toEqual({
      items: [5, 4],
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });

  it("last: rows arrive nearest-first and are presented in list order", () => {
    expect(finishPage(pageRequest({ last: 2 }), [1, 2, 3])).toEqual({
      items: [2, 1],
      hasNextPage: false,
      hasPreviousPage: true,
    });
    expect(finishPage(pageRequest({ last: 2, before: "MA==" }), [1])).toEqual({
      items: [1],
      hasNextPage: true,
      hasPreviousPage: false,
    });
  });
});

describe("pageOfList", () => {
  const items = [50, 40, 30, 20, 10]; // list order: descending
  const compare = (item: number, key: number) => key - item; // negative = before the cursor
  const page = (args: PageArgs) => pageOfList(pageRequest(args), items, Number, compare);

  it("walks forward and backward around a cursor, even one that is no longer in the list", () => {
    expect(page({ first: 2 })).toEqual({ items: [50, 40], hasNextPage: true, hasPreviousPage: false });
    expect(page({ first: 2, after: "40" })).toEqual({
      items: [30, 20],
      hasNextPage: true,
      hasPreviousPage: true,
    });
    expect(page({ first: 2, after: "25" })).toEqual({
      items: [20, 10],
      hasNextPage: false,
      hasPreviousPage: true,
    });
    expect(page({ last: 2 })).toEqual({ items: [20, 10], hasNextPage: false, hasPreviousPage: true });
    expect(page({ last: 2, before: "20" })).toEqual({
      items: [40, 30],
      hasNextPage: true,
      hasPreviousPage: true,
    });
    expect(page({ last: 5, before: "40" })).toEqual({
      items: [50],
      hasNextPage: true,
      hasPreviousPage: false,
    });
  });
});

describe("cursors", () => {
  it("vehicle cursors are base64 of the decimal token id", () => {
    expect(encodeTokenIdCursor(123)).toBe("MTIz");
    expect(decodeTokenIdCursor("MTIz")).toBe(123);
    expect(decodeTokenIdCursor("Mg==")).toBe(2);
  });

  it("rejects cursors that are not what we issued", () => {
    for (const bad of ["", "!!", "YWJj", "LTE=", "MS41"]) {
      expect(() => decodeTokenIdCursor(bad), bad).toThrow(`Invalid cursor "${bad}".`);
    }
    expect(() => decodeListCursor(encodeListCursor([1, 2]), ["number", "string"])).toThrow("Invalid cursor");
    expect(() => decodeListCursor("bm90IGpzb24=", ["number"])).toThrow("Invalid cursor");
    expect(decodeListCursor(encodeListCursor([1, "a"]), ["number", "string"])).toEqual([1, "a"]);
  });
});
