import { describe, expect, it } from "vitest";
import { decodeSubject, encodeSubject, SubjectDecodeError } from "./subject.ts";

// auth-and-tokens.md §3.4
const USER_ID = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const SUB = "CioweDVGYkRCMjMxNTY3OGFmZWNiMzY3ZjAzMmQ5M0Y2NDJmNjQxODBhYTMSBHdlYjM";

const b64 = (bytes: number[]) => Buffer.from(bytes).toString("base64url");
const str = (s: string) => [...Buffer.from(s, "utf8")];
/** A length-delimited field with a single-byte length. */
const field = (n: number, s: string) => [(n << 3) | 2, Buffer.byteLength(s), ...str(s)];

describe("encodeSubject", () => {
  it("produces the spec vector", () => {
    expect(encodeSubject({ userId: USER_ID, connId: "web3" })).toBe(SUB);
  });

  it("lays out bytes as 0x0a len user_id 0x12 len conn_id", () => {
    const bytes = [...Buffer.from(encodeSubject({ userId: USER_ID, connId: "web3" }), "base64url")];
    expect(bytes).toEqual([0x0a, 42, ...str(USER_ID), 0x12, 4, ...str("web3")]);
  });

  it("uses base64url without padding", () => {
    const sub = encodeSubject({ userId: USER_ID, connId: "web3" });
    expect(sub).not.toMatch(/[=+/]/);
    // a length that would need padding in standard base64
    expect(encodeSubject({ userId: "a", connId: "b" })).not.toContain("=");
  });

  it("encodes lengths of 128 and more as multi-byte varints", () => {
    const long = "x".repeat(300);
    const bytes = [...Buffer.from(encodeSubject({ userId: long, connId: "web3" }), "base64url")];
    expect(bytes.slice(0, 3)).toEqual([0x0a, 0xac, 0x02]); // 300 = 0b10_0101100
    expect(decodeSubject(encodeSubject({ userId: long, connId: "web3" }))).toEqual({
      userId: long,
      connId: "web3",
    });
  });

  it("encodes lengths in UTF-8 bytes, not characters", () => {
    const bytes = [...Buffer.from(encodeSubject({ userId: "é", connId: "" }), "base64url")];
    expect(bytes.slice(0, 2)).toEqual([0x0a, 2]);
  });
});

describe("decodeSubject", () => {
  it("decodes the spec vector", () => {
    expect(decodeSubject(SUB)).toEqual({ userId: USER_ID, connId: "web3" });
  });

  it("round-trips arbitrary subjects, including non-ASCII", () => {
    for (const s of [
      { userId: USER_ID, connId: "web3" },
      { userId: "", connId: "" },
      { userId: "user-ü-😀", connId: "email" },
      { userId: "y".repeat(20_000), connId: "c".repeat(127) },
    ]) {
      expect(decodeSubject(encodeSubject(s))).toEqual(s);
    }
  });

  it("accepts the fields in reverse order", () => {
    expect(decodeSubject(b64([...field(2, "web3"), ...field(1, USER_ID)]))).toEqual({
      userId: USER_ID,
      connId: "web3",
    });
  });

  it("skips unknown fields of every wire type", () => {
    const bytes = [
      ...field(3, "ignored"), // length-delimited
      (4 << 3) | 0,
      0x96,
      0x01, // varint 150
      (5 << 3) | 1,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // fixed64
      ...field(1, USER_ID),
      (6 << 3) | 5,
      9,
      9,
      9,
      9, // fixed32
      ...field(2, "web3"),
      ...field(15, "tail"),
    ];
    expect(decodeSubject(b64(bytes))).toEqual({ userId: USER_ID, connId: "web3" });
  });

  it("skips a 10-byte (64-bit) unknown varint, e.g. a negative int64", () => {
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(
      decodeSubject(b64([(7 << 3) | 0, ...minusOne, ...field(1, USER_ID), ...field(2, "web3")])),
    ).toEqual({
      userId: USER_ID,
      connId: "web3",
    });
  });

  it("accepts a non-minimal (padded) varint length", () => {
    expect(decodeSubject(b64([0x0a, 0x84, 0x00, ...str("web3")])).userId).toBe("web3");
  });

  it("skips unknown fields with a large field number (multi-byte key)", () => {
    // field 1000, wire type 2: key = 8002 = 0xc2 0x3e
    expect(decodeSubject(b64([0xc2, 0x3e, 1, 0x41, ...field(1, USER_ID), ...field(2, "web3")]))).toEqual({
      userId: USER_ID,
      connId: "web3",
    });
  });

  it("lets the last occurrence of a field win, as protobuf does", () => {
    expect(decodeSubject(b64([...field(1, "first"), ...field(1, USER_ID), ...field(2, "web3")])).userId).toBe(
      USER_ID,
    );
  });

  it("leaves a missing field empty", () => {
    expect(decodeSubject(b64(field(1, USER_ID)))).toEqual({ userId: USER_ID, connId: "" });
    expect(decodeSubject(b64(field(2, "web3")))).toEqual({ userId: "", connId: "web3" });
  });

  it("tolerates base64 padding", () => {
    const padded = Buffer.from(SUB, "base64url").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
    expect(padded.endsWith("=")).toBe(true);
    expect(decodeSubject(padded)).toEqual({ userId: USER_ID, connId: "web3" });
  });

  describe("throws SubjectDecodeError on garbage", () => {
    const cases: Array<[string, string]> = [
      ["non-base64 characters", "!!!not a subject!!!"],
      ["standard base64 alphabet (+ and /)", "ab+/cd"],
      ["a JWT-like dotted string", "a.b.c"],
      ["whitespace", `${SUB} `],
      ["a dangling base64 character", "A"],
      ["a dangling character after a valid subject", `${SUB}AA`],
      ["the vector truncated mid-value", SUB.slice(0, 20)],
      ["a length past the end", b64([0x0a, 50, ...str("short")])],
      ["a truncated varint", b64([0x0a, 0x80])],
      ["a varint longer than 10 bytes", b64([0x20, ...Array(10).fill(0xff), 0x01])],
      [
        "a huge length that would wrap to a small one in 32 bits",
        b64([0x0a, 0x84, 0x80, 0x80, 0x80, 0x10, ...str("web3")]),
      ],
      ["a truncated fixed64", b64([(5 << 3) | 1, 1, 2, 3])],
      ["a truncated fixed32", b64([(5 << 3) | 5, 1, 2])],
      ["a start-group wire type", b64([(3 << 3) | 3, ...field(1, USER_ID)])],
      ["an end-group wire type", b64([(3 << 3) | 4])],
      ["an invalid wire type 6", b64([(3 << 3) | 6, 0])],
      ["an invalid wire type 7", b64([(3 << 3) | 7, 0])],
      ["field number 0", b64([0x02, 1, 0x41])],
      ["zero bytes", "AAAA"],
    ];
    for (const [what, sub] of cases) {
      it(what, () => {
        expect(() => decodeSubject(sub)).toThrow(SubjectDecodeError);
      });
    }
  });
});
