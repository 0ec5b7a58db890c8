import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { BarChart } from "./BarChart";

afterEach(cleanup);

const heights = () => [...document.querySelectorAll("rect")].map((r) => Number(r.getAttribute("height")));

describe("BarChart", () => {
  it("stacks series per label with heights proportional to the tallest total", () => {
    render(() => (
      <BarChart
        title="Traffic"
        labels={["d1", "d2"]}
        series={[
          { label: "Down", color: "red" },
          { label: "Up", color: "blue" },
        ]}
        values={[
          [100, 50],
          [100, 0],
        ]}
        format={String}
      />
    ));
    expect(screen.getByRole("img", { name: "Traffic" })).toBeTruthy();
    // d1 totals 200 (the maximum): 90 + 90 of the 180 px plot; d2 is 50 → 45 px, its empty Up bar 0.
    expect(heights()).toEqual([90, 90, 45, 0]);
    expect([...document.querySelectorAll("rect title")].map((t) => t.textContent)).toContain("d2 Down: 50");
  });

  it("says so instead of drawing an empty chart", () => {
    render(() => <BarChart title="Traffic" labels={[]} series={[]} values={[]} format={String} />);
    expect(screen.getByText("No data for this period.")).toBeTruthy();
    expect(document.querySelector("svg")).toBeNull();
  });

  it("says what to do instead of drawing bare axes when every value is zero", () => {
    render(() => (
      <BarChart
        title="Payments"
        labels={["d1", "d2"]}
        series={[{ label: "Paid", color: "red" }]}
        values={[[0, 0]]}
        format={String}
        empty="Payments you record appear here."
      />
    ));
    expect(screen.queryByRole("img", { name: "Payments" })).toBeNull();
    expect(screen.getByText("Payments you record appear here.")).toBeTruthy();
  });
});
