import { hasPermission } from "@proxpanel/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
});
afterAll(() => stack.close());

const as = (token: string) => (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token, body });
const owner = (method: string, path: string, body?: unknown) => as(a.token)(method, path, body);

let n = 0;
async function group(permissions: string[]) {
  n += 1;
  const res = await owner("POST", "/api/permission-groups", { name: `group-${n}`, permissions });
  expect(res.status).toBe(201);
  return res.body.group as { id: string; permissions: string[] };
}
async function user(groupId: string | null) {
  n += 1;
  const email = `user${n}@staff.example`;
  const password = "staff-password-1";
  const res = await owner("POST", "/api/users", { email, password, name: `User ${n}`, permissionGroupId: groupId });
  expect(res.status).toBe(201);
  expect(res.body.user).not.toHaveProperty("passwordHash");
  const login = await stack.request("POST", "/api/auth/login", { host: a.host, body: { email, password } });
  expect(login.status).toBe(200);
  return { id: res.body.user.id as string, email, password, token: login.body.token as string };
}
const emails = async () =>
  (await owner("GET", "/api/users?limit=100")).body.items.map((u: { email: string }) => u.email);

describe("permission checks on users and groups", () => {
  it("answers 403 to a user lacking users.edit and creates nothing", async () => {
    const viewer = await user((await group(["users.view"])).id);
    const before = await emails();
    const res = await as(viewer.token)("POST", "/api/users", { email: "x@y.example", password: "long-enough-pw" });
    expectError(res, 403, "forbidden");
    expectError(
      await as(viewer.token)("POST", "/api/permission-groups", { name: "g", permissions: [] }),
      403,
      "forbidden",
    );
    expectError(await as(viewer.token)("POST", `/api/users/${viewer.id}/disable`), 403, "forbidden");
    expect(await emails()).toEqual(before);
    expect((await as(viewer.token)("GET", "/api/users")).status).toBe(200);
  });

  it("answers 403 to a user lacking users.view", async () => {
    const nobody = await user((await group(["plans.view"])).id);
    expectError(await as(nobody.token)("GET", "/api/users"), 403, "forbidden");
    expectError(await as(nobody.token)("GET", "/api/permission-groups"), 403, "forbidden");
    const grouped = await user(null);
    expectError(await as(grouped.token)("GET", `/api/users/${grouped.id}`), 403, "forbidden");
  });

  it("applies a group edit to its members at once", async () => {
    const g = await group(["users.view"]);
    const member = await user(g.id);
    expectError(await as(member.token)("GET", "/api/plans"), 403, "forbidden");
    const edit = await owner("PATCH", `/api/permission-groups/${g.id}`, { permissions: ["users.view", "plans.*"] });
    expect(edit.status).toBe(200);
    expect(edit.body.group.permissions).toEqual(["plans.*", "users.view"]);
    expect((await as(member.token)("GET", "/api/plans")).status).toBe(200);
    await owner("PATCH", `/api/permission-groups/${g.id}`, { permissions: [] });
    expectError(await as(member.token)("GET", "/api/users"), 403, "forbidden");
  });

  it("applies moving a user to another group at once", async () => {
    const member = await user((await group(["users.view"])).id);
    const other = await group(["plans.view"]);
    expect((await owner("PATCH", `/api/users/${member.id}`, { permissionGroupId: other.id })).status).toBe(200);
    expectError(await as(member.token)("GET", "/api/users"), 403, "forbidden");
    expect((await as(member.token)("GET", "/api/plans")).status).toBe(200);
  });
});

