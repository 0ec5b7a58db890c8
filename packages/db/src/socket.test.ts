import { describe, expect, it } from "vitest";
import { noDelaySocket, socketOption } from "./socket.ts";

describe("database socket option", () => {
  it("connects a single-host URL itself and leaves several hosts and unparsable URLs to postgres.js", () => {
    expect(socketOption("postgres://u@db.internal:5432/app").socket).toBe(noDelaySocket);
    expect(socketOption("postgres://u@a:5432,b:5433/app")).toEqual({});
    expect(socketOption("not a url")).toEqual({});
  });
});
