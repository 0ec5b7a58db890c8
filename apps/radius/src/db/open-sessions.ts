import type { OpenSessionRef } from "@proxpanel/radius";

export interface TrackedSession extends OpenSessionRef {
  /** Last Start/Interim/Stop heard; a session silent for 3 interim intervals is stale. */
  updateTime: Date;
}

/** What committed accounting did to a tenant's open sessions. */
export type SessionChange =
  | { kind: "open"; subscriberId: string; key: string; session: TrackedSession }
  | { kind: "close"; subscriberId: string; key: string }
  /** Accounting-On/Off: everything the NAS had open before `at` is over. */
  | { kind: "nas-reset"; nasId: string; at: Date };

/**
 * A tenant's open sessions per subscriber, for Simultaneous-Use without a query per Access-Request.
 * Seeded from radacct when the tenant's snapshot loads and kept current from committed accounting
 * (changes that commit while a load is in flight are replayed on top of it: replaying one the
 * load already saw is harmless).
 */
export class OpenSessions {
  private readonly bySubscriber = new Map<string, Map<string, TrackedSession>>();

  apply(change: SessionChange): void {
    switch (change.kind) {
      case "open": {
        let sessions = this.bySubscriber.get(change.subscriberId);
        if (!sessions) {
          sessions = new Map();
          this.bySubscriber.set(change.subscriberId, sessions);
        }
        sessions.set(change.key, change.session);
        break;
      }
      case "close": {
        const sessions = this.bySubscriber.get(change.subscriberId);
        sessions?.delete(change.key);
        if (sessions?.size === 0) this.bySubscriber.delete(change.subscriberId);
        break;
      }
      case "nas-reset":
        for (const [id, sessions] of this.bySubscriber) {
          for (const [key, s] of sessions) {
            if (s.nasId === change.nasId && s.startTime.getTime() <= change.at.getTime()) sessions.delete(key);
          }
          if (sessions.size === 0) this.bySubscriber.delete(id);
        }
        break;
    }
  }

  /** Sessions heard from since `freshSince`, oldest first. */
  fresh(subscriberId: string, freshSince: Date): TrackedSession[] {
    const sessions = this.bySubscriber.get(subscriberId);
    if (!sessions) return [];
    const since = freshSince.getTime();
    const out: TrackedSession[] = [];
    for (const s of sessions.values()) if (s.updateTime.getTime() >= since) out.push(s);
    return out.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  }
}
