import { A } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { BarChart } from "../../ui/BarChart";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { formatDate } from "../../ui/format";
import { TrafficChart } from "../../ui/TrafficChart";
import { session } from "../session";
import type { Page } from "../types";

type Status = "active" | "disabled" | "expired";

const countSubscribers = (query: { status?: Status; expiringWithinDays?: number }) =>
  unwrap<Page<unknown>>(api.GET("/api/subscribers", { params: { query: { ...query, limit: 1 } } })).then(
    (p) => p.total,
  );

/**
 * Each figure needs its own permission (subscribers.view, sessions.view, billing.view): one the
 * user lacks shows a dash instead of failing the page.
 */
const optional = <T,>(p: Promise<T>): Promise<T | null> => p.catch(() => null);

async function load() {
  const [active, disabled, expired, expiring, online, money, usage, reseller] = await Promise.all([
    optional(countSubscribers({ status: "active" })),
    optional(countSubscribers({ status: "disabled" })),
    optional(countSubscribers({ status: "expired" })),
    optional(countSubscribers({ expiringWithinDays: 7 })),
    optional(
      unwrap(api.GET("/api/sessions", { params: { query: { limit: 1, online: "true" } } })).then((p) => p.total),
    ),
    // Money received this month in the tenant's timezone, as the console's report counts it.
    optional(unwrap(api.GET("/api/transactions/revenue", {}))),
    optional(unwrap(api.GET("/api/sessions/usage", { params: { query: { days: 30 } } }))),
    // A reseller's own account (404 for everyone else, shown as nothing).
    optional(unwrap(api.GET("/api/resellers/me"))),
  ]);
  const revenue = money ? money.revenueCents : null;
  const byDay: [string, number][] = (money?.byDay ?? []).map((d) => [d.day, d.cents]);
  return { status: { active, disabled, expired }, expiring, online, revenue, byDay, usage, reseller };
}

export default function DashboardPage() {
  const [data] = createResource(load);
  return (
    <section>
      <h1>Dashboard</h1>
      <ErrorBanner error={data.error} />
      <Show when={data()}>
        {(d) => (
          <>
            <Show
              when={
                d().status.active === 0 &&
                d().status.disabled === 0 &&
                d().status.expired === 0 &&
                session.can("nas.edit")
              }
            >
              <div class="card getting-started" data-testid="getting-started" style={{ "margin-bottom": "1rem" }}>
                <h2>Getting started</h2>
                <ol>
                  <li>
                    <A href="/nas">Add your NAS devices</A> (routers that authenticate against us)
                  </li>
                  <li>
                    <A href="/plans">Create service plans</A> (speeds, quota, price)
                  </li>
                  <li>
                    <A href="/subscribers">Add or import subscribers</A>
                  </li>
                  <li>
                    <A href="/settings">Brand your panel and portal, set currency and payment providers</A>
                  </li>
                </ol>
              </div>
            </Show>
            <Show when={d().reseller}>
              {(r) => (
                <div class="card reseller-account" data-testid="reseller-account" style={{ "margin-bottom": "1rem" }}>
                  <div class="muted">{r().reseller.name}: your balance</div>
                  <div class="stat" data-testid="reseller-balance">
                    {session.money(r().reseller.balanceCents)}
                  </div>
                  <p class="muted">
                    New subscribers and renewals you make are charged to it; your provider tops it up.
                  </p>
                  <Show when={r().movements.length} fallback={<p class="muted">No movements yet.</p>}>
                    <ul class="movements">
                      <For each={r().movements.slice(0, 8)}>
                        {(m) => (
                          <li>
                            {formatDate(m.createdAt)} · {m.description || m.type} ·{" "}
                            <strong>{session.money(m.amountCents)}</strong>
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                </div>
              )}
            </Show>
            <div class="grid">
              <For
                each={[
                  { label: "Active subscribers", value: d().status.active, href: "/subscribers" },
                  { label: "Disabled", value: d().status.disabled, href: "/subscribers" },
                  { label: "Expired", value: d().status.expired, href: "/subscribers" },
                  { label: "Online now", value: d().online, href: "/sessions" },
                  { label: "Expiring in 7 days", value: d().expiring, href: "/subscribers" },
                ]}
              >
                {(c) => (
                  <A class="card" href={c.href}>
                    <div class="muted">{c.label}</div>
                    <div class="stat">{c.value ?? "—"}</div>
                  </A>
                )}
              </For>
              <div class="card">
                <div class="muted">Revenue this month</div>
                <div class="stat">{d().revenue === null ? "—" : session.money(d().revenue ?? 0)}</div>
              </div>
            </div>
            <div class="grid" style={{ "margin-top": "1rem" }}>
              <div class="card">
                <BarChart
                  title="Subscribers by status"
                  labels={["active", "disabled", "expired"]}
                  series={[{ label: "Subscribers", color: "var(--primary)" }]}
                  values={[[d().status.active ?? 0, d().status.disabled ?? 0, d().status.expired ?? 0]]}
                  format={String}
                  empty="No subscribers yet."
                />
              </div>
              <div class="card">
                <BarChart
                  title="Payments per day this month"
                  labels={d().byDay.map(([day]) => day)}
                  series={[{ label: "Payments", color: "var(--accent)" }]}
                  values={[d().byDay.map(([, v]) => v)]}
                  format={session.money}
                  empty="No payments this month yet: payments you record on invoices appear here by day."
                />
              </div>
            </div>
            <Show when={d().usage}>
              {(usage) => (
                <div class="card" style={{ "margin-top": "1rem" }}>
                  <TrafficChart
                    title={`Traffic per day, last ${usage().days} days`}
                    usage={usage().usage}
                    empty="No traffic yet: it appears once your NAS devices send accounting for sessions."
                  />
                  <p class="muted">
                    {usage().usage.reduce((n, u) => n + u.sessions, 0)} sessions started; days in {usage().timezone}.
                  </p>
                </div>
              )}
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}
