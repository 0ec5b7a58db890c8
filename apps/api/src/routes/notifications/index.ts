import { NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS, smsSettingsInput } from "@proxpanel/notify";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { requireModule } from "../../middleware/modules.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listOutbox,
  listTemplates,
  listVariables,
  OUTBOX_STATUSES,
  previewTemplate,
  updateTemplate,
} from "./notifications.ts";
import {
  notificationSettingsBody,
  outboxPage,
  rendered,
  smsBody,
  smsTestBody,
  templateAnswer,
  templateList,
  variablesBody,
} from "./responses.ts";
import { smsCallbackRoutes } from "./sms-callbacks.ts";
import {
  deleteSmsSettings,
  getNotificationSettings,
  getSmsSettings,
  patchSmsSettings,
  putNotificationSettings,
  putSmsSettings,
  sendTestSms,
} from "./sms-settings.ts";

const event = z.enum(NOTIFICATION_EVENTS);
const channel = z.enum(NOTIFICATION_CHANNELS);
// Lengths per channel and the variables are checked by the service, which lists every problem.
const subject = z.string().max(1_000);
const body = z.string().min(1).max(20_000);

const templateBody = z
  .object({ event, channel, subject: subject.default(""), body, isActive: z.boolean().optional() })
  .strict();
const templatePatch = z
  .object({ subject: subject.optional(), body: body.optional(), isActive: z.boolean().optional() })
  .strict();
const previewBody = z.object({ event, channel, subject: subject.default(""), body }).strict();
const listQuery = z.object({ event: event.optional(), channel: channel.optional() });
const outboxQuery = z.object({
  page: pageQuery.page,
  limit: pageQuery.limit,
  order: pageQuery.order,
  status: z.enum(OUTBOX_STATUSES).optional(),
  event: event.optional(),
  subscriberId: z.string().uuid().optional(),
});
const idParam = z.object({ id: z.string().uuid() });
const smsPatch = z
  .object({ enabled: z.boolean().optional(), sender: z.string().max(20).optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");
const smsTest = z
  .object({
    to: z.string().regex(/^\+?[0-9]{5,16}$/, "A phone number: digits, optionally after +"),
    body: z.string().min(1).max(1000).default("Test message from ProxPanel"),
  })
  .strict();
const settingsBody = z.object({ expiryReminderDays: z.number().int().min(0).max(60) }).strict();

export function notificationRoutes(deps: AppDeps) {
  const key = async (c: Context<AppEnv>) => deps.keys.forTenant(c.get("tenant").id);
  return (
    new Hono<AppEnv>()
      // Before the sign-in check: providers call these, and prove themselves by signature.
      .route("/sms-callbacks", smsCallbackRoutes(deps))
      .use(requireTenantAuth(deps))
      .use(requireModule("notifications"))
      .get(
        "/variables",
        jsonResponse(variablesBody, "Variables per event"),
        requirePermission("notifications.view"),
        (c) => c.json({ events: listVariables() }),
      )
      .get(
        "/templates",
        jsonResponse(templateList, "The templates"),
        requirePermission("notifications.view"),
        validate("query", listQuery),
        async (c) => c.json(await listTemplates({ ctx: serviceCtx(c), input: c.req.valid("query") })),
      )
      .get(
        "/templates/:id",
        jsonResponse(templateAnswer, "The template"),
        requirePermission("notifications.view"),
        validate("param", idParam),
        async (c) => c.json({ template: await getTemplate({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
      )
      .post(
        "/templates",
        jsonResponse(templateAnswer, "The new template", { status: 201 }),
        requirePermission("notifications.edit"),
        validate("json", templateBody),
        async (c) =>
          c.json({ template: await createTemplate({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
      )
      .patch(
        "/templates/:id",
        jsonResponse(templateAnswer, "The template as changed"),
        requirePermission("notifications.edit"),
        validate("param", idParam),
        validate("json", templatePatch),
        async (c) => {
          const input = { id: c.req.valid("param").id, changes: c.req.valid("json") };
          return c.json({ template: await updateTemplate({ ctx: serviceCtx(c), input }) });
        },
      )
      .delete(
        "/templates/:id",
        noContent("Deleted"),
        requirePermission("notifications.edit"),
        validate("param", idParam),
        async (c) => {
          await deleteTemplate({ ctx: serviceCtx(c), input: c.req.valid("param") });
          return c.body(null, 204);
        },
      )
      // Previews change nothing, so viewing is enough; POST because the template travels in the body.
      .post(
        "/preview",
        jsonResponse(rendered, "Rendered with sample values"),
        requirePermission("notifications.view"),
        validate("json", previewBody),
        async (c) => c.json(await previewTemplate({ ctx: serviceCtx(c), input: c.req.valid("json") })),
      )
      .post(
        "/templates/:id/preview",
        jsonResponse(rendered, "Rendered with sample values"),
        requirePermission("notifications.view"),
        validate("param", idParam),
        async (c) => {
          const ctx = serviceCtx(c);
          const tpl = await getTemplate({ ctx, input: c.req.valid("param") });
          return c.json(await previewTemplate({ ctx, input: tpl }));
        },
      )
      .get(
        "/outbox",
        jsonResponse(outboxPage, "A page of sent and queued messages"),
        requirePermission("notifications.view"),
        validate("query", outboxQuery),
        async (c) => c.json(await listOutbox({ ctx: serviceCtx(c), input: c.req.valid("query") })),
      )
      .get(
        "/settings",
        jsonResponse(notificationSettingsBody, "Reminder settings"),
        requirePermission("notifications.view"),
        async (c) => c.json(await getNotificationSettings({ ctx: serviceCtx(c) })),
      )
      .put(
        "/settings",
        jsonResponse(notificationSettingsBody, "Reminder settings, saved"),
        requirePermission("notifications.edit"),
        validate("json", settingsBody),
        async (c) => c.json(await putNotificationSettings({ ctx: serviceCtx(c), input: c.req.valid("json") })),
      )
      // The gateway's credentials go in and never come out: reads show only non-secret fields.
      .get("/sms", jsonResponse(smsBody, "The SMS gateway"), requirePermission("notifications.view"), async (c) =>
        c.json({ sms: await getSmsSettings({ ctx: serviceCtx(c) }) }),
      )
      .put(
        "/sms",
        jsonResponse(smsBody, "The SMS gateway, replaced"),
        requirePermission("settings.edit"),
        validate("json", smsSettingsInput),
        async (c) =>
          c.json({ sms: await putSmsSettings({ ctx: serviceCtx(c), key: await key(c), input: c.req.valid("json") }) }),
      )
      .patch(
        "/sms",
        jsonResponse(smsBody, "The SMS gateway, changed"),
        requirePermission("settings.edit"),
        validate("json", smsPatch),
        async (c) => c.json({ sms: await patchSmsSettings({ ctx: serviceCtx(c), input: c.req.valid("json") }) }),
      )
      .delete("/sms", noContent("Removed"), requirePermission("settings.edit"), async (c) => {
        await deleteSmsSettings({ ctx: serviceCtx(c) });
        return c.body(null, 204);
      })
      .post(
        "/sms/test",
        jsonResponse(smsTestBody, "The gateway took the message"),
        requirePermission("notifications.edit"),
        validate("json", smsTest),
        async (c) =>
          c.json(await sendTestSms({ ctx: serviceCtx(c), deps, key: await key(c), input: c.req.valid("json") })),
      )
  );
}
