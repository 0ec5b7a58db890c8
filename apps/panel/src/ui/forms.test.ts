import { describe, expect, it } from "vitest";
import { emailAddress, newPassword } from "./forms";

describe("emailAddress", () => {
  it("accepts an address with surrounding spaces and rejects one without a domain dot or with a space inside", () => {
    expect(emailAddress("  owner@acme.test ")).toBeUndefined();
    expect(emailAddress("owner@acme")).toBe("Enter a valid e-mail address.");
    expect(emailAddress("own er@acme.test")).toBe("Enter a valid e-mail address.");
    expect(emailAddress("")).toBe("Enter a valid e-mail address.");
  });
});

describe("newPassword", () => {
  it("wants at least ten characters, counting spaces", () => {
    expect(newPassword("123456789")).toBe("At least 10 characters.");
    expect(newPassword("1234567890")).toBeUndefined();
    expect(newPassword("         x")).toBeUndefined();
  });
});
