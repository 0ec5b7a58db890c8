import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { startTxtServer, type TxtServer } from "./test-dns.ts";

let dns: TxtServer;
let stack: Stack;
let other: Stack;
let a: TestTenant;

const suffix = `${process.pid}${Date.now().toString(36)}`;
const domainOf = (name: string) => `${name}-${suffix}.isp-example.net`;

beforeAll(async () => {
  dns = await startTxtServer();
  // Two instances on one bus: a change made through `stack` must reach `other`'s cache too.
  [stack, other] = await Promise.all([
    startStack({ DNS_SERVERS: dns.address }),
    startStack({ DNS_SERVERS: dns.address }),
  ]);
  a = await signupTenant(stack);
});
afterAll(async () => {
  await Promise.all([stack?.close(), other?.close()]);
  await dns?.close();
});

const put = (domain: string, t = a) =>
  stack.request("PUT", "/api/settings/domain", { host: t.host, token: t.token, body: { domain } });
const verify = (t = a) => stack.request("POST", "/api/settings/domain/verify", { host: t.host, token: t.token });
const branding = (s: Stack, host: string) => s.request("GET", "/api/branding", { host });

async function eventually(fn: () => Promise<boolean>, ms = 2_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return fn();
}

describe("custom domains", () => {
  it("normalises the name and answers with the TXT record and CNAME target to publish", async () => {
    const domain = domainOf("norm");
    const res = await put(`  ${domain.toUpperCase()}. `);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      domain,
      status: "pending",
      verifiedAt: null,
      dns: { txt: { name: `_proxpanel-challenge.${domain}` }, cname: { name: domain, target: `${a.slug}.${BASE}` } },
    });
    expect(res.body.dns.txt.value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // Setting the same name again keeps the token the tenant may already have published.
    const again = await put(domain);
    expect(again.body.dns.txt.value).toBe(res.body.dns.txt.value);
    const shown = await stack.request("GET", "/api/settings/domain", { host: a.host, token: a.token });
    expect(shown.body).toEqual(res.body);
  });

  it.each([
    ["an IPv4 address", "192.0.2.10"],
    ["an IPv6 address", "[2001:db8::1]"],
    ["the apex", BASE],
    ["a name under the base domain", `anything.${BASE}`],
    ["a single label", "intranet"],
    ["localhost", "panel.localhost"],
    ["a wildcard", "*.isp-example.net"],
    ["an empty label", "panel..isp-example.net"],
    ["a URL", "https://panel.isp-example.net/"],
    ["a label over 63 characters", `${"a".repeat(64)}.isp-example.net`],
  ])("refuses %s", async (_what, domain) => {
    const res = await put(domain);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_error");
  });

  it("verifies only once the TXT record holds the token, then serves the tenant on that host", async () => {
    const domain = domainOf("verify");
    const { body } = await put(domain);
    const token: string = body.dns.txt.value;

    // Unverified: no tenant behind the name, on any instance (and `other` now has it negatively cached).
    expect((await branding(stack, domain)).status).toBe(404);
    expect((await branding(other, domain)).status).toBe(404);

    const missing = await verify();
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toMatch(/No TXT record/);

    dns.records.set(`_proxpanel-challenge.${domain}`, ["some-other-value"]);
    const wrong = await verify();
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toMatch(/does not hold/);
    expect((await branding(stack, domain)).status).toBe(404);

    dns.records.set(`_proxpanel-challenge.${domain}`, ["some-other-value", token]);
    const ok = await verify();
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ domain, status: "verified" });
    expect(Date.parse(ok.body.verifiedAt)).not.toBeNaN();

    const served = await branding(stack, `${domain}:443`);
    expect(served.status).toBe(200);
    expect(served.body.companyName).toBe(`Company ${a.slug}`);
    // The other instance dropped its negative entry through the bus, well before its 5 s TTL.
    expect(await eventually(async () => (await branding(other, domain)).status === 200, 1_000)).toBe(true);
    // The tenant's own token works on its custom domain: same tenant, same data.
    const users = await stack.request("GET", "/api/users", { host: domain, token: a.token });
    expect(users.status).toBe(200);
    expect((await verify()).body.status).toBe("verified");
  });

  it("stops serving the old name at once when the domain is changed or removed, on every instance", async () => {
    const first = domainOf("first");
    const { body } = await put(first);
    dns.records.set(`_proxpanel-challenge.${first}`, [body.dns.txt.value]);
    expect((await verify()).status).toBe(200);
    expect((await branding(other, first)).status).toBe(200);

    const second = domainOf("second");
    const changed = await put(second);
    expect(changed.body).toMatchObject({ domain: second, status: "pending" });
    expect(changed.body.dns.txt.value).not.toBe(body.dns.txt.value);
    expect((await branding(stack, first)).status).toBe(404);
    expect(await eventually(async () => (await branding(other, first)).status === 404, 1_000)).toBe(true);

    dns.records.set(`_proxpanel-challenge.${second}`, [changed.body.dns.txt.value]);
    expect((await verify()).status).toBe(200);
    expect((await branding(other, second)).status).toBe(200);
    const removed = await stack.request("DELETE", "/api/settings/domain", { host: a.host, token: a.token });
    expect(removed.status).toBe(204);
    expect((await branding(stack, second)).status).toBe(404);
    expect(await eventually(async () => (await branding(other, second)).status === 404, 1_000)).toBe(true);
    const shown = await stack.request("GET", "/api/settings/domain", { host: a.host, token: a.token });
    expect(shown.body).toEqual({ domain: null, status: "none", verifiedAt: null, dns: null });
    expect((await verify()).status).toBe(404);
  });

  it("writes an audit entry for every change", async () => {
    const res = await stack.request("GET", "/api/audit-logs?entityType=custom_domain&limit=200", {
      host: a.host,
      token: a.token,
    });
    expect(res.status).toBe(200);
    const actions = new Set(res.body.items.map((e: { action: string }) => e.action));
    expect(actions).toEqual(new Set(["custom_domain.set", "custom_domain.verify", "custom_domain.remove"]));
    expect(res.body.items.every((e: { actor: string }) => e.actor === a.email)).toBe(true);
  });
});
