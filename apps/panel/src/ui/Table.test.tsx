import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";

afterEach(cleanup);

import { Table } from "./Table";
import { paginate, type SortState, sortRows } from "./table-logic";

interface Row {
  id: string;
  name: string;
  speed: number | null;
}

const ROWS: Row[] = [
  { id: "1", name: "bravo", speed: 20 },
  { id: "2", name: "alpha", speed: null },
  { id: "3", name: "charlie", speed: 5 },
  { id: "4", name: "delta", speed: 100 },
];

function Harness() {
  const [sort, setSort] = createSignal<SortState>({ key: "name", order: "asc" });
  const [page, setPage] = createSignal(1);
  const rows = () =>
    paginate(
      sortRows(ROWS, sort(), (r, k) => r[k as keyof Row]),
      page(),
      3,
    );
  return (
    <Table
      columns={[
        { key: "name", label: "Name", sortable: true },
        { key: "speed", label: "Speed", sortable: true },
      ]}
      rows={rows()}
      rowKey={(r) => r.id}
      sort={sort()}
      onSort={(s) => {
        setSort(s);
        setPage(1);
      }}
      page={{ page: page(), limit: 3, total: ROWS.length }}
      onPage={setPage}
    />
  );
}

const names = () => [...document.querySelectorAll("tbody tr")].map((tr) => tr.querySelector("td")?.textContent);

describe("Table", () => {
  it("sorts by a column, flips the order on a second click and keeps empty values last", async () => {
    render(() => <Harness />);
    expect(names()).toEqual(["alpha", "bravo", "charlie"]);
    fireEvent.click(screen.getByRole("button", { name: /Name/ }));
    expect(names()).toEqual(["delta", "charlie", "bravo"]);
    expect(screen.getByRole("columnheader", { name: /Name/ }).getAttribute("aria-sort")).toBe("descending");
    fireEvent.click(screen.getByRole("button", { name: /Speed/ }));
    expect(names()).toEqual(["charlie", "bravo", "delta"]);
    fireEvent.click(screen.getByRole("button", { name: /Speed/ }));
    expect(names()).toEqual(["delta", "bravo", "charlie"]);
  });

  it("pages through rows with accessible Previous/Next buttons and a range label", () => {
    render(() => <Harness />);
    expect(screen.getByText("1–3 of 4")).toBeTruthy();
    const prev = screen.getByRole("button", { name: "Previous" }) as HTMLButtonElement;
    const next = screen.getByRole("button", { name: "Next" }) as HTMLButtonElement;
    expect(prev.disabled).toBe(true);
    fireEvent.click(next);
    expect(screen.getByText("4–4 of 4")).toBeTruthy();
    expect(names()).toEqual(["delta"]);
    expect(next.disabled).toBe(true);
  });

  it("shows the empty message when there are no rows", () => {
    render(() => (
      <Table columns={[{ key: "name", label: "Name" }]} rows={[]} rowKey={() => "x"} empty="No plans yet." />
    ));
    expect(screen.getByText("No plans yet.")).toBeTruthy();
  });
});
