// The import graph of apps/*/src and packages/*/src, read with TypeScript's own pre-parser (no
// new dependency): apps stand on packages only, packages never reach into apps, and no module
// imports itself through a chain of others (type-only imports included: a cycle of types still
// ties the modules together).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Workspace {
  name: string;
  dir: string;
  kind: "apps" | "packages";
  exports: Record<string, string>;
}

function workspaces(): Workspace[] {
  return (["apps", "packages"] as const).flatMap((kind) =>
    readdirSync(path.join(ROOT, kind)).flatMap((entry) => {
      const dir = path.join(ROOT, kind, entry);
      let pkg: { name: string; exports?: string | Record<string, string> };
      try {
        pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      } catch {
        return [];
      }
      const exports = typeof pkg.exports === "string" ? { ".": pkg.exports } : (pkg.exports ?? {});
      return [{ name: pkg.name, dir, kind, exports }];
    }),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) return entry === "node_modules" || entry === "dist" ? [] : sourceFiles(file);
    return /\.tsx?$/.test(entry) && !entry.endsWith(".d.ts") ? [file] : [];
  });
}

const spaces = workspaces();
const byName = new Map(spaces.map((w) => [w.name, w]));
const files = spaces.flatMap((w) => sourceFiles(path.join(w.dir, "src")));
const owner = (file: string) => spaces.find((w) => file.startsWith(`${w.dir}${path.sep}`));

/** The file an import names, when it is one of ours; undefined for outside packages. */
function resolve(from: string, spec: string): string | undefined {
  if (spec.startsWith(".")) return path.resolve(path.dirname(from), spec);
  const m = /^(@proxpanel\/[^/]+)(?:\/(.+))?$/.exec(spec);
  const ws = m?.[1] ? byName.get(m[1]) : undefined;
  if (!ws) return undefined;
  const sub = m?.[2];
  if (!sub) return path.join(ws.dir, ws.exports["."] ?? "src/index.ts");
  const exact = ws.exports[`./${sub}`];
  if (exact) return path.join(ws.dir, exact);
  const star = ws.exports["./*"];
  return star ? path.join(ws.dir, star.replace("*", sub)) : undefined;
}

const graph = new Map<string, string[]>(
  files.map((file) => {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = info.importedFiles.flatMap((i) => resolve(file, i.fileName) ?? []);
    return [file, targets];
  }),
);
const rel = (f: string) => path.relative(ROOT, f);

describe("architecture", () => {
  it("has apps that import packages only, never another app", () => {
    const crossings: string[] = [];
    for (const [file, targets] of graph) {
      const from = owner(file);
      for (const target of targets) {
        const to = owner(target);
        if (from?.kind === "apps" && to?.kind === "apps" && to !== from)
          crossings.push(`${rel(file)} → ${rel(target)}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it("has packages that never import an app", () => {
    const crossings: string[] = [];
    for (const [file, targets] of graph) {
      if (owner(file)?.kind !== "packages") continue;
      for (const target of targets) if (owner(target)?.kind === "apps") crossings.push(`${rel(file)} → ${rel(target)}`);
    }
    expect(crossings).toEqual([]);
  });

  it("has no import cycles", () => {
    // Tarjan's strongly connected components: any component of two or more modules is a cycle.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string) => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
        }
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop();
          if (w) {
            onStack.delete(w);
            component.push(rel(w));
          }
        } while (w && w !== v);
        if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it("sees the whole tree (the check cannot pass by reading nothing)", () => {
    expect(files.length).toBeGreaterThan(200);
    expect([...graph.values()].flat().length).toBeGreaterThan(500);
  });
});
