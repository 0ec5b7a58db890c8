import { newCounters } from "@proxpanel/radius/counters";
import { MemoryBus, MemoryState } from "@proxpanel/tenancy";
import { describe, expect, it } from "vitest";
import { counterRates, RadiusStatsCollector, startStatsPublisher } from "./stats.ts";

describe("RADIUS stats publisher", () => {
  it("turns counter deltas into per-second rates and reads a restart as zero", () => {
    const before = { ...newCounters(), received: 100, accessAccepts: 10 };
    const after = { ...newCounters(), received: 350, accessAccepts: 5 };
    const rates = counterRates(before, after, 5_000);
    expect(rates.received).toBe(50);
    expect(rates.accessAccepts).toBe(0);
    expect(counterRates(undefined, after, 0).received).toBe(0);
  });

  it("delivers snapshots per instance over the bus, and forgets an instance after its TTL", async () => {
    const bus = new MemoryBus();
    const collector = new RadiusStatsCollector(new MemoryState(bus));
    await collector.ready;
    const counters = newCounters();
    const a = startStatsPublisher({ state: new MemoryState(bus), counters, instanceId: "a", intervalMs: 60_000 });
    const b = startStatsPublisher({
      state: new MemoryState(bus),
      counters: newCounters(),
      instanceId: "b",
      intervalMs: 60_000,
    });
    try {
      await new Promise((r) => setTimeout(r, 20));
      counters.received = 12;
      const snap = await a.publishNow();
      await new Promise((r) => setTimeout(r, 10));
      const live = collector.snapshots();
      expect(live.map((s) => s.instanceId)).toEqual(["a", "b"]);
      expect(live[0]?.totals.received).toBe(12);
      expect(live[0]?.rates.received).toBeGreaterThan(0);
      // Past every TTL, nothing is left.
      expect(collector.snapshots(Date.now() + snap.ttlMs + 1)).toEqual([]);
    } finally {
      a.stop();
      b.stop();
      await collector.close();
    }
  });

  it("ignores messages that are not snapshots", async () => {
    const bus = new MemoryBus();
    const collector = new RadiusStatsCollector(new MemoryState(bus));
    await collector.ready;
    const state = new MemoryState(bus);
    await state.publish("radius:stats", "not json");
    await state.publish("radius:stats", JSON.stringify({ instanceId: "x" }));
    await new Promise((r) => setTimeout(r, 10));
    expect(collector.snapshots()).toEqual([]);
    await collector.close();
  });
});
