import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { expectError, raw, upload, userWith } from "./test-support.ts";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from("JFIF\0rest-of-jpeg")]);
const WEBP = Buffer.concat([Buffer.from("RIFF"), Buffer.from([24, 0, 0, 0]), Buffer.from("WEBPVP8 fake-webp-data")]);
const SVG = Buffer.from(
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#f00"/></svg>',
);

let stack: Stack;
let dataDir: string;
let a: TestTenant;

const api = (method: string, p: string, body?: unknown, token = a.token) =>
  stack.request(method, p, { host: a.host, token, ...(body === undefined ? {} : { body }) });
const brandingDir = (t: TestTenant) => path.join(dataDir, "uploads", `tenant_${t.id}`, "branding");
const audit = async (action: string) =>
  (await api("GET", `/api/audit-logs?action=${encodeURIComponent(action)}`)).body.items as {
    details: { before: Record<string, unknown>; after: Record<string, unknown> };
  }[];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "proxpanel-settings-"));
  stack = await startStack({ DATA_DIR: dataDir });
  a = await signupTenant(stack);
});
afterAll(async () => {
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("settings: branding and company name", () => {
  it("starts from the onboarding defaults", async () => {
    const res = await api("GET", "/api/settings");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      companyName: `Company ${a.slug}`,
      timezone: "UTC",
      branding: {
        primaryColor: "#1d4ed8",
        secondaryColor: "#0f172a",
        accentColor: "#f59e0b",
        logoUrl: null,
        faviconUrl: null,
        loginBackgroundUrl: null,
        customCss: "",
      },
    });
  });

  it("updates colours, name and CSS, audits before/after and shows them on the public endpoint", async () => {
    const css = ".login { background: #fff; }";
    const res = await api("PATCH", "/api/settings/branding", {
      companyName: "Acme Fibre",
      primaryColor: "#AA00FF",
      accentColor: "#00ff00",
      customCss: css,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ companyName: "Acme Fibre", primaryColor: "#aa00ff", accentColor: "#00ff00" });
    expect(res.body.secondaryColor).toBe("#0f172a");

    const pub = await stack.request("GET", "/api/branding", { host: a.host });
    expect(pub.status).toBe(200);
    expect(pub.body.companyName).toBe("Acme Fibre");
    expect(pub.body.branding).toMatchObject({ primaryColor: "#aa00ff", logoUrl: null });
    expect(pub.body.branding.customCssUrl).toMatch(/^\/api\/branding\/custom\.css\?v=[0-9a-f]{16}$/);
    expect(JSON.stringify(pub.body)).not.toContain(css);

    const cssRes = await stack.request("GET", pub.body.branding.customCssUrl, { host: a.host });
    expect(cssRes.status).toBe(200);
    expect(cssRes.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(cssRes.body).toBe(css);

    const [entry] = await audit("settings.branding.update");
    expect(entry?.details.before).toEqual({
      companyName: `Company ${a.slug}`,
      primaryColor: "#1d4ed8",
      accentColor: "#f59e0b",
      customCss: "",
    });
    expect(entry?.details.after).toEqual({
      companyName: "Acme Fibre",
      primaryColor: "#aa00ff",
      accentColor: "#00ff00",
      customCss: css,
    });
    // The operator console reads the registry's copy of the name.
    const reg = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, a.id));
    expect(reg[0]?.companyName).toBe("Acme Fibre");
  });

  it("refuses bad colours, unknown fields, control characters and oversize CSS, changing nothing", async () => {
    const before = (await api("GET", "/api/settings")).body;
    const auditsBefore = (await audit("settings.branding.update")).length;
    for (const body of [
      { primaryColor: "red" },
      { secondaryColor: "#12345" },
      { accentColor: "#gggggg" },
      { primaryColor: "#123456", logoUrl: "https://evil.example/x.png" },
      { customCss: "a{}\u0000" },
      { companyName: "   " },
      { customCss: "x".repeat(64 * 1024 + 1) },
    ]) {
      const res = await api("PATCH", "/api/settings/branding", body);
      expectError(res, 400, "validation_error");
      expect(Array.isArray(res.body.error.details)).toBe(true);
    }
    // Under the character cap but over the byte cap (2 bytes per character).
    const multi = await api("PATCH", "/api/settings/branding", { customCss: "é".repeat(40_000) });
    expectError(multi, 413, "payload_too_large");
    expect((await api("GET", "/api/settings")).body).toEqual(before);
    expect((await audit("settings.branding.update")).length).toBe(auditsBefore);
  });

  it("writes no audit entry when nothing changes", async () => {
    const current = (await api("GET", "/api/settings/branding")).body;
    const n = (await audit("settings.branding.update")).length;
    const res = await api("PATCH", "/api/settings/branding", { primaryColor: current.primaryColor });
    expect(res.status).toBe(200);
    expect((await audit("settings.branding.update")).length).toBe(n);
  });
});

describe("settings: timezone", () => {
  it("accepts an IANA name, audits it and keeps the registry in step", async () => {
    const res = await api("PATCH", "/api/settings/timezone", { timezone: "Asia/Baghdad" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ timezone: "Asia/Baghdad" });
    expect((await api("GET", "/api/settings/timezone")).body).toEqual({ timezone: "Asia/Baghdad" });
    expect((await stack.request("GET", "/api/branding", { host: a.host })).body.timezone).toBe("Asia/Baghdad");
    const [entry] = await audit("settings.timezone.update");
    expect(entry?.details).toEqual({ before: { timezone: "UTC" }, after: { timezone: "Asia/Baghdad" } });
    const reg = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, a.id));
    expect(reg[0]?.timezone).toBe("Asia/Baghdad");
  });

  it("refuses unknown zones and junk, leaving the zone as it was", async () => {
    for (const timezone of ["Mars/Olympus_Mons", "../../etc/passwd", "", "UTC; drop table x"]) {
      const res = await api("PATCH", "/api/settings/timezone", { timezone });
      expectError(res, 400, "validation_error");
    }
    expect((await api("GET", "/api/settings/timezone")).body).toEqual({ timezone: "Asia/Baghdad" });
  });
});

