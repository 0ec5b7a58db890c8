import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

const user = rowSchema(docTables.users);
const tx = rowSchema(docTables.transactions);

/** A reseller with its login (e-mail, status, group) and how many subscribers it holds. */
export const resellerView = rowSchema(docTables.resellers).extend({
  email: user.shape.email,
  userStatus: user.shape.status,
  permissionGroupId: user.shape.permissionGroupId,
  subscribers: z.number().int(),
});
export const resellerPage = pageOf(resellerView);
/** A reseller's own view: its balance and latest 20 movements. */
export const resellerAccountBody = z.object({
  reseller: resellerView.pick({ id: true, name: true, balanceCents: true }),
  movements: z.array(
    tx.pick({ id: true, type: true, amountCents: true, balanceAfterCents: true, description: true, createdAt: true }),
  ),
});
