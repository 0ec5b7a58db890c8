import { PERMISSIONS } from "@proxpanel/auth";
import { z } from "zod";
import { docTables, rowSchema } from "../../openapi.ts";

/** A permission group as stored. */
export const groupRow = rowSchema(docTables.permissionGroups);
/** With how many staff accounts are in it. */
export const groupWithMembers = groupRow.extend({ members: z.number().int() });
/** Every group, and the permissions a group may be given. */
export const groupList = z.object({ items: z.array(groupWithMembers), catalogue: z.array(z.enum(PERMISSIONS)) });
