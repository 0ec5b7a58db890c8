import { createResource, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { SelectField } from "../../ui/Field";
import { session } from "../session";

/**
 * The signed-in reseller's own account (name, balance), or null for staff: a reseller pays for the
 * batches it generates from this balance. Only asked by a non-owner who may generate vouchers.
 */
export function createResellerAccount() {
  // An object source, so a "no" still runs the fetcher and answers null rather than staying unresolved.
  const [account, { refetch }] = createResource(
    () => ({ ask: Boolean(session.me() && !session.me()?.user.isOwner && session.can("vouchers.create")) }),
    ({ ask }) =>
      ask
        ? unwrap(api.GET("/api/resellers/me"))
            .then((a) => a.reseller)
            .catch(() => null)
        : Promise.resolve(null),
  );
  return { account, refetch };
}

/**
 * Staff choosing the reseller a batch is sold to (charged count × price from its balance). Shown
 * only to staff who may list resellers, on a plan with the resellers module.
 */
export function ResellerPicker(props: { value: string; onChange: (id: string, name: string) => void }) {
  const [resellers] = createResource(() =>
    unwrap(api.GET("/api/resellers", { params: { query: { limit: 100, sort: "name", order: "asc" } } })),
  );
  const active = () => (resellers()?.items ?? []).filter((r) => r.isActive);
  return (
    <SelectField
      label="Sell to reseller"
      placeholder="No reseller (sold by the operator)"
      value={props.value}
      options={active().map((r) => ({ value: r.id, label: `${r.name} (balance ${session.money(r.balanceCents)})` }))}
      onChange={(e) => {
        const id = e.currentTarget.value;
        props.onChange(id, active().find((r) => r.id === id)?.name ?? "");
      }}
      hint="The reseller's balance pays for the whole batch when it is generated."
    />
  );
}

/** "12 × €2.50 = €30.00 from North Shop's balance (€50.00)." */
export function BatchCharge(props: { count: number; priceCents: number; payer?: string; balanceCents?: number }) {
  return (
    <Show when={props.payer && Number.isInteger(props.count) && props.count > 0}>
      <p class="muted" data-testid="batch-charge">
        {props.count} × {session.money(props.priceCents)} = {session.money(props.count * props.priceCents)} from{" "}
        {props.payer}
        <Show when={props.balanceCents !== undefined}> (balance {session.money(props.balanceCents ?? 0)})</Show>.
      </p>
    </Show>
  );
}

export const canPickReseller = () => session.can("resellers.view") && session.hasModule("resellers");
