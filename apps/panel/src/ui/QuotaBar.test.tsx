import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";

afterEach(cleanup);

import { QuotaBar } from "./QuotaBar";

describe("QuotaBar", () => {
  it("shows used of limit and exposes the share as a progressbar value", () => {
    render(() => <QuotaBar label="Backup storage" used={512 * 1024 * 1024} limit={1024 * 1024 * 1024} />);
    expect(screen.getByText("512 MiB of 1.0 GiB")).toBeTruthy();
    const bar = screen.getByRole("progressbar", { name: "Backup storage" });
    expect(bar.getAttribute("aria-valuenow")).toBe("50");
    expect(bar.className).toContain("quota-ok");
  });

  it("turns amber from 80 % and red (capped at 100 %) when over the limit", () => {
    render(() => <QuotaBar label="A" used={85} limit={100} format={(n) => `${n}`} />);
    render(() => <QuotaBar label="B" used={150} limit={100} format={(n) => `${n}`} />);
    expect(screen.getByRole("progressbar", { name: "A" }).className).toContain("quota-warn");
    const over = screen.getByRole("progressbar", { name: "B" });
    expect(over.className).toContain("quota-bad");
    expect(over.getAttribute("aria-valuenow")).toBe("100");
  });
});
