/** Response shapes the panel reads (the OpenAPI document types requests, not most responses). */

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

export interface PublicBranding {
  slug: string;
  companyName: string;
  timezone: string;
  branding: {
    primaryColor: string;
    secondaryColor: string;
    accentColor: string;
    logoUrl: string | null;
    faviconUrl: string | null;
    loginBackgroundUrl: string | null;
    customCssUrl: string | null;
  };
}

export interface Me {
  user: { id: string; email: string; isOwner: boolean; permissions: string[] };
  tenant: { id: string; slug: string };
}

export interface Plan {
  id: string;
  name: string;
  downloadKbps: number;
  uploadKbps: number;
  validityDays: number;
  priceCents: number;
  isActive: boolean;
  subscribers?: number;
  rateLimit?: string;
}

export interface Subscriber {
  id: string;
  username: string;
  fullName: string | null;
  email: string | null;
  phone: string | null;
  status: string;
  planId: string;
  expiresAt: string | null;
  createdAt: string;
}

export interface Nas {
  id: string;
  name: string;
  ipAddress: string;
  identifier: string | null;
  type: string;
  description: string | null;
}

export interface IpPool {
  id: string;
  name: string;
  cidr?: string;
  rangeStart?: string;
  rangeEnd?: string;
  [k: string]: unknown;
}
