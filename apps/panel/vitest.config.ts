import solid from "vite-plugin-solid";
import { defineProject } from "vitest/config";

// Component tests: Solid components rendered into happy-dom, no server involved.
export default defineProject({
  plugins: [solid()],
  root: import.meta.dirname,
  resolve: { conditions: ["development", "browser"] },
  test: {
    name: "panel",
    environment: "happy-dom",
    include: ["src/**/*.test.tsx"],
  },
});
