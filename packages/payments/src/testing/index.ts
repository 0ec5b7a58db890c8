// Local fakes of the payment providers for tests: real HTTP servers on loopback. See ../../README.md.

export {
  type FakeMpesa,
  type FakeMpesaOptions,
  type FakeStkRequest,
  type StkCallback,
  type StkCallbackOptions,
  startFakeMpesa,
} from "./fake-mpesa.ts";
export {
  type FakeCheckoutSession,
  type FakeStripe,
  type FakeStripeOptions,
  type SignedEvent,
  type StripeEvent,
  type StripeWebhook,
  startFakeStripe,
} from "./fake-stripe.ts";
export { type Received, type Receiver, startReceiver } from "./receiver.ts";
export type { Delivery, RecordedRequest } from "./server.ts";
