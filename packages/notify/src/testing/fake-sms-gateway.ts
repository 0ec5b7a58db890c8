import { type FakeReply, listen } from "./http-fake.ts";

/**
 * A generic HTTP SMS gateway for tests: answers "OK id=<n>" unless told otherwise, one scripted
 * reply per request (`replyNext`), optionally slowly (to hold a delivery pass mid-send).
 */
export async function fakeSmsGateway() {
  const scripted: FakeReply[] = [];
  let counter = 0;
  let delayMs = 0;
  const server = await listen(() => {
    const next = scripted.shift();
    if (next) return { delayMs, ...next };
    counter += 1;
    return { status: 200, body: `OK id=gw${counter}`, delayMs };
  });
  return {
    ...server,
    /** The next requests get these answers, in order. */
    replyNext(...replies: FakeReply[]) {
      scripted.push(...replies);
    },
    slow(ms: number) {
      delayMs = ms;
    },
    reset() {
      scripted.length = 0;
      server.requests.length = 0;
      delayMs = 0;
    },
  };
}
export type FakeSmsGateway = Awaited<ReturnType<typeof fakeSmsGateway>>;
