// Spans two apps (the API's console and the RADIUS daemon), so it lives here and not in either.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDbDaemon } from "../apps/radius/src/daemon.ts";
import { type Stack, startStack, superAdminSession } from "./harness.ts";

let stack: Stack;
let op: string;
beforeAll(async () => {
  stack = await startStack();
  op = (await superAdminSession(stack)).token;
});
afterAll(() => stack.close());

describe("system health in the console", () => {
  it("hears from a RADIUS daemon started the way npm start starts it", async () => {
    const ids = async (): Promise<string[]> =>
      (await stack.request("GET", "/api/saas/health", { token: op })).body.radius.instances.map(
        (s: { instanceId: string }) => s.instanceId,
      );
    const before = new Set(await ids());
    const { deps } = stack.runtime;
    const daemon = await startDbDaemon({
      db: deps.db,
      keys: deps.keys,
      state: deps.state,
      host: "127.0.0.1",
      authPort: 0,
      acctPort: 0,
      log: () => {},
    });
    try {
      let fresh: string[] = [];
      // The publisher reports once at start, then every 5 s.
      for (let i = 0; i < 40 && fresh.length === 0; i++) {
        fresh = (await ids()).filter((id) => !before.has(id));
        if (fresh.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(fresh.length).toBeGreaterThanOrEqual(1);
    } finally {
      await daemon.stop();
    }
  });
});
