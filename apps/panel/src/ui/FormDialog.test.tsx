import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FormDialog } from "./FormDialog";

afterEach(cleanup);

describe("FormDialog", () => {
  it("shows what the submit threw in an alert and stays open, then clears it on the next try", async () => {
    let fail = true;
    const onSubmit = vi.fn(async () => {
      if (fail) throw new Error("Name already taken");
    });
    render(() => (
      <FormDialog title="New plan" submitLabel="Create plan" onSubmit={onSubmit} onClose={() => {}}>
        <input aria-label="Name" />
      </FormDialog>
    ));
    fireEvent.click(screen.getByRole("button", { name: "Create plan" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Name already taken");
    expect(screen.getByRole("dialog", { name: "New plan" })).toBeTruthy();
    fail = false;
    fireEvent.click(screen.getByRole("button", { name: "Create plan" }));
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
  });

  it("with a busy label, disables the submit button while the request runs", async () => {
    let release: () => void = () => {};
    const pending = new Promise<void>((resolve) => {
      release = resolve;
    });
    render(() => (
      <FormDialog title="Edit" submitLabel="Save" busyLabel="Saving…" onSubmit={() => pending} onClose={() => {}}>
        <span />
      </FormDialog>
    ));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const busy = (await screen.findByRole("button", { name: "Saving…" })) as HTMLButtonElement;
    expect(busy.disabled).toBe(true);
    release();
    const idle = (await screen.findByRole("button", { name: "Save" })) as HTMLButtonElement;
    expect(idle.disabled).toBe(false);
  });

  it("closes from Cancel without submitting", () => {
    const onSubmit = vi.fn(async () => {});
    const onClose = vi.fn();
    render(() => (
      <FormDialog title="New pool" submitLabel="Create pool" onSubmit={onSubmit} onClose={onClose}>
        <span />
      </FormDialog>
    ));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onSubmit).not.toHaveBeenCalled();
  });
});
