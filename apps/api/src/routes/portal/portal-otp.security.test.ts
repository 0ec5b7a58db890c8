import { type FakeSmsGateway, fakeSmsGateway } from "@proxpanel/notify/testing/fake-sms-gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { codeSentTo, otpOn, setPhone } from "./portal-otp-support.ts";
import { type PortalFixture, portalFixture } from "./portal-test-support.ts";

let stack: Stack;
let gw: FakeSmsGateway;
let a: TestTenant;
let b: TestTenant;
let alice: PortalFixture;
let carol: PortalFixture;
let bob: PortalFixture;

const login = (t: TestTenant, f: PortalFixture) =>
  stack.request("POST", "/api/portal/auth/login", {
    host: t.host,
    body: { username: f.username, password: f.password },
  });
const otp = (t: TestTenant, challengeId: string, code: string) =>
  stack.request("POST", "/api/portal/auth/otp", { host: t.host, body: { challengeId, code } });

beforeAll(async () => {
  gw = await fakeSmsGateway();
  stack = await startStack({ SMS_GATEWAY_ALLOW_PRIVATE: "true" });
  a = await signupTenant(stack);
  b = await signupTenant(stack);
  alice = await portalFixture(stack, a, "alice");
  carol = await portalFixture(stack, a, "carol");
  // The same username in the other tenant, with the same password scheme.
  bob = await portalFixture(stack, b, "alice");
  const ca = await otpOn(stack, a, gw);
  const cb = await otpOn(stack, b, gw);
  await setPhone(ca, alice.subscriberId, "+254700000001");
  await setPhone(ca, carol.subscriberId, "+254700000002");
  await setPhone(cb, bob.subscriberId, "+254700000003");
});
afterAll(async () => {
  await stack.close();
  await gw.close();
});

describe("portal phone code: isolation", () => {
  it("refuses a challenge of another tenant, even with its right code", async () => {
    const res = await login(b, bob);
    const code = await codeSentTo(stack, b, gw, "+254700000003");
    const there = await otp(a, res.body.challengeId, code);
    expectError(there, 401, "otp_invalid");
    expect(there.body.token).toBeUndefined();
    // Still good where it belongs: the refusal above did not spend it.
    expect((await otp(b, res.body.challengeId, code)).status).toBe(200);
  });

  it("refuses another subscriber's code on a challenge, and a tampered challenge", async () => {
    const ra = await login(a, alice);
    const codeA = await codeSentTo(stack, a, gw, "+254700000001");
    const rc = await login(a, carol);
    const codeC = await codeSentTo(stack, a, gw, "+254700000002");
    if (codeA !== codeC) expectError(await otp(a, ra.body.challengeId, codeC), 401, "otp_invalid");
    const id: string = ra.body.challengeId;
    const flipped = `${id.slice(0, -2)}${id.endsWith("AA") ? "BB" : "AA"}`;
    expectError(await otp(a, flipped, codeA), 401, "otp_invalid");
    // Each code signs in only its own subscriber.
    const signedC = await otp(a, rc.body.challengeId, codeC);
    expect(signedC.body.subscriber.id).toBe(carol.subscriberId);
    const signedA = await otp(a, ra.body.challengeId, codeA);
    expect(signedA.body.subscriber.id).toBe(alice.subscriberId);
  });

  it("refuses a challenge issued before the subscriber's sessions were ended", async () => {
    const first = await login(a, alice);
    const signed = await otp(a, first.body.challengeId, await codeSentTo(stack, a, gw, "+254700000001"));
    expect(signed.status).toBe(200);
    const pending = await login(a, alice);
    const code = await codeSentTo(stack, a, gw, "+254700000001");
    // Signing out everywhere (as a password change or reset does) voids pending challenges too.
    const out = await stack.request("POST", "/api/portal/logout", { host: a.host, token: signed.body.token });
    expect(out.status).toBe(204);
    expectError(await otp(a, pending.body.challengeId, code), 401, "otp_invalid");
  });

  it("does not accept a challenge as a portal token", async () => {
    const res = await login(a, carol);
    const asToken = await stack.request("GET", "/api/portal/me", { host: a.host, token: res.body.challengeId });
    expectError(asToken, 401, "unauthorized");
  });
});
