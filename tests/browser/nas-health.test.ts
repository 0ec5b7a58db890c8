/**
 * The NAS page's health and the IPv6 pool's prefixes, fed by the real RADIUS daemon: a NAS sends
 * an Access-Request and accounting through radclient and answers Status-Server from a UDP socket;
 * another NAS never answers. After the worker's health pass, Chromium shows the first as online
 * (last seen and last accounting on the tenant's clock, the probe's answer) and the second as
 * silent; the prefix the daemon handed out is listed with its subscriber. A limited admin sees
 * health and prefixes but none of the controls.
 */
import type { Socket } from "node:dgram";
import { probeStatusServer } from "@proxpanel/radius/status-probe";
import { radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { StatusServerNas } from "@proxpanel/radius/testing/status-server-nas";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon } from "../../apps/radius/src/testing.ts";
import { checkNasHealth } from "../../apps/worker/src/nas-health.ts";
import { signupTenant, type TestTenant, uniqueSlug } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

const SECRET = "browser-nas-secret-1";
const INTERIM = 60;
// +05:45 all year: a time shown in UTC or the browser's zone cannot pass for it.
const ZONE = "Asia/Kathmandu";

/** The panel's own format (YYYY-MM-DD HH:mm, 24 h) in the tenant's zone. */
function onTenantClock(iso: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const nav = (page: Page, label: string) =>
  page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label, exact: true });
const row = (page: Page, text: string) => page.locator("tbody tr", { hasText: text });

