/**
 * Per-tenant label values for a bounded number of tenants: a series per tenant for a thousand
 * tenants would make every scrape and the server's memory grow with the customer list. The N
 * busiest tenants of the last window get their own label, everyone else is counted as "other".
 * At each re-rank the tenants that fell out have their series removed (`evict`), so the label set
 * stays at most N + 1 however tenants come and go.
 */
export const OTHER = "other";

export class TopTenants {
  private counts = new Map<string, number>();
  private admitted = new Set<string>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly n: number,
    private readonly evict: (tenant: string) => void,
    rerankEveryMs = 60_000,
  ) {
    if (rerankEveryMs > 0) {
      this.timer = setInterval(() => this.rerank(), rerankEveryMs);
      this.timer.unref();
    }
  }

  /** The label to record `tenant` under, counting this event towards its rank. */
  label(tenant: string): string {
    // Bounded too: unknown tenants past 10 × N in one window are not tracked individually.
    const seen = this.counts.get(tenant);
    if (seen !== undefined || this.counts.size < this.n * 10) this.counts.set(tenant, (seen ?? 0) + 1);
    if (this.admitted.has(tenant)) return tenant;
    if (this.admitted.size < this.n) {
      this.admitted.add(tenant);
      return tenant;
    }
    return OTHER;
  }

  /** Keeps the N busiest of the window just ended; the rest lose their series. */
  rerank(): void {
    const top = new Set(
      [...this.counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, this.n)
        .map(([t]) => t),
    );
    for (const t of this.admitted) if (!top.has(t)) this.evict(t);
    this.admitted = top;
    this.counts = new Map();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
