import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LoginForm } from "./LoginForm";

afterEach(cleanup);

const fill = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });

describe("LoginForm", () => {
  it("does not call sign-in while the e-mail or password is missing, and says which", () => {
    const signIn = vi.fn(async () => {});
    render(() => <LoginForm label="Sign in" header={<h1>Acme</h1>} signIn={signIn} />);
    fill("E-mail", "not-an-email");
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(signIn).not.toHaveBeenCalled();
    expect(screen.getByText("Enter a valid e-mail address.")).toBeTruthy();
    expect(screen.getByText("Enter your password.")).toBeTruthy();
  });

  it("sends trimmed credentials and shows a failure in the alert banner", async () => {
    const signIn = vi.fn(async () => {
      throw new Error("Invalid e-mail or password.");
    });
    render(() => <LoginForm label="Sign in" header={<h1>Acme</h1>} signIn={signIn} />);
    fill("E-mail", "  owner@acme.test ");
    fill("Password", "secret");
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await vi.waitFor(() => expect(signIn).toHaveBeenCalledWith({ email: "owner@acme.test", password: "secret" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Invalid e-mail or password.");
  });

  it("leaves an error the page claims out of the banner, and honours the page's extra check", async () => {
    const signIn = vi.fn(async () => {
      throw new Error("totp_required");
    });
    const check = vi.fn(() => true);
    const onError = vi.fn(() => true);
    render(() => (
      <LoginForm label="Operator sign in" header={<h1>Console</h1>} signIn={signIn} check={check} onError={onError} />
    ));
    fill("E-mail", "ops@example.test");
    fill("Password", "secret");
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(screen.queryByRole("alert")).toBeNull();
    check.mockReturnValue(false);
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(signIn).toHaveBeenCalledTimes(1);
  });
});
