// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithI18n } from "../testing/render.tsx";
import { emptyDigits, fillDigits, OtpInput } from "./OtpInput.tsx";

function Harness({ initial = emptyDigits() }: { initial?: string[] }) {
  const [digits, setDigits] = useState(initial);
  return (
    <>
      <OtpInput digits={digits} onChange={setDigits} />
      <output data-testid="code">{digits.map((d) => d || "_").join("")}</output>
    </>
  );
}

const box = (n: number) => screen.getByRole("textbox", { name: `Digit ${n} of 6` });
const code = () => screen.getByTestId("code").textContent;

afterEach(cleanup);

describe("fillDigits", () => {
  it("fills from the box, a whole code from the first box", () => {
    expect(fillDigits(emptyDigits(), 2, "12")).toEqual({ digits: ["", "", "1", "2", "", ""], next: 4 });
    expect(fillDigits(emptyDigits(), 3, "123 456").digits).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(fillDigits(emptyDigits(), 4, "9876").digits).toEqual(["", "", "", "", "9", "8"]);
  });
});

describe("OtpInput", () => {
  it("has six labelled numeric boxes in a group; the first offers one-time-code autofill", () => {
    renderWithI18n(<Harness />);
    expect(screen.getByRole("group", { name: "Verification code" })).toBeTruthy();
    for (let n = 1; n <= 6; n++) expect(box(n).getAttribute("inputmode")).toBe("numeric");
    expect(box(1).getAttribute("autocomplete")).toBe("one-time-code");
    expect(box(2).getAttribute("autocomplete")).toBe("off");
  });

  it("advances to the next box when a digit is typed and ignores letters", () => {
    renderWithI18n(<Harness />);
    box(1).focus();
    fireEvent.change(box(1), { target: { value: "4" } });
    expect(code()).toBe("4_____");
    expect(document.activeElement).toBe(box(2));
    fireEvent.change(box(2), { target: { value: "x" } });
    expect(code()).toBe("4_____");
  });

  it("fills every box from a pasted code, wherever it is pasted", () => {
    renderWithI18n(<Harness />);
    fireEvent.paste(box(3), { clipboardData: { getData: () => " 123-456 " } });
    expect(code()).toBe("123456");
    expect(document.activeElement).toBe(box(6));
  });

  it("takes a code autofilled into the first box", () => {
    renderWithI18n(<Harness />);
    fireEvent.change(box(1), { target: { value: "654321" } });
    expect(code()).toBe("654321");
  });

  it("Backspace in an empty box clears the previous one and moves there", () => {
    renderWithI18n(<Harness initial={["1", "2", "3", "", "", ""]} />);
    box(4).focus();
    fireEvent.keyDown(box(4), { key: "Backspace" });
    expect(code()).toBe("12____");
    expect(document.activeElement).toBe(box(3));
    // Backspace in a filled box just empties it (the browser's own edit).
    fireEvent.change(box(2), { target: { value: "" } });
    expect(code()).toBe("1_____");
  });

  it("typing over a filled box replaces its digit", () => {
    renderWithI18n(<Harness initial={["1", "2", "", "", "", ""]} />);
    fireEvent.change(box(2), { target: { value: "27" } });
    expect(code()).toBe("17____");
    expect(document.activeElement).toBe(box(3));
  });

  it("arrow keys move between boxes", () => {
    renderWithI18n(<Harness />);
    box(3).focus();
    fireEvent.keyDown(box(3), { key: "ArrowLeft" });
    expect(document.activeElement).toBe(box(2));
    fireEvent.keyDown(box(2), { key: "ArrowRight" });
    expect(document.activeElement).toBe(box(3));
  });
});
