/** Response shapes of /api/portal (the OpenAPI document types the requests). */

export interface PortalSettings {
  enabled: boolean;
  allowPayments: boolean;
  allowRenew: boolean;
  allowPlanChange: boolean;
  allowProfileEdit: boolean;
  allowPasswordChange: boolean;
}

export interface PortalPlan {
  id: string;
  name: string;
  downloadKbps: number;
  uploadKbps: number;
  quotaBytes: number | null;
  quotaPeriod: string;
  validityDays: number;
  priceCents: number;
}

export interface PortalMe {
  subscriber: {
    id: string;
    username: string;
    fullName: string;
    email: string | null;
    phone: string | null;
    address: string | null;
    status: "active" | "disabled" | "expired";
    expiresAt: string | null;
    balanceCents: number;
    staticIp: string | null;
    lastSeenAt: string | null;
  };
  plan: PortalPlan | null;
  usage: { usedBytes: number; quotaBytes: number | null; since: string | null };
  openInvoices: { count: number; amountCents: number };
  currency: string;
  timezone: string;
  settings: PortalSettings;
  paymentProviders: ("stripe" | "mpesa")[];
}

export interface PortalInvoice {
  id: string;
  number: number;
  amountCents: number;
  status: "unpaid" | "paid" | "void";
  description: string;
  dueAt: string | null;
  paidAt: string | null;
  createdAt: string;
  periodStart: string | null;
  periodEnd: string | null;
}

export interface PortalSession {
  id: number;
  startTime: string;
  stopTime: string | null;
  sessionTime: number;
  inputOctets: number;
  outputOctets: number;
  framedIpAddress: string | null;
  callingStationId: string | null;
  terminateCause: string | null;
}

export interface PortalPayment {
  id: string;
  provider: "stripe" | "mpesa";
  purpose: "invoice" | "renewal";
  invoiceId: string | null;
  amountCents: number;
  currency: string;
  status: "pending" | "succeeded" | "failed";
  failureReason: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface DailyUsage {
  day: string;
  inputOctets: number;
  outputOctets: number;
  sessions: number;
}
