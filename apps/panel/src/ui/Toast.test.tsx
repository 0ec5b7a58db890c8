import { render, screen } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import { Toasts, toast } from "./Toast";

describe("toasts", () => {
  it("shows at most three at once, dropping the oldest", () => {
    const { container } = render(() => <Toasts />);
    for (const n of [1, 2, 3, 4, 5]) toast(`Saved ${n}`);
    expect(screen.queryByText("Saved 1")).toBeNull();
    expect(screen.queryByText("Saved 2")).toBeNull();
    expect(screen.getByText("Saved 5")).toBeTruthy();
    expect(container.querySelectorAll(".toast")).toHaveLength(3);
  });
});
