/** Response shapes of /api/portal, from the API's OpenAPI document. */
import type { ApiData, ApiItem } from "../api/types";

export type PortalMe = ApiData<"/api/portal/me", "get">;
export type PortalSettings = PortalMe["settings"];
export type PortalPlan = ApiItem<"/api/portal/plans">;
export type PortalInvoice = ApiItem<"/api/portal/invoices">;
export type PortalSession = ApiData<"/api/portal/sessions", "get">["open"][number];
export type PortalPayment = ApiItem<"/api/portal/payments">;
export type DailyUsage = ApiData<"/api/portal/usage", "get">["usage"][number];