describe("account lifecycle kills tokens immediately", () => {
  it("disabling a user invalidates their token, and enabling does not revive it", async () => {
    const u = await user((await group(["users.view"])).id);
    expect((await as(u.token)("GET", "/api/users")).status).toBe(200);
    const res = await owner("POST", `/api/users/${u.id}/disable`);
    expect(res.status).toBe(200);
    expect(res.body.user.status).toBe("disabled");
    expectError(await as(u.token)("GET", "/api/users"), 401, "unauthorized");
    const login = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: u.email, password: u.password },
    });
    expectError(login, 401, "unauthorized");
    expect((await owner("POST", `/api/users/${u.id}/enable`)).body.user.status).toBe("active");
    expectError(await as(u.token)("GET", "/api/users"), 401, "unauthorized");
    const again = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: u.email, password: u.password },
    });
    expect(again.status).toBe(200);
  });

  it("resetting a password logs the user out everywhere and swaps the password", async () => {
    const u = await user((await group(["users.view"])).id);
    expectError(
      await owner("POST", `/api/users/${u.id}/reset-password`, { password: "short" }),
      400,
      "validation_error",
    );
    expect((await as(u.token)("GET", "/api/users")).status).toBe(200);
    expect((await owner("POST", `/api/users/${u.id}/reset-password`, { password: "a-brand-new-pass" })).status).toBe(
      200,
    );
    expectError(await as(u.token)("GET", "/api/users"), 401, "unauthorized");
    const old = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: u.email, password: u.password },
    });
    expectError(old, 401, "unauthorized");
    const fresh = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: u.email, password: "a-brand-new-pass" },
    });
    expect(fresh.status).toBe(200);
  });

  it("deletes a user (token dies) but never the owner or oneself", async () => {
    const u = await user((await group(["users.view", "users.edit"])).id);
    const ownerId = (await owner("GET", `/api/users?search=${encodeURIComponent(a.email)}`)).body.items[0].id;
    expectError(await owner("DELETE", `/api/users/${ownerId}`), 409, "conflict");
    expectError(await as(u.token)("DELETE", `/api/users/${u.id}`), 409, "conflict");
    expectError(await owner("POST", `/api/users/${ownerId}/disable`), 409, "conflict");
    expect(await emails()).toContain(u.email);
    expect((await owner("DELETE", `/api/users/${u.id}`)).status).toBe(204);
    expectError(await as(u.token)("GET", "/api/users"), 401, "unauthorized");
    expectError(await owner("GET", `/api/users/${u.id}`), 404, "not_found");
    expect(await emails()).not.toContain(u.email);
  });

  it("refuses a duplicate e-mail and an unknown group without creating anything", async () => {
    const before = await emails();
    expectError(
      await owner("POST", "/api/users", { email: a.email.toUpperCase(), password: "long-enough-pw" }),
      409,
      "conflict",
    );
    const bad = await owner("POST", "/api/users", {
      email: "new@staff.example",
      password: "long-enough-pw",
      permissionGroupId: crypto.randomUUID(),
    });
    expectError(bad, 400, "validation_error");
    expect(await emails()).toEqual(before);
  });
});

