import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError, ErrorCode } from "../errors.ts";

export const MODULES = ["resellers", "wireguard", "notifications"] as const;
export type Module = (typeof MODULES)[number];

/** Routes of a module the tenant's plan (or the super-admin) has switched off answer 403. */
export function requireModule(module: Module) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const site = c.get("site");
    if (site.kind !== "tenant" || !site.tenant.modules.includes(module)) {
      throw new AppError(403, ErrorCode.moduleDisabled, `The ${module} module is not enabled for this workspace.`);
    }
    await next();
  });
}
