import { describe, expect, it } from "vitest";
import { csvField, toCsv } from "./csv.ts";
import { imageProblem, MAX_IMAGE_BYTES, sniffImageType } from "./images.ts";

describe("uploaded brand images", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0]);
  const webp = Buffer.from("RIFF\0\0\0\0WEBPVP8 ");

  it("are recognised by their bytes, never by a claimed type", () => {
    expect(sniffImageType(png)).toBe("image/png");
    expect(sniffImageType(jpeg)).toBe("image/jpeg");
    expect(sniffImageType(webp)).toBe("image/webp");
    expect(sniffImageType(Buffer.from("<svg onload=alert(1)>"))).toBeUndefined();
    expect(sniffImageType(Buffer.from("GIF89a"))).toBeUndefined();
  });

  it("are refused when empty, too large or not PNG/JPEG/WebP", () => {
    expect(imageProblem(png)).toBeUndefined();
    expect(imageProblem(Buffer.alloc(0))).toMatch(/empty/);
    expect(imageProblem(Buffer.concat([png, Buffer.alloc(MAX_IMAGE_BYTES)]))).toMatch(/larger/);
    expect(imageProblem(Buffer.from("<svg/>"))).toMatch(/SVG is not/);
  });
});

describe("CSV export", () => {
  it("quotes every field and doubles quotes", () => {
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField(null)).toBe('""');
    expect(toCsv(["a", "b"], [[1, "x\ny"]])).toBe('"a","b"\r\n"1","x\ny"\r\n');
  });

  it("keeps spreadsheets from running a field as a formula", () => {
    for (const bad of ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
      expect(csvField(bad).startsWith(`"'`), JSON.stringify(bad)).toBe(true);
    expect(csvField("0xAbC")).toBe('"0xAbC"');
  });
});
