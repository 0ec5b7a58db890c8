import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer } from "../testing/redis-server.ts";
import { installationPrefix, openSharedState } from "./index.ts";
import type { SharedState } from "./types.ts";

// Two installations (two databases) sharing one Redis server, as a careless operator might run them.
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let one: SharedState;
let two: SharedState;
beforeAll(async () => {
  redis = await startRedisServer();
  const config = { REDIS_URL: redis.url, REDIS_PREFIX: undefined, SHARED_STATE: "database" as const };
  one = openSharedState(config, "postgres://db-one.internal:5432/proxpanel");
  two = openSharedState(config, "postgres://db-two.internal:5432/proxpanel");
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  await redis?.stop();
});

describe("installations sharing one Redis server", () => {
  it("derive different prefixes from their databases, and the same one for the same database", () => {
    const a = installationPrefix("postgres://u:secret@db-one.internal:5432/proxpanel");
    expect(a).toBe(installationPrefix("postgres://other:pw@db-one.internal/proxpanel"));
    expect(a).not.toBe(installationPrefix("postgres://db-two.internal:5432/proxpanel"));
    expect(a).not.toContain("secret");
  });

  it("never hear each other's events", async () => {
    const heardByOne: string[] = [];
    const heardByTwo: string[] = [];
    await one.subscribe("proxpanel:tenancy:invalidate", (m) => heardByOne.push(m));
    await two.subscribe("proxpanel:tenancy:invalidate", (m) => heardByTwo.push(m));
    await one.publish("proxpanel:tenancy:invalidate", "from-one");
    await two.publish("proxpanel:tenancy:invalidate", "from-two");
    await expect.poll(() => heardByOne).toEqual(["from-one"]);
    await expect.poll(() => heardByTwo).toEqual(["from-two"]);
    await new Promise((r) => setTimeout(r, 100));
    expect(heardByOne).toEqual(["from-one"]);
    expect(heardByTwo).toEqual(["from-two"]);
  });

  it("never share a rate-limit budget under the same key", async () => {
    const limiterOne = one.rateLimiter({ points: 2, duration: 60 });
    const limiterTwo = two.rateLimiter({ points: 2, duration: 60 });
    await limiterOne.consume("tenant_x:ratelimit");
    await limiterOne.consume("tenant_x:ratelimit");
    await expect(limiterOne.consume("tenant_x:ratelimit")).rejects.toMatchObject({ remainingPoints: 0 });
    const other = await limiterTwo.consume("tenant_x:ratelimit");
    expect(other.remainingPoints).toBe(1);
  });
});
