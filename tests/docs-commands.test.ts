import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../apps/api/src/app.ts";
import { type Stack, startStack } from "./harness.ts";

/**
 * Every `npm run <script>` and every `METHOD /api/...` the guides name must exist: a renamed script or
 * route breaks this test instead of an operator's procedure (issue 20). The procedures themselves are
 * run as written by tests/operator-guide.test.ts.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

async function guides(): Promise<{ file: string; text: string }[]> {
  const files = ["README.md", "infra/README.md", "bench/README.md"];
  for (const dir of ["apps", "packages"]) {
    for (const name of await readdir(path.join(ROOT, dir))) {
      const readme = path.join(dir, name, "README.md");
      if (
        await readFile(path.join(ROOT, readme)).then(
          () => true,
          () => false,
        )
      )
        files.push(readme);
    }
  }
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(path.join(ROOT, file), "utf8") })));
}

/** `/api/x/:id/y`, `/api/x/<id>/y` and `/api/x/{id}/y` all name the same route. */
function normalise(p: string): string {
  return p
    .replace(/[?#].*$/, "")
    .split("/")
    .map((seg) => (/^(:|<|\{)/.test(seg) ? ":p" : seg))
    .join("/")
    .replace(/\/$/, "");
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("commands and routes named in the guides", () => {
  it("names only npm scripts that exist", async () => {
    const scripts = Object.keys(JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")).scripts);
    const missing: string[] = [];
    for (const { file, text } of await guides()) {
      for (const m of text.matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)) {
        if (!scripts.includes(m[1] ?? "")) missing.push(`${file}: npm run ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("names only API routes the API serves, with the method it serves them with", async () => {
    const app = createApp(stack.runtime.deps);
    const served = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${normalise(r.path)}`));
    const named: string[] = [];
    const missing: string[] = [];
    for (const { file, text } of await guides()) {
      for (const m of text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`\s]*)/g)) {
        const route = `${m[1]} ${normalise(m[2] ?? "")}`;
        named.push(route);
        if (!served.has(route)) missing.push(`${file}: ${m[1]} ${m[2]}`);
      }
    }
    expect(named.length).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });
});