describe("no privilege escalation", () => {
  it("users.edit alone cannot grant, join or manage more than it holds", async () => {
    const admin = await user((await group(["users.view", "users.edit"])).id);
    const groups = (await owner("GET", "/api/permission-groups")).body.items;
    const system = groups.find((g: { isSystem: boolean }) => g.isSystem);
    const act = as(admin.token);
    const before = await emails();
    expectError(
      await act("POST", "/api/users", {
        email: "e@x.example",
        password: "long-enough-pw",
        permissionGroupId: system.id,
      }),
      403,
      "forbidden",
    );
    expectError(await act("POST", "/api/permission-groups", { name: "root", permissions: ["*"] }), 403, "forbidden");
    expectError(await act("PATCH", `/api/users/${admin.id}`, { permissionGroupId: system.id }), 409, "conflict");
    const ownerId = (await owner("GET", `/api/users?search=${encodeURIComponent(a.email)}`)).body.items[0].id;
    expectError(
      await act("POST", `/api/users/${ownerId}/reset-password`, { password: "hijacked-password" }),
      403,
      "forbidden",
    );
    const strong = await user((await group(["users.*", "billing.*"])).id);
    expectError(await act("POST", `/api/users/${strong.id}/disable`), 403, "forbidden");
    expect((await as(strong.token)("GET", "/api/users")).status).toBe(200);
    expect(await emails()).toEqual([...before, strong.email].sort());
  });

  it('never lets "*" imply the restricted backups.restore_from_other_tenant', async () => {
    expect(hasPermission(["*"], "backups.restore_from_other_tenant")).toBe(false);
    expect(hasPermission(["backups.*"], "backups.restore_from_other_tenant")).toBe(false);
    const root = await user((await group(["*"])).id);
    const me = await as(root.token)("GET", "/api/auth/me");
    expect(me.body.user.permissions).toEqual(["*"]);
    // A "*" holder cannot pass the restricted name on: it does not hold it.
    const res = await as(root.token)("POST", "/api/permission-groups", {
      name: "cross-restore",
      permissions: ["backups.restore_from_other_tenant"],
    });
    expectError(res, 403, "forbidden");
    expect(
      (await as(root.token)("POST", "/api/permission-groups", { name: "ops", permissions: ["nas.*"] })).status,
    ).toBe(201);
    // Only the owner may grant it, by name.
    const granted = await owner("POST", "/api/permission-groups", {
      name: "cross-restore",
      permissions: ["backups.restore_from_other_tenant"],
    });
    expect(granted.status).toBe(201);
  });
});

describe("permission groups", () => {
  it("protects the system group and groups in use", async () => {
    const system = (await owner("GET", "/api/permission-groups")).body.items.find(
      (g: { isSystem: boolean }) => g.isSystem,
    );
    expectError(await owner("PATCH", `/api/permission-groups/${system.id}`, { permissions: [] }), 409, "conflict");
    expectError(await owner("DELETE", `/api/permission-groups/${system.id}`), 409, "conflict");
    const used = await group(["users.view"]);
    await user(used.id);
    expectError(await owner("DELETE", `/api/permission-groups/${used.id}`), 409, "conflict");
    const after = await owner("GET", `/api/permission-groups/${system.id}`);
    expect(after.body.group.permissions).toEqual(["*"]);
    expect((await owner("GET", `/api/permission-groups/${used.id}`)).body.group.members).toBe(1);
    const unused = await group([]);
    expect((await owner("DELETE", `/api/permission-groups/${unused.id}`)).status).toBe(204);
    expectError(await owner("GET", `/api/permission-groups/${unused.id}`), 404, "not_found");
  });

  it("validates permission names, accepting catalogue names and wildcards only", async () => {
    const bad = await owner("POST", "/api/permission-groups", {
      name: "bad",
      permissions: ["users.view", "root", "foo.*"],
    });
    expectError(bad, 400, "validation_error");
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(["permissions.1", "permissions.2"]);
    const dup = await group(["nas.*", "sessions.view"]);
    expectError(
      await owner("POST", "/api/permission-groups", { name: `GROUP-${n}`, permissions: [] }),
      409,
      "conflict",
    );
    expect(dup.permissions).toEqual(["nas.*", "sessions.view"]);
  });

  it("does not reach another tenant's users or groups", async () => {
    const g = await group([]);
    const res = await stack.request("GET", `/api/permission-groups/${g.id}`, { host: b.host, token: b.token });
    expectError(res, 404, "not_found");
    const list = await stack.request("GET", "/api/permission-groups", { host: b.host, token: b.token });
    expect(list.body.items.map((x: { name: string }) => x.name)).toEqual(["Administrators"]);
    expectError(
      await stack.request("DELETE", `/api/permission-groups/${g.id}`, { host: b.host, token: b.token }),
      404,
      "not_found",
    );
    expect((await owner("GET", `/api/permission-groups/${g.id}`)).status).toBe(200);
  });
});
