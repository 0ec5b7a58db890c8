// Runs only in the citus project: a super-admin signs in to the console in Chromium, opens a
// tenant's placement, moves it to the other worker with the dialog's control, and sees the new node;
// the API agrees and the tenant's panel API still serves its data from there.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPlacement, signInConsole } from "../browser/console-login.ts";
import { type BrowserStack, screenshot, startBrowserStack } from "../browser/harness.ts";
import { signupTenant, superAdminSession, type TestTenant } from "../harness.ts";

let bs: BrowserStack;
let tenant: TestTenant;
let opToken: string;

beforeAll(async () => {
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
  opToken = (await superAdminSession(bs.stack)).token;
  const call = async (p: string, body: unknown) => {
    const res = await bs.stack.request("POST", p, { host: tenant.host, token: tenant.token, body });
    if (res.status !== 201) throw new Error(`${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const planId = (await call("/api/plans", { name: "Basic", downloadKbps: 8000, uploadKbps: 2000 })).plan.id;
  for (const username of ["ann", "bob"]) await call("/api/subscribers", { username, password: "pw-123456", planId });
}, 180_000);
afterAll(() => bs?.close());

interface Node {
  node: string;
  role: string;
  takesTenants: boolean;
}
const placementOf = async (): Promise<{ distributed: boolean; node: string; nodes: Node[] }> =>
  (await bs.stack.request("GET", `/api/saas/tenants/${tenant.id}/placement`, { token: opToken })).body.placement;

const subscribers = async () => {
  const res = await bs.stack.request("GET", "/api/subscribers?limit=10", { host: tenant.host, token: tenant.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { total: res.body.total as number, names: (res.body.items as { username: string }[]).map((s) => s.username) };
};

describe("moving a tenant between Citus workers from the console", () => {
  it("shows the tenant's worker, moves it to the other one and shows the new node; its data is still served", {
    timeout: 300_000,
  }, async () => {
    const before = await placementOf();
    expect(before.distributed).toBe(true);
    const from = before.node;
    const to = before.nodes.find((n) => n.role === "worker" && n.takesTenants && n.node !== from)?.node;
    expect(to, "a second worker").toBeTruthy();
    if (!to) return;
    const data = await subscribers();
    expect(data.total).toBe(2);

    const page = await bs.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await signInConsole(bs, page);
    const dialog = await openPlacement(page, tenant.slug);
    const node = dialog.getByTestId("tenant-node");
    await node.waitFor();
    expect(await node.textContent()).toBe(from);
    // The only choice is the other worker: never the coordinator, never where it is.
    const select = dialog.getByLabel("Move to node");
    expect(await select.locator("option").allTextContents()).toEqual([to]);
    await screenshot(page, "console-placement-citus");

    await select.selectOption(to);
    await dialog.getByRole("button", { name: "Move", exact: true }).click();
    // Citus copies the tables and switches the routing before the request answers: minutes on a loaded machine.
    const result = dialog.getByTestId("move-result");
    const failed = dialog.getByRole("alert");
    await result.or(failed).waitFor({ timeout: 240_000 });
    expect(await failed.count(), (await failed.allTextContents()).join()).toBe(0);
    expect(await result.textContent()).toContain(`Moved from ${from} to ${to}`);
    // Logical replication (the local cluster runs wal_level = logical): writes went on during the copy.
    expect(await result.textContent()).toMatch(/\(auto\)\.$/);
    expect(await node.textContent()).toBe(to);
    await screenshot(page, "console-placement-moved");

    expect((await placementOf()).node).toBe(to);
    expect(await subscribers()).toEqual(data);
    expect(errors).toEqual([]);
  });
});
