import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { formatBytes } from "../../ui/format";
import { type Column, Table } from "../../ui/Table";
import { TenantName } from "../components/TenantName";
import { type Period, periodError, presetPeriod } from "../period";
import type { UsageReport, UsageRow } from "../types";

const money = (cents: number) =>
  (cents / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Billing and usage per tenant or for all, over a chosen period, with CSV and PDF downloads. */
export default function ReportsPage() {
  const [period, setPeriod] = createSignal<Period>(presetPeriod("this-month"));
  const [tenantId, setTenantId] = createSignal("");
  const [periodProblem, setPeriodProblem] = createSignal<string>();
  const [error, setError] = createSignal<unknown>();
  const [downloading, setDownloading] = createSignal<"csv" | "pdf">();
  const [request, setRequest] = createSignal<{ from: string; to: string; tenantId?: string }>();

  const [tenants] = createResource(() =>
    unwrap(api.GET("/api/saas/tenants", { params: { query: { limit: 100, sort: "slug", order: "asc" } } })),
  );
  const [report] = createResource(request, (q) =>
    // Without `format` the route always answers the JSON report (CSV and PDF only when asked for).
    unwrap(api.GET("/api/saas/reports/usage", { params: { query: q } })).then((r) => r as UsageReport),
  );

  const query = () => {
    const p = period();
    const problem = periodError(p);
    setPeriodProblem(problem);
    if (problem) return undefined;
    return { from: p.from, to: p.to, ...(tenantId() ? { tenantId: tenantId() } : {}) };
  };

  const show = (e: Event) => {
    e.preventDefault();
    const q = query();
    if (q) setRequest(q);
  };

  const download = async (format: "csv" | "pdf") => {
    const q = query();
    if (!q) return;
    setDownloading(format);
    setError(undefined);
    try {
      // Fetched with the bearer token (a plain link could not send it), then saved from a blob URL.
      const blob = await unwrap(
        api.GET("/api/saas/reports/usage", { params: { query: { ...q, format } }, parseAs: "blob" }),
      );
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = `proxpanel-usage-${q.from}-${q.to}.${format}`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err);
    } finally {
      setDownloading(undefined);
    }
  };

  const columns: Column<UsageRow>[] = [
    {
      key: "slug",
      label: "Tenant",
      render: (r) => <TenantName companyName={r.companyName} slug={r.slug} />,
    },
    {
      key: "subscribers",
      label: "Subscribers (active / all)",
      render: (r) => `${r.activeSubscribers} / ${r.subscribers}`,
    },
    { key: "newSubscribers", label: "New" },
    {
      key: "invoicesIssued",
      label: "Invoiced",
      render: (r) => `${r.invoicesIssued} · ${money(r.invoicesIssuedCents)}`,
    },
    { key: "invoicesPaid", label: "Paid", render: (r) => `${r.invoicesPaid} · ${money(r.invoicesPaidCents)}` },
    { key: "revenueCents", label: "Revenue", render: (r) => money(r.revenueCents) },
    { key: "sessions", label: "Sessions" },
    {
      key: "traffic",
      label: "Traffic in / out",
      render: (r) => `${formatBytes(r.bytesIn)} / ${formatBytes(r.bytesOut)}`,
    },
    { key: "backups", label: "Backups", render: (r) => `${r.backupsStored} · ${formatBytes(r.backupBytes)}` },
  ];

  return (
    <section>
      <h1>Billing and usage reports</h1>
      <form class="console-filters" onSubmit={show} noValidate aria-label="Report period">
        <SelectField
          label="Preset"
          placeholder="Custom"
          options={[
            { value: "this-month", label: "This month" },
            { value: "last-month", label: "Last month" },
            { value: "last-30-days", label: "Last 30 days" },
            { value: "this-year", label: "This year" },
          ]}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (v) setPeriod(presetPeriod(v as Parameters<typeof presetPeriod>[0]));
          }}
        />
        <TextField
          label="From"
          type="date"
          value={period().from}
          onInput={(e) => setPeriod({ ...period(), from: e.currentTarget.value })}
          error={periodProblem()}
        />
        <TextField
          label="To (exclusive)"
          type="date"
          value={period().to}
          onInput={(e) => setPeriod({ ...period(), to: e.currentTarget.value })}
        />
        <SelectField
          label="Tenant"
          placeholder="All tenants"
          options={(tenants()?.items ?? []).map((t) => ({ value: t.id, label: `${t.slug} — ${t.companyName}` }))}
          value={tenantId()}
          onChange={(e) => setTenantId(e.currentTarget.value)}
        />
        <button type="submit" class="primary">
          Show
        </button>
        <button type="button" disabled={downloading() === "csv"} onClick={() => void download("csv")}>
          {downloading() === "csv" ? "Preparing…" : "Download CSV"}
        </button>
        <button type="button" disabled={downloading() === "pdf"} onClick={() => void download("pdf")}>
          {downloading() === "pdf" ? "Preparing…" : "Download PDF"}
        </button>
      </form>
      <ErrorBanner error={error() ?? report.error} onDismiss={() => setError(undefined)} />
      <Show when={report.latest} fallback={<p class="muted">Choose a period and press Show.</p>}>
        {(r) => (
          <>
            <div class="grid">
              <div class="card">
                <div class="muted">Tenants</div>
                <div class="stat">{r().totals.tenants}</div>
              </div>
              <div class="card">
                <div class="muted">Revenue</div>
                <div class="stat">{money(r().totals.revenueCents)}</div>
              </div>
              <div class="card">
                <div class="muted">Active subscribers</div>
                <div class="stat">{r().totals.activeSubscribers}</div>
              </div>
              <div class="card">
                <div class="muted">Traffic</div>
                <div class="stat">{formatBytes(r().totals.bytesIn + r().totals.bytesOut)}</div>
              </div>
            </div>
            <Table
              caption={`${r().from.slice(0, 10)} to ${r().to.slice(0, 10)}`}
              columns={columns}
              rows={r().rows}
              rowKey={(row) => row.tenantId}
              loading={report.loading}
              empty="No tenants in this report."
            />
            <p class="muted">
              Revenue is invoices paid plus renewals charged to balances. Traffic counts sessions by their start.
            </p>
          </>
        )}
      </Show>
    </section>
  );
}
