import { seal, unseal } from "@proxpanel/auth";
import {
  createProvider,
  PaymentConfigError,
  type PaymentProvider,
  type ProviderName,
  parseProviderConfig,
  publicFields,
} from "@proxpanel/payments";
import { eq } from "drizzle-orm";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

export interface ProviderDeps {
  key: Buffer;
  /** Whether providers may live on loopback addresses (tests, local fakes). */
  allowLoopback: boolean;
  fetch?: typeof fetch;
}

const sealContext = (name: ProviderName) => `payment-provider:${name}`;

/** What the panel may see of each provider: never a secret. */
export async function listProviderSettings({ ctx }: { ctx: ServiceCtx }) {
  const p = ctx.tenant.t.paymentProviders;
  const rows = await ctx.db
    .select({ provider: p.provider, enabled: p.enabled, publicInfo: p.publicInfo, updatedAt: p.updatedAt })
    .from(p)
    .orderBy(p.provider);
  return { items: rows };
}

/** Validates, seals with the tenant's key, and stores a provider's settings (replacing any before). */
export async function saveProviderSettings(
  deps: ProviderDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { provider: ProviderName; enabled: boolean; config: unknown } },
) {
  let config: ReturnType<typeof parseProviderConfig>;
  try {
    config = parseProviderConfig(input.provider, input.config, { allowLoopbackApiBase: deps.allowLoopback });
  } catch (err) {
    if (err instanceof PaymentConfigError) {
      throw new AppError(400, ErrorCode.validation, err.message, { issues: err.issues });
    }
    throw err;
  }
  const info = publicFields(input.provider, config);
  const p = ctx.tenant.t.paymentProviders;
  return inTransaction(ctx, async (tx) => {
    const values = {
      enabled: input.enabled,
      configSealed: seal(deps.key, JSON.stringify(config), sealContext(input.provider)),
      publicInfo: info,
      updatedAt: new Date(),
    };
    await tx.db
      .insert(p)
      .values({ provider: input.provider, ...values })
      .onConflictDoUpdate({ target: p.provider, set: values });
    await writeAudit(tx, {
      action: "payments.provider_saved",
      entityType: "payment_provider",
      entityId: input.provider,
      details: { enabled: input.enabled, publicInfo: info },
    });
    return { provider: input.provider, enabled: input.enabled, publicInfo: info };
  });
}

export async function deleteProviderSettings({ ctx, input }: { ctx: ServiceCtx; input: { provider: ProviderName } }) {
  const p = ctx.tenant.t.paymentProviders;
  return inTransaction(ctx, async (tx) => {
    const gone = await tx.db.delete(p).where(eq(p.provider, input.provider)).returning({ provider: p.provider });
    if (!gone.length) throw notFound("This payment provider is not set up");
    await writeAudit(tx, {
      action: "payments.provider_deleted",
      entityType: "payment_provider",
      entityId: input.provider,
    });
  });
}

/** The tenant's provider, ready to call; `requireEnabled` refuses one switched off (new payments). */
export async function loadProvider(
  deps: ProviderDeps,
  ctx: ServiceCtx,
  name: ProviderName,
  opts: { requireEnabled: boolean },
): Promise<PaymentProvider | null> {
  const p = ctx.tenant.t.paymentProviders;
  const [row] = await ctx.db.select().from(p).where(eq(p.provider, name)).limit(1);
  if (!row || (opts.requireEnabled && !row.enabled)) return null;
  const config: unknown = JSON.parse(unseal(deps.key, row.configSealed, sealContext(name)));
  return createProvider(name, config, {
    allowLoopbackApiBase: deps.allowLoopback,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
}
