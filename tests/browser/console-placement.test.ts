// The console's tenant placement on plain PostgreSQL (the default project's database): the tenant
// lives in the single database and the dialog offers no move. The Citus side (a real move in
// Chromium) is tests/citus/console-move.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant } from "../harness.ts";
import { openPlacement, signInConsole } from "./console-login.ts";
import { type BrowserStack, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let tenant: TestTenant;

beforeAll(async () => {
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
});
afterAll(() => bs?.close());

describe("tenant placement in the console on plain PostgreSQL", () => {
  it("shows the single database, no move control, no page error, not left loading", async () => {
    const page = await bs.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await signInConsole(bs, page);
    const dialog = await openPlacement(page, tenant.slug);

    const node = dialog.getByTestId("tenant-node");
    await node.waitFor();
    expect(await node.textContent()).toBe("Single database (plain PostgreSQL)");
    expect(await dialog.getByTestId("move-unavailable").textContent()).toContain("needs a Citus cluster");
    expect(await dialog.getByLabel("Move to node").count()).toBe(0);
    expect(await dialog.getByRole("button", { name: "Move", exact: true }).count()).toBe(0);
    expect(await page.getByText("Loading", { exact: false }).count()).toBe(0);
    await screenshot(page, "console-placement-single");

    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(errors).toEqual([]);
  });
});
