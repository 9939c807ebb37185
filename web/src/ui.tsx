// Small building blocks: loading data, showing problems, announcing results to screen readers.
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { describe, type Problem } from "./api.ts";

export interface Loaded<T> {
  data: T | undefined;
  problem: Problem | null;
  loading: boolean;
  reload: () => void;
}

export interface LoadOptions {
  /** Problems that may pass: the service has not learned yet, from events, of what was just made
   * elsewhere (a 404 for a program created a moment ago). Loading is tried again for a while. */
  retryWhile?: (problem: Problem) => boolean;
  attempts?: number;
  delayMs?: number;
}

/** Not known yet: the owning service learns of new things from events, a moment after they happen. */
export const notYetKnown = (problem: Problem) => problem.status === 404;

export function useLoad<T>(load: () => Promise<T>, deps: unknown[], options: LoadOptions = {}): Loaded<T> {
  const [data, setData] = useState<T>();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const { retryWhile, attempts = 15, delayMs = 2000 } = options;
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoading(true);
    const attempt = (left: number) => {
      load()
        .then((value) => {
          if (!current) return;
          setData(value);
          setProblem(null);
          setLoading(false);
        })
        .catch((error) => {
          if (!current) return;
          const found = describe(error);
          if (left > 1 && retryWhile?.(found)) {
            timer = setTimeout(() => attempt(left - 1), delayMs);
            return;
          }
          setProblem(found);
          setLoading(false);
        });
    };
    attempt(attempts);
    return () => {
      current = false;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((value) => value + 1), []);
  return { data, problem, loading, reload };
}

export function ProblemMessage({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  return (
    <div className="problem" role="alert">
      <p>
        <strong>{problem.title}</strong>
        {problem.detail ? `: ${problem.detail}` : ""}
      </p>
      {problem.errors?.length ? (
        <ul>
          {problem.errors.map((error) => (
            <li key={error.field + error.message}>
              <code>{error.field}</code>: {error.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** A polite live region: what just happened, read out once. */
export function Announcement({ text }: { text: string }) {
  return (
    <p className="announcement" role="status" aria-live="polite">
      {text}
    </p>
  );
}

/** Moves focus to the page's heading when the page changes, so keyboard and screen-reader users
 * start at the top of the new content. */
export function Page({ title, children }: { title: string; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Mentorship`;
    heading.current?.focus();
  }, [title]);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {children}
    </section>
  );
}

export function Unavailable({ reason }: { reason?: string | null }) {
  return <p className="muted">Unavailable{reason ? `: ${reason}` : ""}.</p>;
}

const weekday = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** A wall-clock time given with its offset ("2026-03-09T19:30:00+05:30"), shown as it reads there. */
export function localTime(isoWithOffset: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
    timeZoneName: "short",
  }).format(new Date(isoWithOffset));
}

export function browserTime(iso: string): string {
  return weekday.format(new Date(iso));
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : `${Math.round(value * 100)} %`;
}
