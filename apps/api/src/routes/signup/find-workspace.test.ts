import { mailOutbox } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack } from "../../../../../tests/harness.ts";
import { workspacesFor } from "./find-workspace.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const mailsTo = (to: string) => stack.runtime.deps.db.select().from(mailOutbox).where(eq(mailOutbox.to, to));

describe("find my workspace", () => {
  it("mails every workspace where the address has an active account, and answers the same for anyone", async () => {
    const a = await signupTenant(stack);
    const b = await signupTenant(stack);
    // The same person as a staff user of b too.
    const inv = await stack.request("POST", "/api/users", {
      host: b.host,
      token: b.token,
      body: { email: a.email.toUpperCase(), name: "Same person", password: "another-password-1" },
    });
    expect(inv.status).toBe(201);
    expect((await workspacesFor(stack.runtime.deps.db, a.email)).map((t) => t.slug).sort()).toEqual(
      [a.slug, b.slug].sort(),
    );

    const known = await stack.request("POST", "/api/signup/find-workspace", { body: { email: a.email } });
    const unknown = await stack.request("POST", "/api/signup/find-workspace", {
      body: { email: "nobody@nowhere.example" },
    });
    expect(known.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    await expect.poll(async () => (await mailsTo(a.email)).filter((m) => m.kind === "workspace_links").length).toBe(1);
    const mail = (await mailsTo(a.email)).find((m) => m.kind === "workspace_links");
    expect(mail?.body).toContain(`http://${a.host}`);
    expect(mail?.body).toContain(`http://${b.host}`);
    expect(await mailsTo("nobody@nowhere.example")).toEqual([]);
  });

  it("is an apex route, validated and throttled per address", async () => {
    const t = await signupTenant(stack);
    expectError(
      await stack.request("POST", "/api/signup/find-workspace", { host: t.host, body: { email: t.email } }),
      404,
      "not_found",
    );
    expectError(
      await stack.request("POST", "/api/signup/find-workspace", { body: { email: "not-an-address" } }),
      400,
      "validation_error",
    );
    let last = await stack.request("POST", "/api/signup/find-workspace", { body: { email: "flood@example.net" } });
    for (let i = 0; i < 5 && last.status !== 429; i++) {
      last = await stack.request("POST", "/api/signup/find-workspace", { body: { email: "flood@example.net" } });
    }
    expectError(last, 429, "rate_limited");
  });
});
