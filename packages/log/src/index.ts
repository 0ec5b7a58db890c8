import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

/**
 * The processes' logger: JSON lines for a log collector, or readable coloured lines when a person
 * is watching a terminal (stdout is a TTY). LOG_FORMAT=json|pretty overrides the guess.
 */
export function createLogger(level: string, format: "auto" | "json" | "pretty" = "auto"): Logger {
  const human = format === "pretty" || (format !== "json" && process.stdout.isTTY === true);
  if (!human) return pino({ level });
  // A stream in this thread, not a transport worker: lines come out in order with the banner.
  return pino({ level }, pretty({ colorize: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname", sync: true }));
}
