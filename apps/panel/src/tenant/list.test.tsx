import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Table } from "../ui/Table";
import { createList, type ListQuery, listParams } from "./list";
import type { Page } from "./types";

afterEach(cleanup);

interface Row {
  id: string;
  name: string;
}

/** 30 rows served 25 a page, as the API would. */
const serve = (q: ListQuery): Promise<Page<Row>> => {
  const all = Array.from({ length: 30 }, (_, i) => ({ id: String(i + 1), name: `row ${i + 1}` }));
  const start = (q.page - 1) * q.limit;
  return Promise.resolve({ items: all.slice(start, start + q.limit), total: all.length, page: q.page, limit: q.limit });
};

describe("createList", () => {
  it("drives a Table through its spread props: rows, pager and the next page's fetch", async () => {
    const fetcher = vi.fn(serve);
    render(() => {
      const list = createList<Row>(fetcher, { key: "name", order: "asc" });
      return <Table {...list.table} caption="Rows" columns={[{ key: "name", label: "Name" }]} rowKey={(r) => r.id} />;
    });
    expect(await screen.findByText("row 1")).toBeTruthy();
    expect(screen.queryByText("row 26")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: /next/i }));
    expect(await screen.findByText("row 26")).toBeTruthy();
    expect(fetcher).toHaveBeenLastCalledWith(expect.objectContaining({ page: 2, limit: 25 }));
  });

  it("turns the list state into the API's query, leaving a blank search out", () => {
    const q: ListQuery = { page: 3, limit: 25, search: "  ", sort: { key: "created", order: "desc" } };
    expect(listParams<"created">(q)).toEqual({ page: 3, limit: 25, search: undefined, sort: "created", order: "desc" });
    expect(listParams({ ...q, search: " acme " }).search).toBe("acme");
  });
});
