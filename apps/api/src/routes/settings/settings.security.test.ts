import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { expectError, raw, upload, userWith } from "./test-support.ts";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const MiB = 1024 * 1024;
const CSS = "</style><script>alert(document.cookie)</script><style>body{color:red}";

let stack: Stack;
let dataDir: string;
let a: TestTenant;
let b: TestTenant;

/** Every file under DATA_DIR, relative, so a stray write anywhere would show. */
async function tree(dir = dataDir, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = path.posix.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await tree(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

const settings = (t: TestTenant) => stack.request("GET", "/api/settings", { host: t.host, token: t.token });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "proxpanel-settings-sec-"));
  stack = await startStack({ DATA_DIR: dataDir });
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  expect((await upload(stack, "/api/settings/branding/logo", PNG, { host: a.host, token: a.token })).status).toBe(201);
  const css = await stack.request("PATCH", "/api/settings/branding", {
    host: a.host,
    token: a.token,
    body: { customCss: CSS },
  });
  expect(css.status).toBe(200);
});
afterAll(async () => {
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("branding assets and CSS across tenants", () => {
  it("never serves tenant A's logo or stylesheet on tenant B's host", async () => {
    expectError(await stack.request("GET", "/api/branding/assets/logo", { host: b.host }), 404, "not_found");
    const css = await raw(stack, "GET", "/api/branding/custom.css", null, { host: b.host });
    expect(css.status).toBe(200);
    expect(css.bytes.length).toBe(0);
    const pub = await stack.request("GET", "/api/branding", { host: b.host });
    expect(pub.body.branding).toMatchObject({ logoUrl: null, customCssUrl: null });
    // And A's own host still serves them.
    expect((await raw(stack, "GET", "/api/branding/assets/logo", null, { host: a.host })).bytes).toEqual(PNG);
  });

  it("refuses A's token for uploads on B's host and stores nothing for B", async () => {
    const res = await upload(stack, "/api/settings/branding/logo", PNG, { host: b.host, token: a.token });
    expectError(res, 401, "unauthorized");
    expect((await tree()).filter((f) => f.includes(b.id))).toEqual([]);
    expect((await settings(b)).body.branding.logoUrl).toBeNull();
  });

  it("answers nothing on the apex or an unknown host", async () => {
    expectError(await stack.request("GET", "/api/branding/assets/logo"), 404, "not_found");
    expectError(
      await stack.request("GET", "/api/branding/custom.css", { host: "nobody.proxpanel.test" }),
      404,
      "not_found",
    );
  });
});

describe("path traversal", () => {
  it.each([
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "..%2Fsettings.test.ts",
    "..",
    "%2e%2e",
    "logo.png",
    "logo%00",
    "logo%2F..%2F..%2Flogo",
    "LOGO",
    "branding_assets",
  ])("rejects :kind %j when serving", async (kind) => {
    const res = await stack.request("GET", `/api/branding/assets/${kind}`, { host: a.host });
    expectError(res, 404, "not_found");
  });

  it.each(["..%2Flogo", "..", "logo.png", "logo%2F..%2F..%2Fx", "%2e%2e%2Fx"])(
    "rejects :kind %j when uploading and writes nothing",
    async (kind) => {
      const before = await tree();
      const res = await upload(stack, `/api/settings/branding/${kind}`, PNG, { host: a.host, token: a.token });
      expect([400, 404]).toContain(res.status);
      expectError(res, res.status, res.status === 400 ? "validation_error" : "not_found");
      expect(await tree()).toEqual(before);
    },
  );

  it("ignores the client's file name entirely", async () => {
    const res = await upload(stack, "/api/settings/branding/favicon", PNG, {
      host: a.host,
      token: a.token,
      filename: "../../../../evil.html",
      type: "text/html",
    });
    expect(res.status).toBe(201);
    expect(res.body.contentType).toBe("image/png");
    const files = await tree();
    expect(files.some((f) => f.includes("evil"))).toBe(false);
    expect(files).toContain(`uploads/tenant_${a.id}/branding/favicon.png`);
  });
});

describe("upload size and type", () => {
  it("refuses a file over 2 MiB (whole body too large) and stores nothing", async () => {
    const before = { files: await tree(), settings: (await settings(a)).body };
    const big = Buffer.concat([PNG, Buffer.alloc(3 * MiB)]);
    expectError(
      await upload(stack, "/api/settings/branding/login-background", big, { host: a.host, token: a.token }),
      413,
      "payload_too_large",
    );
    expect(await tree()).toEqual(before.files);
    expect((await settings(a)).body).toEqual(before.settings);
  });

  it("refuses a file just over 2 MiB that fits the body limit, and stores nothing", async () => {
    const before = { files: await tree(), settings: (await settings(a)).body };
    const justOver = Buffer.concat([PNG, Buffer.alloc(2 * MiB + 1 - PNG.length)]);
    expectError(
      await upload(stack, "/api/settings/branding/login-background", justOver, { host: a.host, token: a.token }),
      413,
      "payload_too_large",
    );
    expect(await tree()).toEqual(before.files);
    expect((await settings(a)).body).toEqual(before.settings);
  });

  it.each([
    ["HTML named .png", Buffer.from("<html><script>alert(1)</script></html>"), "image/png"],
    [
      "SVG with a script",
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      "image/svg+xml",
    ],
    [
      "SVG with an event handler",
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
      "image/svg+xml",
    ],
    ["SVG with an entity", Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><svg/>'), "image/svg+xml"],
    ["a GIF", Buffer.from("GIF89a\x01\x00\x01\x00"), "image/gif"],
    ["a PDF", Buffer.from("%PDF-1.7\n"), "image/png"],
    ["an empty file", Buffer.alloc(0), "image/png"],
  ])("refuses %s by its bytes and stores nothing", async (_name, bytes, type) => {
    const before = { files: await tree(), settings: (await settings(a)).body };
    const res = await upload(stack, "/api/settings/branding/logo", bytes, { host: a.host, token: a.token, type });
    expectError(res, 415, "unsupported_media_type");
    expect(await tree()).toEqual(before.files);
    expect((await settings(a)).body).toEqual(before.settings);
  });

  it("refuses a JSON body and a form without a file field", async () => {
    const json = await stack.request("POST", "/api/settings/branding/logo", {
      host: a.host,
      token: a.token,
      body: { url: "https://evil.example/logo.png" },
    });
    expectError(json, 415, "unsupported_media_type");
    const noFile = await upload(stack, "/api/settings/branding/logo", PNG, {
      host: a.host,
      token: a.token,
      field: "image",
    });
    expectError(noFile, 400, "validation_error");
    expect((await raw(stack, "GET", "/api/branding/assets/logo", null, { host: a.host })).bytes).toEqual(PNG);
  });

  it("keeps the 1 MiB limit on every other route", async () => {
    const before = (await settings(a)).body;
    // Raw and on its own connection: the server closes a connection whose body it refused.
    const body = Buffer.from(JSON.stringify({ customCss: "x".repeat(1.5 * MiB) }));
    const res = await raw(stack, "PATCH", "/api/settings/branding", body, {
      host: a.host,
      authorization: `Bearer ${a.token}`,
      "content-type": "application/json",
    });
    expectError(res, 413, "payload_too_large");
    expect((await settings(a)).body).toEqual(before);
  });

  it("refuses uploads from staff without settings.edit, and anonymous ones", async () => {
    const viewer = await userWith(stack, a, ["settings.view"]);
    const before = await tree();
    expectError(
      await upload(stack, "/api/settings/branding/logo", PNG, { host: a.host, token: viewer }),
      403,
      "forbidden",
    );
    expectError(await upload(stack, "/api/settings/branding/logo", PNG, { host: a.host }), 401, "unauthorized");
    expect(await tree()).toEqual(before);
  });
});

describe("custom CSS", () => {
  it("is served as text/css with nosniff, byte for byte, and never inside the JSON", async () => {
    const res = await raw(stack, "GET", "/api/branding/custom.css", null, { host: a.host });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toBe("default-src 'none'");
    expect(res.bytes.toString("utf8")).toBe(CSS);
    const pub = await stack.request("GET", "/api/branding", { host: a.host });
    expect(pub.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.stringify(pub.body)).not.toContain("<script>");
  });
});
