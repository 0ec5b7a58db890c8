import { createSignal } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { Modal } from "../../ui/Modal";
import { Table } from "../../ui/Table";
import { createList } from "../list";
import type { Ipv6Pool } from "../types";

type Allocation = ApiItem<"/api/ipv6-pools/{id}/allocations">;
type State = "used" | "free" | "";

/**
 * Which prefixes of an IPv6 pool are held, and by which subscriber (held ones first: a pool has up
 * to 65,536 prefixes, mostly free). A prefix stays with its subscriber across sessions.
 */
export function Ipv6Allocations(props: { pool: Ipv6Pool; onClose: () => void }) {
  const [state, setState] = createSignal<State>("used");
  const list = createList<Allocation>(
    (q) =>
      unwrap(
        api.GET("/api/ipv6-pools/{id}/allocations", {
          params: {
            path: { id: props.pool.id },
            query: { page: q.page, limit: q.limit, state: state() || undefined },
          },
        }),
      ),
    { key: "prefix", order: "asc" },
  );
  return (
    <Modal title={`Prefixes of ${props.pool.name}`} onClose={props.onClose}>
      <p class="muted">
        {props.pool.prefix} in /{props.pool.assignLength} prefixes: {props.pool.used} of {props.pool.size} held.
      </p>
      <SelectField
        label="Show"
        value={state()}
        options={[
          { value: "used", label: "Held by a subscriber" },
          { value: "free", label: "Free" },
          { value: "", label: "All" },
        ]}
        onChange={(e) => {
          setState(e.currentTarget.value as State);
          list.setPage(1);
          list.reload();
        }}
      />
      <ErrorBanner error={list.data.error} />
      <Table
        {...list.table}
        caption="IPv6 prefixes"
        columns={[
          { key: "prefix", label: "Prefix", render: (a) => <code>{a.prefix}</code> },
          {
            key: "username",
            label: "Subscriber",
            // A held prefix whose holder this login may not see (a reseller's view) shows as held.
            render: (a) => a.username ?? (a.subscriberId ? "(held)" : "free"),
          },
          { key: "allocatedAt", label: "Since", render: (a) => formatDate(a.allocatedAt) },
        ]}
        rowKey={(a) => a.prefix}
        empty={state() === "used" ? "No prefix of this pool is held yet." : "No prefixes."}
      />
    </Modal>
  );
}
