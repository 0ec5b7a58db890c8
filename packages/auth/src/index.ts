export * from "./jwt.ts";
export * from "./password.ts";
export * from "./permissions.ts";
export * from "./sealed.ts";
export * from "./totp.ts";
