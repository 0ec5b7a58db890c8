import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

const row = rowSchema(docTables.users);
const listed = { id: true, email: true, name: true, status: true, isOwner: true, permissionGroupId: true } as const;
/** A staff account as listed (never its password hash or session version). */
export const userListItem = row.pick({ ...listed, lastLoginAt: true, createdAt: true });
export const userPage = pageOf(userListItem);
/** A staff account as returned by its changes. */
export const userBody = row.pick({ ...listed, lastLoginAt: true, createdAt: true, updatedAt: true });
/** One account with what its group lets it do. */
export const userDetail = userBody.extend({ permissions: z.array(z.string()), groupName: z.string().nullable() });
