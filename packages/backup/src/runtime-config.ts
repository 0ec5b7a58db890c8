import path from "node:path";
import type { Config } from "@proxpanel/config";
import { type BackupRuntime, LocalObjectStore, type ObjectStore, S3ObjectStore } from "./index.ts";

/** S3 when the four S3_* variables are set (config refuses a partial set), else a local directory. */
export function objectStoreFromConfig(config: Config): ObjectStore {
  const { S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY } = config;
  if (!(S3_ENDPOINT && S3_BUCKET && S3_ACCESS_KEY && S3_SECRET_KEY)) {
    return new LocalObjectStore(path.join(config.DATA_DIR, "object-store"));
  }
  const url = new URL(S3_ENDPOINT);
  const useSSL = url.protocol === "https:";
  return new S3ObjectStore({
    bucket: S3_BUCKET,
    client: {
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: S3_ACCESS_KEY,
      secretKey: S3_SECRET_KEY,
      region: config.S3_REGION,
    },
  });
}

export function backupRuntimeFromConfig(config: Config, licenseKey: string): BackupRuntime {
  return {
    store: objectStoreFromConfig(config),
    licenseKey,
    stagingDir: config.BACKUP_STAGING_DIR ?? path.join(config.DATA_DIR, "backup-staging"),
    dataDir: config.DATA_DIR,
  };
}
