/** Response shapes the panel reads, from the API's OpenAPI document (schema.d.ts). */

export type { Page } from "../api/types";

import type { ApiData, ApiItem } from "../api/types";

/** Colours and images of a tenant's brand, as the public branding and the Settings page both carry them. */
export type BrandingBase = Omit<PublicBranding["branding"], "customCssUrl">;

export type PublicBranding = ApiData<"/api/branding", "get">;

export type Me = ApiData<"/api/auth/me", "get">;

/** A plan as listed (with its subscriber count) or as read alone. */
export type Plan = Omit<ApiItem<"/api/plans">, "subscribers" | "rateLimit"> & {
  subscribers?: number;
  rateLimit?: string;
};

/** A subscriber as read alone: every column but the password. */
export type Subscriber = ApiData<"/api/subscribers/{id}", "get">["subscriber"];

/** A subscriber as listed: the list's columns, whether a session is open and its address. */
export type SubscriberRow = ApiItem<"/api/subscribers">;

/** A NAS as listed; its health is absent where a change answers the NAS alone. */
export type Nas = Omit<ApiItem<"/api/nas">, "health"> & { health?: NasHealth };

/** From the worker's checks: online, silent (alerted) or unknown (never heard, nothing expected). */
export type NasHealth = ApiItem<"/api/nas">["health"];

export type NasEvent = ApiItem<"/api/traffic/nas-events">;

export type IpPool = ApiItem<"/api/ip-pools">;

export type Ipv6Pool = ApiItem<"/api/ipv6-pools">;
