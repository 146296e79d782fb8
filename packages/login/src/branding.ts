// Branding and messaging (connect-protocol.md §9): titles, https-only links and logos, and the
// brand colour with a readable text colour, applied as CSS custom properties through the CSSOM
// (the CSP forbids inline style attributes in the HTML, not style properties set by script).

import type { TFunction } from "i18next";
import type { AppInfo, Brand, ConnectRequest } from "./api.ts";

/** The URL when it is an absolute https: URL, else null. */
export function httpsUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The heading of the sign-in screen. */
export function pageTitle(t: TFunction, app: AppInfo, request: ConnectRequest): string {
  if (app.brand) return t("title.brand", { brand: app.brand.name });
  const values = { alias: app.alias ?? app.name, platform: app.platformName };
  return request.altTitle ? t("title.alt", values) : t("title.default", values);
}

/** document.title: `Sign in with {brand}` or `Login with {platform}`. */
export function documentTitle(t: TFunction, app: AppInfo | null): string {
  if (app === null) return t("documentTitle.default");
  if (app.brand) return t("documentTitle.brand", { brand: app.brand.name });
  return t("documentTitle.platform", { platform: app.platformName });
}

const HEX = /^#([0-9a-f]{6})$/i;

export function isHexColor(value: string | null | undefined): value is string {
  return typeof value === "string" && HEX.test(value);
}

/** WCAG 2 relative luminance of `#RRGGBB`. */
export function luminance(hex: string): number {
  const value = Number.parseInt(hex.slice(1), 16);
  const channel = (shift: number): number => {
    const c = ((value >> shift) & 0xff) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white, whichever reads better on `background`. */
export function readableTextColor(background: string): string {
  return contrastRatio(background, "#000000") >= contrastRatio(background, "#ffffff") ? "#000000" : "#ffffff";
}

export interface BrandColors {
  primary: string;
  onPrimary: string;
}

/** The brand's colours when usable: the server's text colour if it reaches 4.5:1, else black/white. */
export function brandColors(brand: Brand | null): BrandColors | null {
  if (!brand || !isHexColor(brand.primaryColor)) return null;
  const primary = brand.primaryColor.toLowerCase();
  const onPrimary =
    isHexColor(brand.textColor) && contrastRatio(primary, brand.textColor) >= 4.5
      ? brand.textColor.toLowerCase()
      : readableTextColor(primary);
  return { primary, onPrimary };
}

/** Sets (or clears) --kf-primary and --kf-on-primary on the root element. */
export function applyBrandColors(root: HTMLElement, colors: BrandColors | null): void {
  if (colors === null) {
    root.style.removeProperty("--kf-primary");
    root.style.removeProperty("--kf-on-primary");
    return;
  }
  root.style.setProperty("--kf-primary", colors.primary);
  root.style.setProperty("--kf-on-primary", colors.onPrimary);
}
