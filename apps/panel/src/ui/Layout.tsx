import { A } from "@solidjs/router";
import { createSignal, For, type JSX, Show } from "solid-js";
import { Toasts } from "./Toast";

export interface NavItem {
  href: string;
  label: string;
}

/** Header + side navigation; on narrow screens the nav collapses behind a menu button. */
export function Layout(props: {
  title: JSX.Element;
  nav: NavItem[];
  user?: string | undefined;
  onSignOut?: () => void;
  children?: JSX.Element;
}) {
  const [open, setOpen] = createSignal(false);
  return (
    <div class="layout">
      <header class="topbar">
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={open()}
          aria-controls="main-nav"
          onClick={() => setOpen(!open())}
        >
          Menu
        </button>
        <div class="brand">{props.title}</div>
        <div class="topbar-user">
          <Show when={props.user}>
            <span class="muted">{props.user}</span>
          </Show>
          <Show when={props.onSignOut}>
            <button type="button" onClick={() => props.onSignOut?.()}>
              Sign out
            </button>
          </Show>
        </div>
      </header>
      <nav id="main-nav" class="sidenav" classList={{ open: open() }} aria-label="Main">
        <ul>
          <For each={props.nav}>
            {(item) => (
              <li>
                <A href={item.href} end={item.href === "/"} activeClass="active" onClick={() => setOpen(false)}>
                  {item.label}
                </A>
              </li>
            )}
          </For>
        </ul>
      </nav>
      <main class="content">{props.children}</main>
      <Toasts />
    </div>
  );
}