describe("settings: uploads", () => {
  it("stores a logo under the tenant's folder with a server-chosen name and serves it publicly", async () => {
    const res = await upload(stack, "/api/settings/branding/logo", PNG, {
      host: a.host,
      token: a.token,
      filename: "My Logo (final).png",
      type: "image/png",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "logo", contentType: "image/png", size: PNG.length });
    expect(res.body.url).toMatch(/^\/api\/branding\/assets\/logo\?v=[0-9a-f]{16}$/);
    expect(await readdir(brandingDir(a))).toEqual(["logo.png"]);
    expect(await readFile(path.join(brandingDir(a), "logo.png"))).toEqual(PNG);

    const pub = await stack.request("GET", "/api/branding", { host: a.host });
    expect(pub.body.branding.logoUrl).toBe(res.body.url);
    const asset = await raw(stack, "GET", res.body.url, null, { host: a.host });
    expect(asset.status).toBe(200);
    expect(asset.headers["content-type"]).toBe("image/png");
    expect(asset.headers["x-content-type-options"]).toBe("nosniff");
    expect(asset.bytes).toEqual(PNG);
    const again = await raw(stack, "GET", "/api/branding/assets/logo", null, {
      host: a.host,
      "if-none-match": String(asset.headers.etag),
    });
    expect(again.status).toBe(304);

    const [entry] = await audit("settings.branding.asset_upload");
    expect(entry?.details.before).toBeNull();
    expect(entry?.details.after).toMatchObject({ file: "logo.png", size: PNG.length });
  });

  it("replaces a logo of another type and removes the old file", async () => {
    const res = await upload(stack, "/api/settings/branding/logo", JPEG, { host: a.host, token: a.token });
    expect(res.status).toBe(201);
    expect(res.body.contentType).toBe("image/jpeg");
    expect(await readdir(brandingDir(a))).toEqual(["logo.jpg"]);
    const asset = await raw(stack, "GET", "/api/branding/assets/logo", null, { host: a.host });
    expect(asset.headers["content-type"]).toBe("image/jpeg");
    expect(asset.bytes).toEqual(JPEG);
  });

  it("accepts WebP login backgrounds and SVG favicons, serving SVG as a locked-down download", async () => {
    expect(
      (await upload(stack, "/api/settings/branding/login-background", WEBP, { host: a.host, token: a.token })).status,
    ).toBe(201);
    expect((await upload(stack, "/api/settings/branding/favicon", SVG, { host: a.host, token: a.token })).status).toBe(
      201,
    );
    const pub = (await stack.request("GET", "/api/branding", { host: a.host })).body.branding;
    expect(pub.loginBackgroundUrl).toMatch(/^\/api\/branding\/assets\/login-background\?v=/);
    expect(pub.faviconUrl).toMatch(/^\/api\/branding\/assets\/favicon\?v=/);
    const svg = await raw(stack, "GET", "/api/branding/assets/favicon", null, { host: a.host });
    expect(svg.headers["content-type"]).toBe("image/svg+xml");
    expect(svg.headers["content-security-policy"]).toMatch(/^default-src 'none'/);
    expect(svg.headers["content-disposition"]).toBe('attachment; filename="favicon.svg"');
    expect(svg.bytes).toEqual(SVG);
  });

  it("removes an asset: file gone, URL cleared, then 404 in the error shape", async () => {
    const del = await api("DELETE", "/api/settings/branding/login-background");
    expect(del.status).toBe(204);
    expect(existsSync(path.join(brandingDir(a), "login-background.webp"))).toBe(false);
    expect((await stack.request("GET", "/api/branding", { host: a.host })).body.branding.loginBackgroundUrl).toBeNull();
    expectError(
      await stack.request("GET", "/api/branding/assets/login-background", { host: a.host }),
      404,
      "not_found",
    );
    expectError(await api("DELETE", "/api/settings/branding/login-background"), 404, "not_found");
  });
});

describe("settings: permissions", () => {
  it("lets settings.view read but not change, and refuses everything without it", async () => {
    const viewer = await userWith(stack, a, ["settings.view"]);
    const nobody = await userWith(stack, a, ["users.view"]);
    const before = (await api("GET", "/api/settings")).body;
    expect((await api("GET", "/api/settings", undefined, viewer)).status).toBe(200);
    expectError(await api("PATCH", "/api/settings/branding", { primaryColor: "#000000" }, viewer), 403, "forbidden");
    expectError(await api("PATCH", "/api/settings/timezone", { timezone: "UTC" }, viewer), 403, "forbidden");
    expectError(await api("DELETE", "/api/settings/branding/logo", undefined, viewer), 403, "forbidden");
    const up = await upload(stack, "/api/settings/branding/favicon", PNG, { host: a.host, token: viewer });
    expectError(up, 403, "forbidden");
    for (const p of ["/api/settings", "/api/settings/branding", "/api/settings/timezone"]) {
      expectError(await api("GET", p, undefined, nobody), 403, "forbidden");
    }
    expectError(await stack.request("GET", "/api/settings", { host: a.host }), 401, "unauthorized");
    expect((await api("GET", "/api/settings")).body).toEqual(before);
  });
});
