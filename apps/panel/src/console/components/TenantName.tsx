/** A tenant in a table cell: company name first, the slug (its subdomain) under it. */
export function TenantName(props: { companyName: string; slug: string }) {
  return (
    <span>
      <strong>{props.companyName}</strong>
      <br />
      <span class="muted">{props.slug}</span>
    </span>
  );
}
