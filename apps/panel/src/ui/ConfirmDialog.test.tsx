import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfirmDialog } from "./Modal";

afterEach(cleanup);

describe("ConfirmDialog", () => {
  it("keeps the confirm button disabled until the exact word is typed, then confirms once", async () => {
    const onConfirm = vi.fn();
    render(() => (
      <ConfirmDialog
        title="Restore backup"
        message="This replaces everything."
        confirmLabel="Restore"
        typed="RESTORE"
        onConfirm={onConfirm}
        onClose={() => {}}
      />
    ));
    const button = screen.getByRole("button", { name: "Restore" }) as HTMLButtonElement;
    const input = screen.getByRole("textbox");
    expect(button.disabled).toBe(true);
    fireEvent.input(input, { target: { value: "restore" } });
    expect(button.disabled).toBe(true);
    fireEvent.submit(button.closest("form") as HTMLFormElement);
    expect(onConfirm).not.toHaveBeenCalled();
    fireEvent.input(input, { target: { value: "RESTORE" } });
    expect(button.disabled).toBe(false);
    fireEvent.click(button);
    await vi.waitFor(() => expect(onConfirm).toHaveBeenCalledTimes(1));
  });

  it("is a labelled modal dialog that closes on Escape", () => {
    const onClose = vi.fn();
    render(() => (
      <ConfirmDialog title="Delete plan" message="Sure?" confirmLabel="Delete" onConfirm={() => {}} onClose={onClose} />
    ));
    const dialog = screen.getByRole("dialog", { name: "Delete plan" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    fireEvent.keyDown(document, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
