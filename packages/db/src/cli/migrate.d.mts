/** Codes of PLAN_SEED, which migratePublic inserts when missing. */
export declare const SEED_PLAN_CODES: string[];
/** The latest tenant schema version when `db:migrate` would change nothing on `url`, else undefined. */
export declare function nothingToApply(url: string): Promise<number | undefined>;
