import { createEffect, onCleanup } from "solid-js";
import type { PublicBranding } from "./types";

/**
 * Applies a tenant's colours, favicon, title and custom CSS to the document. Custom CSS is linked
 * from the API (served as text/css, nosniff), never inlined, so it cannot inject markup.
 */
export function useBrandStyle(branding: () => PublicBranding | undefined) {
  createEffect(() => {
    const b = branding();
    if (!b) return;
    const root = document.documentElement.style;
    root.setProperty("--primary", b.branding.primaryColor);
    root.setProperty("--secondary", b.branding.secondaryColor);
    root.setProperty("--accent", b.branding.accentColor);
    document.title = b.companyName || "ProxPanel";
    if (b.branding.faviconUrl) {
      let icon = document.querySelector<HTMLLinkElement>("link[rel='icon']");
      if (!icon) {
        icon = document.createElement("link");
        icon.rel = "icon";
        document.head.append(icon);
      }
      icon.href = b.branding.faviconUrl;
    }
    if (b.branding.customCssUrl) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = b.branding.customCssUrl;
      link.dataset.brand = "custom";
      document.head.append(link);
      onCleanup(() => link.remove());
    }
  });
}
