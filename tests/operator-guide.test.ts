import { exec } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStandalone } from "../apps/api/src/standalone.ts";
import { BASE, type Stack, signupTenant, startStack, superAdminSession, TEST_SECRETS, uniqueSlug } from "./harness.ts";
import { ScratchDatabases } from "./scratch-databases.ts";

/**
 * The operator guide's moves between standalone and SaaS (infra/README.md), run as written: every
 * command in a step's code spans is executed literally (`npm run …` and `psql …` in a shell, API calls
 * through the API), on the host the step names, so the guide cannot drift from the code again.
 * Only the steps that are prose (copy a folder, set the environment, start, sign in) are done by this
 * test's own code.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const GUIDE = path.join(ROOT, "infra/README.md");
const sh = promisify(exec);

interface Step {
  n: number;
  text: string;
  commands: string[];
}

/** The numbered steps of one `### <title>` section, each with the commands in its code spans. */
function guideSteps(markdown: string, title: string): Step[] {
  const start = markdown.indexOf(`### ${title}`);
  if (start < 0) throw new Error(`guide section "${title}" not found`);
  const rest = markdown.slice(start + 4 + title.length);
  const end = rest.search(/^#{2,3} /m);
  const body = end < 0 ? rest : rest.slice(0, end);
  const steps: Step[] = [];
  for (const m of body.matchAll(/^(\d+)\. ([\s\S]*?)(?=^\d+\. |(?![\s\S]))/gm)) {
    const text = (m[2] ?? "").replace(/\s+/g, " ").trim();
    const commands = [...text.matchAll(/`([^`]+)`/g)]
      .map((c) => (c[1] ?? "").trim())
      .filter((c) => /^(npm run |psql |(GET|POST|PUT|PATCH|DELETE) \/api\/)/.test(c));
    steps.push({ n: Number(m[1]), text, commands });
  }
  return steps;
}

let work: string;
const stacks: Stack[] = [];
const scratch = new ScratchDatabases("proxpanel_guide");

/** Keys of a standalone install: nothing in common with the cluster's TEST_SECRETS. */
const STANDALONE_SECRETS = {
  SAAS_TENANT_JWT_SECRET: "guide-standalone-tenant-secret-0123456789abcdef",
  SAAS_SUPERADMIN_JWT_SECRET: "guide-standalone-operator-secret-0123456789abc",
  DATA_ENCRYPTION_KEY: "guide-standalone-data-key-0123456789abcdef0123",
  BACKUP_LICENSE_KEY: "guide-standalone-license-0123456789abcdef",
};

const saasEnv = (dataDir: string) => ({
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? "",
  DATA_DIR: dataDir,
  BASE_DOMAIN: BASE,
  ...TEST_SECRETS,
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
});

const newDatabase = (migrate: boolean) => scratch.create({ migrate });

/**
 * A folder that stands for an install: the project's files linked in, so `npm run` works there and
 * the guide's relative file names (acme.sql, acme.proisp.bak) land in it, as on a real host.
 */
async function installDir(name: string): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir, { recursive: true });
  for (const entry of [
    "package.json",
    "node_modules",
    "apps",
    "packages",
    "drizzle",
    "tsconfig.json",
    "tsconfig.base.json",
  ]) {
    await fs.symlink(path.join(ROOT, entry), path.join(dir, entry));
  }
  return dir;
}

/** Runs one documented shell command as written, in the install's folder with its environment. */
async function runCommand(cmd: string, cwd: string, env: Record<string, string>): Promise<string> {
  try {
    const { stdout, stderr } = await sh(cmd, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "silent", NODE_ENV: "test", ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`documented command failed: ${cmd}\n${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

function fill(cmd: string, values: Record<string, string>): string {
  let out = cmd;
  for (const [k, v] of Object.entries(values)) out = out.split(k).join(v);
  return out;
}

async function fillTenant(stack: Stack, host: string, token: string) {
  const api = (method: string, p: string, body?: unknown) => stack.request(method, p, { host, token, body });
  const plan = await api("POST", "/api/plans", { name: "Home 10M", downloadKbps: 10000, uploadKbps: 2000 });
  expect(plan.status).toBe(201);
  for (const n of [1, 2]) {
    const sub = await api("POST", "/api/subscribers", {
      username: `guide${n}`,
      password: `pppoe-guide-${n}`,
      planId: plan.body.plan.id,
    });
    expect(sub.status).toBe(201);
  }
}

async function subscriberCount(stack: Stack, host: string, token: string): Promise<number> {
  const res = await stack.request("GET", "/api/subscribers?limit=100", { host, token });
  expect(res.status).toBe(200);
  return res.body.items.length;
}

async function login(stack: Stack, host: string, email: string, password: string): Promise<string> {
  const res = await stack.request("POST", "/api/auth/login", { host, body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token;
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-guide-"));
});
afterAll(async () => {
  for (const s of stacks) await s.close();
  await scratch.dropAll();
  await fs.rm(work, { recursive: true, force: true });
});

describe("infra/README.md, run as written", () => {
  it("SaaS → standalone: suspend, export, migrate, load, copy uploads, start, sign in, mark migrated", async () => {
    const steps = guideSteps(await fs.readFile(GUIDE, "utf8"), "SaaS → standalone (maintenance window)");
    const commands = steps.flatMap((s) => s.commands.map((c) => ({ step: s.n, c })));
    // The guide must keep naming a command for each of these steps, or this test proves nothing.
    expect(new Set(commands.map((c) => c.step))).toEqual(new Set([1, 2, 3, 4, 7]));

    const saasDir = await installDir("saas-host");
    const saas = await startStack({ DATA_DIR: path.join(saasDir, "data") });
    stacks.push(saas);
    const t = await signupTenant(saas);
    await fillTenant(saas, t.host, t.token);
    const op = await superAdminSession(saas);
    const saDir = await installDir("standalone-host");
    const saUrl = await newDatabase(false);
    const values = { "<slug>": t.slug, ":id": t.id };
    let standaloneEnv: Record<string, string> = { DATABASE_URL: saUrl, DATA_DIR: path.join(saDir, "data") };

    // A step runs on the host it names ("On the SaaS host", "On the new standalone host"), or on
    // the one of the step before.
    let onStandalone = false;
    for (const step of steps) {
      if (/SaaS host/.test(step.text)) onStandalone = false;
      if (/standalone host/.test(step.text)) onStandalone = true;
      for (const raw of step.commands) {
        const cmd = fill(raw, values);
        const api = cmd.match(/^(GET|POST|PUT|PATCH|DELETE) (\/api\/\S+)$/);
        if (api) {
          const body = step.n === 7 ? { location: "https://isp.customer.example" } : undefined;
          const res = await saas.request(api[1] ?? "", api[2] ?? "", { token: op.token, body });
          expect(res.status, `${cmd}: ${JSON.stringify(res.body)}`).toBe(200);
          continue;
        }
        const out = await runCommand(
          cmd,
          onStandalone ? saDir : saasDir,
          onStandalone ? standaloneEnv : saasEnv(path.join(saasDir, "data")),
        );
        if (step.n === 2) expect(out).toContain("re-sealed");
      }
      if (step.n === 1) {
        // Suspended: nothing writes during the export.
        expect((await saas.request("GET", "/api/branding", { host: t.host })).status).toBe(403);
      }
      if (step.n === 2) {
        for (const f of ["acme.sql", "acme.sql.env", `acme.sql.uploads/tenant_${t.id}`]) {
          await expect(fs.stat(path.join(saasDir, f)), f).resolves.toBeTruthy();
        }
        // Step 3 copies them to the new host (scp in real life).
        for (const f of ["acme.sql", "acme.sql.env", "acme.sql.uploads"]) {
          await fs.cp(path.join(saasDir, f), path.join(saDir, f), { recursive: true });
        }
      }
      if (step.n === 4) {
        expect(step.text).toContain(`Copy \`acme.sql.uploads/tenant_<id>\` to \`$DATA_DIR/uploads/\``);
        await fs.mkdir(path.join(saDir, "data/uploads"), { recursive: true });
        await fs.cp(
          path.join(saDir, `acme.sql.uploads/tenant_${t.id}`),
          path.join(saDir, `data/uploads/tenant_${t.id}`),
          {
            recursive: true,
          },
        );
      }
      if (step.n === 5) {
        const fromFile = Object.fromEntries(
          (await fs.readFile(path.join(saDir, "acme.sql.env"), "utf8"))
            .split("\n")
            .filter((l) => l && !l.startsWith("#"))
            .map((l) => l.split("=", 2) as [string, string]),
        );
        expect(fromFile).toMatchObject({ PROXPANEL_MODE: "standalone", STANDALONE_TENANT_SLUG: t.slug });
        // "Set a new BACKUP_LICENSE_KEY … and new JWT secrets": the standalone keys, the dump's data key.
        standaloneEnv = { ...STANDALONE_SECRETS, ...standaloneEnv, ...fromFile };
      }
      if (step.n === 6) {
        const sa = await startStack(standaloneEnv);
        stacks.push(sa);
        expect(await startStandalone(sa.runtime.deps)).toEqual({ slug: t.slug, created: false });
        const host = "192.0.2.10";
        const token = await login(sa, host, t.email, t.password);
        expect(await subscriberCount(sa, host, token)).toBe(2);
      }
      if (step.n === 7) {
        const moved = await saas.request("GET", "/api/branding", { host: t.host });
        expect(moved.status).toBe(409);
      }
    }
  }, 180_000);

  it("standalone → SaaS: export the archive, import it under a new slug, sign in, same data", async () => {
    const steps = guideSteps(await fs.readFile(GUIDE, "utf8"), "Standalone → SaaS (maintenance window)");
    expect(new Set(steps.filter((s) => s.commands.length > 0).map((s) => s.n))).toEqual(new Set([2, 4]));

    const saDir = await installDir("standalone-src");
    const saUrl = await newDatabase(true);
    const saEnv = { DATABASE_URL: saUrl, DATA_DIR: path.join(saDir, "data"), ...STANDALONE_SECRETS };
    const sa = await startStack({ ...saEnv, PROXPANEL_MODE: "standalone", STANDALONE_TENANT_SLUG: "isp" });
    stacks.push(sa);
    const started = await startStandalone(sa.runtime.deps);
    const saHost = "panel.guide-isp.example";
    const email = sa.runtime.deps.config.STANDALONE_ADMIN_EMAIL;
    const saToken = await login(sa, saHost, email, started.password ?? "");
    await fillTenant(sa, saHost, saToken);

    const saasDir = await installDir("saas-dst");
    const saas = await startStack({ DATA_DIR: path.join(saasDir, "data") });
    stacks.push(saas);
    const newSlug = uniqueSlug("guide");
    const values = { "<slug>": "isp", "<new-slug>": newSlug };

    for (const step of steps) {
      for (const raw of step.commands) {
        if (step.n === 2) await runCommand(fill(raw, values), saDir, { ...saEnv, PROXPANEL_MODE: "standalone" });
        if (step.n === 4) {
          const out = await runCommand(fill(raw, values), saasDir, saasEnv(path.join(saasDir, "data")));
          // "Check that it ends with `OK: every table matches the manifest`."
          expect(out.trim().split("\n").at(-1)).toContain("OK: every table matches the manifest");
        }
      }
      if (step.n === 2) {
        for (const f of ["acme.proisp.bak", "acme.proisp.bak.keys"]) {
          await expect(fs.stat(path.join(saDir, f)), f).resolves.toBeTruthy();
        }
        // Step 3: the archive and its keys go to the SaaS host.
        for (const f of ["acme.proisp.bak", "acme.proisp.bak.keys"]) {
          await fs.cp(path.join(saDir, f), path.join(saasDir, f), { recursive: true });
        }
      }
      if (step.n === 5) {
        expect(step.text).toContain("https://<new-slug>.<base-domain>");
        // The CLI announced the tenant on the shared bus; without Redis only the negative TTL would.
        if (!process.env.REDIS_URL) saas.runtime.deps.resolver.invalidateLocal({ hosts: [`${newSlug}.${BASE}`] });
        const token = await login(saas, `${newSlug}.${BASE}`, email, started.password ?? "");
        expect(await subscriberCount(saas, `${newSlug}.${BASE}`, token)).toBe(2);
      }
    }
  }, 180_000);
});
