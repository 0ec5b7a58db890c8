import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfirmAction } from "./ConfirmAction";

afterEach(cleanup);

interface Row {
  id: string;
  slug: string;
}

describe("ConfirmAction", () => {
  it("asks about the picked row only, runs the action on it, then closes", async () => {
    const [item, setItem] = createSignal<Row>();
    const action = vi.fn(async (_row: Row) => {});
    render(() => (
      <ConfirmAction
        item={item()}
        title={(r) => `Delete ${r.slug}?`}
        message={(r) => `The workspace ${r.slug} stops answering.`}
        confirmLabel="Delete tenant"
        typed={(r) => r.slug}
        danger
        action={action}
        onClose={() => setItem(undefined)}
      />
    ));
    expect(screen.queryByRole("dialog")).toBeNull();
    setItem({ id: "t1", slug: "acme" });
    expect(screen.getByRole("dialog", { name: "Delete acme?" })).toBeTruthy();
    fireEvent.input(screen.getByRole("textbox"), { target: { value: "acme" } });
    fireEvent.click(screen.getByRole("button", { name: "Delete tenant" }));
    await vi.waitFor(() => expect(action).toHaveBeenCalledWith({ id: "t1", slug: "acme" }));
    await vi.waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("closes after an action that failed and reported it, so the page banner is not hidden behind it", async () => {
    const [item, setItem] = createSignal<Row | undefined>({ id: "p1", slug: "basic" });
    const failed = vi.fn();
    render(() => (
      <ConfirmAction
        item={item()}
        title="Delete plan"
        message={(r) => `Delete the plan ${r.slug}?`}
        confirmLabel="Delete"
        action={() => Promise.reject(new Error("in use")).catch(failed)}
        onClose={() => setItem(undefined)}
      />
    ));
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    await vi.waitFor(() => expect(failed).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });
});
