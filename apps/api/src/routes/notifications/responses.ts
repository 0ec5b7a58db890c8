import { NOTIFICATION_EVENTS } from "@proxpanel/notify";
import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

/** A message template as stored. */
export const templateRow = rowSchema(docTables.notificationTemplates);
export const templateList = z.object({ items: z.array(templateRow) });
export const templateAnswer = z.object({ template: templateRow });
/** The variables each event's templates may use. */
export const variablesBody = z.object({
  events: z.object(Object.fromEntries(NOTIFICATION_EVENTS.map((e) => [e, z.array(z.string())]))),
});
/** A template rendered with sample values (subject empty for SMS). */
export const rendered = z.object({ subject: z.string(), body: z.string() });
/** One rendered message and how its delivery went. */
export const outboxPage = pageOf(rowSchema(docTables.notificationOutbox));
export const notificationSettingsBody = z.object({ expiryReminderDays: z.number().int() });
/** The SMS gateway (null when none): never its credentials, only what identifies them. */
export const smsBody = z.object({
  sms: rowSchema(docTables.smsSettings)
    .pick({ provider: true, enabled: true, sender: true, updatedAt: true })
    .extend({ publicInfo: z.record(z.string(), z.string()) })
    .nullable(),
});
export const smsTestBody = z.object({ sent: z.literal(true), providerMessageId: z.string().nullable() });
