import { describe, expect, it } from "vitest";
import { createActionError } from "./action-error";

describe("createActionError", () => {
  it("keeps a failed action's error for the banner and clears it when the next action starts", async () => {
    const actions = createActionError();
    const failure = new Error("Plan is still in use");
    await actions.run(() => Promise.reject(failure));
    expect(actions.error()).toBe(failure);
    let seenDuring: unknown = "unset";
    await actions.run(async () => {
      seenDuring = actions.error();
    });
    expect(seenDuring).toBeUndefined();
    expect(actions.error()).toBeUndefined();
  });

  it("dismiss hides the error without running anything", async () => {
    const actions = createActionError();
    await actions.run(() => Promise.reject(new Error("nope")));
    actions.dismiss();
    expect(actions.error()).toBeUndefined();
  });
});