let bs: BrowserStack;
let tenant: TestTenant;
let daemon: Awaited<ReturnType<typeof startTestDaemon>>;
const sockets: Socket[] = [];
const live = uniqueSlug("nas-live");
const dark = uniqueSlug("nas-dark");
const api = async (method: string, path: string, body?: unknown) => {
  const res = await bs.stack.request(method, path, { host: tenant.host, token: tenant.token, body });
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

beforeAll(async () => {
  requireRadclient();
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
  await api("PATCH", "/api/settings/timezone", { timezone: ZONE });
  const up = await StatusServerNas.start(SECRET);
  const down = await StatusServerNas.start(SECRET, false);
  sockets.push(up.socket, down.socket);
  for (const [name, identifier, port] of [
    ["Tower Live", live, up.port],
    ["Tower Dark", dark, down.port],
  ] as const) {
    await api("POST", "/api/nas", {
      name,
      ipAddress: "127.0.0.1",
      identifier,
      secret: SECRET,
      coaPort: port,
      statusServer: true,
    });
  }
  const pool = (
    await api("POST", "/api/ipv6-pools", { name: "Town v6", prefix: "2001:db8:100::/56", assignLength: 64 })
  ).pool.id as string;
  const plan = (
    await api("POST", "/api/plans", { name: "Dual stack", downloadKbps: 10_000, uploadKbps: 5_000, ipv6PoolId: pool })
  ).plan.id as string;
  await api("POST", "/api/subscribers", { username: "v6.home", password: "v6-home-pw", planId: plan });
  daemon = await startTestDaemon(bs.stack.runtime.deps, { seenFlushMs: 60_000, interimInterval: INTERIM });
});

afterAll(async () => {
  await daemon?.stop();
  for (const s of sockets) s.close();
  await bs?.close();
});

describe("NAS health and IPv6 prefixes in Chromium", { timeout: 180_000 }, () => {
  it("sends packets from one NAS, probes both, and shows one online and one silent on the tenant's clock", async () => {
    const auth = await radclient({
      port: daemon.authPort,
      type: "auth",
      secret: SECRET,
      retries: 3,
      timeoutSeconds: 2,
      packets: [
        `NAS-Identifier = "${live}"\nMessage-Authenticator = 0x00\nUser-Name = "v6.home"\nUser-Password = "v6-home-pw"`,
      ],
    });
    expect(auth.replies[0]?.code).toBe("Access-Accept");
    expect(auth.replies[0]?.attributes["Framed-IPv6-Prefix"]).toEqual(["2001:db8:100::/64"]);
    const start = await radclient({
      port: daemon.acctPort,
      type: "acct",
      secret: SECRET,
      packets: [`NAS-Identifier = "${live}"\nAcct-Status-Type = Start\nAcct-Session-Id = "s1"\nUser-Name = "v6.home"`],
    });
    expect(start.replies[0]?.code).toBe("Accounting-Response");
    await daemon.source.seen.flush();

    const deps = bs.stack.runtime.deps;
    const check = (now: Date) =>
      checkNasHealth(
        {
          db: deps.db,
          tenantClients: deps.tenantClients,
          keys: deps.keys,
          probe: (t) => probeStatusServer(t, { timeoutMs: 500, retries: 0 }),
        },
        { interimIntervalSeconds: INTERIM, now, tenantIds: [tenant.id] },
      );
    // Two unanswered probes in a row make the dark NAS silent; the live one answered both.
    expect(await check(new Date())).toEqual([]);
    const silent = await check(new Date(Date.now() + 60_000));
    expect(silent.map((t) => t.kind)).toEqual(["silent"]);

    const list = (await api("GET", "/api/nas")).items as Array<{
      name: string;
      health: { lastSeenAt: string | null; lastAcctAt: string | null };
    }>;
    const liveHealth = list.find((n) => n.name === "Tower Live")?.health;
    expect(liveHealth?.lastSeenAt).toBeTruthy();
    expect(liveHealth?.lastAcctAt).toBeTruthy();
    const seen = onTenantClock(liveHealth?.lastSeenAt ?? "");
    const acct = onTenantClock(liveHealth?.lastAcctAt ?? "");

    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    await nav(page, "NAS devices").click();
    await row(page, "Tower Live").waitFor();
    const liveRow = await row(page, "Tower Live").textContent();
    expect(liveRow).toContain("online");
    expect(liveRow).toContain(seen);
    expect(liveRow).toMatch(/answered in \d+ ms/);
    const darkRow = await row(page, "Tower Dark").textContent();
    expect(darkRow).toContain("silent: no packets");
    expect(darkRow).toContain("no answer");

    await page.getByRole("button", { name: "Traffic of Tower Live" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.getByTestId("nas-last-seen").textContent()).toBe(seen);
    expect(await dialog.getByTestId("nas-last-acct").textContent()).toBe(acct);
    expect(await dialog.getByTestId("nas-probe").textContent()).toMatch(
      /^answered in \d+ ms at \d{4}-\d\d-\d\d \d\d:\d\d$/,
    );
    await dialog.getByRole("button", { name: "Close", exact: true }).click();
    await dialog.waitFor({ state: "detached" });

    await page.getByRole("button", { name: "Traffic of Tower Dark" }).click();
    expect(await dialog.getByTestId("nas-health").textContent()).toContain("silent: no packets");
    await dialog.getByTestId("nas-events").getByText("Went silent").waitFor();
    await screenshot(page, "nas-health-1280");
    await dialog.getByRole("button", { name: "Close", exact: true }).click();
  });

  it("lists the prefix the daemon handed out with its subscriber, on the IP pools page", async () => {
    const [held] = (
      await api("GET", `/api/ipv6-pools/${(await api("GET", "/api/ipv6-pools")).items[0].id}/allocations?state=used`)
    ).items as Array<{ prefix: string; allocatedAt: string }>;
    expect(held?.prefix).toBe("2001:db8:100::/64");
    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    await nav(page, "IP pools").click();
    await page.getByRole("button", { name: "Prefixes of Town v6" }).click();
    const dialog = page.getByRole("dialog");
    const prefixRow = dialog.locator("tbody tr", { hasText: "2001:db8:100::/64" });
    await prefixRow.waitFor();
    expect(await prefixRow.textContent()).toContain("v6.home");
    expect(await prefixRow.textContent()).toContain(onTenantClock(held?.allocatedAt ?? ""));
    expect(await dialog.locator("tbody tr").count()).toBe(1);
    // All prefixes: the free ones too (a /56 by /64 is 256; the first page holds 25).
    await dialog.getByLabel("Show").selectOption({ label: "Free" });
    await expect
      .poll(() => dialog.locator("tbody tr").first().textContent(), { timeout: 10_000 })
      .toContain("2001:db8:100:1::/64");
    expect(await dialog.locator("tbody tr").first().textContent()).toContain("free");
  });

  it("shows a limited admin health and prefixes without any control it may not use", async () => {
    const group = await api("POST", "/api/permission-groups", {
      name: "NOC viewer",
      permissions: ["nas.view", "pools.view"],
    });
    const email = `noc-${uniqueSlug()}@nas.example`;
    await api("POST", "/api/users", { email, password: "noc-password-1", permissionGroupId: group.group.id });
    const page = await bs.newPage();
    await loginTenant(bs, page, { ...tenant, email, password: "noc-password-1" });
    await nav(page, "NAS devices").click();
    await row(page, "Tower Dark").waitFor();
    expect(await row(page, "Tower Dark").textContent()).toContain("silent: no packets");
    expect(await row(page, "Tower Dark").getByRole("button").allTextContents()).toEqual(["Traffic"]);
    expect(await page.getByRole("button", { name: "New NAS" }).isVisible()).toBe(false);

    await nav(page, "IP pools").click();
    await row(page, "Town v6").waitFor();
    expect(await row(page, "Town v6").getByRole("button").allTextContents()).toEqual(["Prefixes"]);
    expect(await page.getByRole("button", { name: "New IPv6 pool" }).isVisible()).toBe(false);
    expect(await page.getByRole("button", { name: "New pool" }).isVisible()).toBe(false);
    await page.getByRole("button", { name: "Prefixes of Town v6" }).click();
    await page.getByRole("dialog").locator("tbody tr", { hasText: "v6.home" }).waitFor();
  });
});
