import type { OutgoingMail } from "@proxpanel/mail";

export function welcomeMail(input: { to: string; companyName: string; url: string; tenantId: string }): OutgoingMail {
  return {
    kind: "welcome",
    to: input.to,
    tenantId: input.tenantId,
    subject: `Welcome to ProxPanel, ${input.companyName}`,
    body: [
      `Your workspace for ${input.companyName} is ready.`,
      "",
      `Sign in at ${input.url} with this e-mail address and the password you chose.`,
      "",
      "Next steps: add your NAS devices, create service plans, then import or add subscribers.",
    ].join("\n"),
  };
}

export function passwordResetMail(input: {
  to: string;
  link: string;
  ttlMinutes: number;
  /** Null for a super-admin's reset. */
  tenantId: string | null;
}): OutgoingMail {
  return {
    kind: "password_reset",
    to: input.to,
    tenantId: input.tenantId,
    subject: "Reset your ProxPanel password",
    body: [
      "Someone (hopefully you) asked to reset the password of this account.",
      "",
      `Choose a new password here: ${input.link}`,
      "",
      `The link works once and expires in ${input.ttlMinutes} minutes. If you did not ask, ignore this`,
      "message: your password stays as it is.",
    ].join("\n"),
  };
}

/** "Find my workspace": where each workspace the address belongs to signs in. */
export function workspaceLinksMail(input: { to: string; links: { name: string; url: string }[] }): OutgoingMail {
  return {
    kind: "workspace_links",
    to: input.to,
    tenantId: null,
    subject: "Your ProxPanel workspaces",
    body: [
      "Someone (hopefully you) asked where this address can sign in.",
      "",
      ...input.links.map((l) => `${l.name}: ${l.url}`),
      "",
      "Sign in there with this e-mail address. If you did not ask, ignore this message.",
    ].join("\n"),
  };
}
