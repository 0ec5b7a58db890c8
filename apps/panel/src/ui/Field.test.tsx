import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TextAreaField, TextField } from "./Field";

afterEach(cleanup);

describe("TextField and TextAreaField", () => {
  it("hand the typed text to onValue", () => {
    const name = vi.fn();
    const body = vi.fn();
    render(() => (
      <>
        <TextField label="Name" value="" onValue={name} />
        <TextAreaField label="Body" value="" onValue={body} />
      </>
    ));
    fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Basic 10M" } });
    fireEvent.input(screen.getByLabelText("Body"), { target: { value: "Hello {{subscriber.username}}" } });
    expect(name).toHaveBeenCalledWith("Basic 10M");
    expect(body).toHaveBeenCalledWith("Hello {{subscriber.username}}");
  });

  it("still honour a caller's own onInput handler", () => {
    const onInput = vi.fn();
    render(() => <TextField label="Search" type="search" onInput={onInput} />);
    fireEvent.input(screen.getByLabelText("Search"), { target: { value: "acme" } });
    expect(onInput).toHaveBeenCalledTimes(1);
  });

  it("ties the inline error to the input for screen readers", () => {
    render(() => <TextField label="E-mail" value="x" error="Enter a valid e-mail address." />);
    const input = screen.getByLabelText("E-mail");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(input.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "Enter a valid e-mail address.",
    );
  });
});
