/**
 * Bounded per-tenant queues served round-robin. The daemon reads datagrams much faster than it
 * evaluates them, so under a flood the backlog forms here instead of in the kernel's socket
 * buffer, where it would be first-come-first-served across tenants and a flooding NAS would
 * push everyone else's packets out. Here the flooding tenant only fills (and overflows) its own
 * queue, and every tenant with work gets one item per turn.
 */
export class FairQueue<T> {
  private readonly queues = new Map<string, { items: T[]; head: number }>();
  /** tenants with queued items, in service order */
  private ready: string[] = [];
  private readyHead = 0;
  private total = 0;

  constructor(private readonly perTenantLimit: number) {}

  /** false when the tenant's queue is full: the caller drops and counts the item. */
  push(tenant: string, item: T): boolean {
    let q = this.queues.get(tenant);
    if (!q) {
      q = { items: [], head: 0 };
      this.queues.set(tenant, q);
    }
    const pending = q.items.length - q.head;
    if (pending >= this.perTenantLimit) return false;
    q.items.push(item);
    if (pending === 0) this.ready.push(tenant);
    this.total++;
    return true;
  }

  /** Next item, taking tenants in turn. */
  shift(): T | undefined {
    if (this.readyHead >= this.ready.length) return undefined;
    const tenant = this.ready[this.readyHead++] as string;
    const q = this.queues.get(tenant);
    if (!q || q.head >= q.items.length) return this.shift();
    const item = q.items[q.head] as T;
    q.items[q.head++] = undefined as T;
    this.total--;
    if (q.head < q.items.length) this.ready.push(tenant);
    else this.queues.delete(tenant);
    // Compact the ring of tenants now and then rather than shifting the array per item.
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    if (q.head > 1024 && q.head * 2 > q.items.length) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
    return item;
  }

  get size(): number {
    return this.total;
  }

  /** The tenant's next push would be refused (checked before decoding a packet, to drop it cheaply). */
  isFull(tenant: string): boolean {
    return this.pendingFor(tenant) >= this.perTenantLimit;
  }

  pendingFor(tenant: string): number {
    const q = this.queues.get(tenant);
    return q ? q.items.length - q.head : 0;
  }

  /** Items waiting per tenant (metrics: read at scrape time, not on the hot path). */
  depths(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [tenant, q] of this.queues) out.set(tenant, q.items.length - q.head);
    return out;
  }
}
