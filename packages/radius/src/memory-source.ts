import type { AccountingRecord, AuthResult, NasRecord, RadiusDataSource, SubscriberRecord } from "./data-source.ts";

export interface MemoryNas extends Omit<NasRecord, "requireMessageAuthenticator"> {
  address: string;
  /** Needed to tell apart several NAS behind one address. */
  identifier?: string;
  requireMessageAuthenticator?: boolean;
}

/** A RadiusDataSource over plain maps: tests, the demo and the benchmark. */
export class MemoryDataSource implements RadiusDataSource {
  readonly authLog: AuthResult[] = [];
  readonly accounting: AccountingRecord[] = [];
  /** Test hook: make the accounting sink slow or failing. */
  accountingHook?: (record: AccountingRecord) => Promise<void>;
  private readonly nasByAddress = new Map<string, MemoryNas[]>();
  private readonly subscribers = new Map<string, Map<string, SubscriberRecord>>();
  private readonly pools = new Map<string, { free: string[]; leased: Map<string, string> }>();
  /** Keep only the last N entries so long demo runs do not grow without bound. */
  constructor(private readonly logLimit = 100_000) {}

  addNas(nas: MemoryNas): void {
    const list = this.nasByAddress.get(nas.address) ?? [];
    this.nasByAddress.set(
      nas.address,
      list.filter((n) => n.nasId !== nas.nasId),
    );
    this.nasByAddress.get(nas.address)?.push(nas);
  }

  removeNas(nasId: string): void {
    for (const [addr, list] of this.nasByAddress) {
      this.nasByAddress.set(
        addr,
        list.filter((n) => n.nasId !== nasId),
      );
    }
  }

  addSubscriber(tenantId: string, sub: SubscriberRecord): void {
    let tenant = this.subscribers.get(tenantId);
    if (!tenant) {
      tenant = new Map();
      this.subscribers.set(tenantId, tenant);
    }
    tenant.set(sub.username, sub);
  }

  addPool(tenantId: string, pool: string, addresses: string[]): void {
    this.pools.set(`${tenantId}\0${pool}`, { free: [...addresses], leased: new Map() });
  }

  findNas(address: string, nasIdentifier: string | undefined): NasRecord | undefined {
    const list = this.nasByAddress.get(address);
    if (!list || list.length === 0) return undefined;
    const nas =
      list.length === 1 ? list[0] : list.find((n) => n.identifier !== undefined && n.identifier === nasIdentifier);
    if (!nas) return undefined;
    return {
      nasId: nas.nasId,
      tenantId: nas.tenantId,
      secret: nas.secret,
      requireMessageAuthenticator: nas.requireMessageAuthenticator ?? true,
      ...(nas.coaPort !== undefined ? { coaPort: nas.coaPort } : {}),
    };
  }

  findSubscriber(tenantId: string, username: string): SubscriberRecord | undefined {
    return this.subscribers.get(tenantId)?.get(username);
  }

  allocateIp(tenantId: string, pool: string, username: string): string | undefined {
    const p = this.pools.get(`${tenantId}\0${pool}`);
    if (!p) return undefined;
    const existing = p.leased.get(username);
    if (existing) return existing;
    const ip = p.free.shift();
    if (ip) p.leased.set(username, ip);
    return ip;
  }

  bindMac(tenantId: string, username: string, mac: string): void {
    const sub = this.findSubscriber(tenantId, username);
    if (sub) sub.macBinding = mac;
  }

  recordAuth(result: AuthResult): void {
    this.authLog.push(result);
    trim(this.authLog, this.logLimit);
  }

  async recordAccounting(record: AccountingRecord): Promise<void> {
    if (this.accountingHook) await this.accountingHook(record);
    this.accounting.push(record);
    trim(this.accounting, this.logLimit);
    if (record.status === "Stop" && record.username && record.framedIp) this.release(record.tenantId, record.username);
  }

  private release(tenantId: string, username: string): void {
    for (const [key, p] of this.pools) {
      if (!key.startsWith(`${tenantId}\0`)) continue;
      const ip = p.leased.get(username);
      if (ip) {
        p.leased.delete(username);
        p.free.push(ip);
      }
    }
  }
}

/** Drop the oldest entries in batches: a splice per push would shift the whole array every time. */
function trim<T>(list: T[], limit: number): void {
  if (list.length > limit + Math.max(1, limit >> 3)) list.splice(0, list.length - limit);
}
