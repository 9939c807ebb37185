// The typed client of every API, behind the gateway on this page's own origin.
import { createPlatform, expectData, ProblemError, type Problem } from "@mentorship/client";
import { currentSession } from "./auth.ts";

export const api = createPlatform({ baseUrl: "", token: () => currentSession()?.token });
export { expectData, ProblemError };
export type { Problem };

/** The ETag of a response, for If-Match on the next change. */
export function etagOf(response: Response): string {
  return response.headers.get("ETag") ?? "";
}

export function describe(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  return { type: "about:blank", title: "Something went wrong", status: 0, detail: String(error) };
}
