import { useEffect, useState } from "react";
import { api, describe, etagOf, expectData, type Problem } from "../api.ts";
import { currentSession } from "../auth.ts";
import { Announcement, Loading, Page, ProblemMessage, notYetKnown, percent, useLoad } from "../ui.tsx";
import { Breakdown } from "./FindMentor.tsx";

const AUDITABLE = ["department", "seniority", "time_zone_region"] as const;

export function ProgramAdmin({ programId }: { programId: string }) {
  const program = useLoad(
    async () => expectData(await api.profiles.GET("/v1/programs/{program_id}", { params: { path: { program_id: programId } } })),
    [programId],
  );
  return (
    <Page title={program.data?.name ?? "Program"}>
      <ProblemMessage problem={program.problem} />
      {program.data ? (
        <p className="muted">
          {program.data.objective.replace(/_/g, " ")} · {(program.data.matching_mode ?? "").replace(/_/g, " ")} · cohort{" "}
          {program.data.cohort_start} – {program.data.cohort_end}
        </p>
      ) : null}
      <Round programId={programId} />
      <Analytics programId={programId} />
      <AtRisk programId={programId} />
      <Fairness programId={programId} />
    </Page>
  );
}

function usePeopleNames(): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    void (async () => {
      const found: Record<string, string> = {};
      let cursor: string | null | undefined = undefined;
      for (let page = 0; page < 20; page++) {
        const result: { data?: { items: { id: string; name: string }[]; next_cursor?: string | null } } =
          await api.profiles.GET("/v1/people", { params: { query: { limit: 200, cursor: cursor ?? undefined } } });
        if (!result.data) break;
        for (const person of result.data.items) found[person.id] = person.name;
        cursor = result.data.next_cursor;
        if (!cursor) break;
      }
      setNames(found);
    })();
  }, []);
  return names;
}

function Round({ programId }: { programId: string }) {
  const names = usePeopleNames();
  const rounds = useLoad(
    async () => expectData(await api.matching.GET("/v1/programs/{program_id}/rounds", { params: { path: { program_id: programId } } })),
    [programId],
    { retryWhile: notYetKnown },
  );
  const current = rounds.data?.items.find((r) => r.status === "draft") ?? rounds.data?.items[0];
  const proposals = useLoad(async () => {
    if (!current) return null;
    return expectData(
      await api.matching.GET("/v1/rounds/{round_id}/proposals", { params: { path: { round_id: current.id }, query: { limit: 200 } } }),
    );
  }, [current?.id, current?.status]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [said, setSaid] = useState("");
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    try {
      expectData(
        await api.matching.POST("/v1/programs/{program_id}/rounds", {
          params: { path: { program_id: programId }, header: { "Idempotency-Key": crypto.randomUUID() } },
          body: {},
        }),
      );
      setSaid("A draft round is ready for review.");
      setProblem(null);
      rounds.reload();
    } catch (error) {
      setProblem(describe(error));
    } finally {
      setBusy(false);
    }
  };
  const publish = async () => {
    if (!current) return;
    try {
      expectData(
        await api.matching.POST("/v1/rounds/{round_id}/publish", {
          params: { path: { round_id: current.id }, header: { "If-Match": `"${current.version}"` } },
        }),
      );
      setSaid("The round is published: every pair gets a proposal to accept.");
      setProblem(null);
      rounds.reload();
    } catch (error) {
      setProblem(describe(error));
    }
  };

  const stats = (current?.stats ?? {}) as Record<string, number | null>;
  return (
    <section aria-labelledby="round-title" className="card">
      <h2 id="round-title">Matching round</h2>
      <Announcement text={said} />
      <ProblemMessage problem={rounds.problem ?? problem} />
      {current ? (
        <p>
          Latest round: <span className={`status status-${current.status}`}>{current.status}</span> ·{" "}
          {stats.assigned ?? 0} assigned, {stats.waitlisted ?? 0} waitlisted, mean score{" "}
          {typeof stats.mean_score === "number" ? stats.mean_score.toFixed(2) : "–"}
        </p>
      ) : rounds.loading ? (
        <Loading what="rounds" />
      ) : (
        <p>No round yet.</p>
      )}
      <div className="actions">
        <button type="button" onClick={() => void run()} disabled={busy}>
          Run a matching round
        </button>
        {current?.status === "draft" ? (
          <button type="button" className="primary" onClick={() => void publish()}>
            Publish this round
          </button>
        ) : null}
      </div>
      {proposals.loading && current ? <Loading what="proposals" /> : null}
      {proposals.data && proposals.data.items.length > 0 ? (
        <div className="table-scroll">
          <table>
            <caption>Proposals of the {current?.status} round, with their score breakdowns</caption>
            <thead>
              <tr>
                <th scope="col">Mentee</th>
                <th scope="col">Mentor</th>
                <th scope="col">Score</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {proposals.data.items.map((proposal) => (
                <tr key={proposal.mentee_id}>
                  <th scope="row">{names[proposal.mentee_id] ?? proposal.mentee_id.slice(0, 8)}</th>
                  <td>{proposal.mentor_id ? names[proposal.mentor_id] ?? proposal.mentor_id.slice(0, 8) : "waitlisted"}</td>
                  <td>{proposal.score.toFixed(2)}</td>
                  <td>
                    <details>
                      <summary>
                        {proposal.reasons[0] ?? "Breakdown"}
                        <span className="visually-hidden"> ({names[proposal.mentee_id] ?? "mentee"})</span>
                      </summary>
                      <ul>
                        {proposal.reasons.map((reason) => (
                          <li key={reason}>{reason}</li>
                        ))}
                      </ul>
                      <Breakdown breakdown={proposal.score_breakdown} />
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function Analytics({ programId }: { programId: string }) {
  const analytics = useLoad(
    async () =>
      expectData(await api.feedback.GET("/v1/programs/{program_id}/analytics", { params: { path: { program_id: programId } } })),
    [programId],
    { retryWhile: notYetKnown },
  );
  const known = analytics.data !== undefined;
  // The chart is an authenticated SVG: fetched with the token, shown from memory, once feedback
  // knows the program (it learns of new programs from events).
  const [chart, setChart] = useState("");
  useEffect(() => {
    let url = "";
    if (!known) return;
    void (async () => {
      const response = await fetch(`/feedback/v1/programs/${programId}/analytics/health.svg`, {
        headers: { Authorization: `Bearer ${currentSession()?.token ?? ""}` },
      });
      if (response.ok) {
        url = URL.createObjectURL(await response.blob());
        setChart(url);
      }
    })();
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [programId, known]);
  const summary = analytics.data?.summary;
  return (
    <section aria-labelledby="analytics-title" className="card">
      <h2 id="analytics-title">Analytics</h2>
      <ProblemMessage problem={analytics.problem} />
      {analytics.loading ? <Loading what="analytics" /> : null}
      {summary ? (
        <dl className="figures">
          <div>
            <dt>Active matches</dt>
            <dd>{summary.active_matches}</dd>
          </div>
          <div>
            <dt>Sessions held</dt>
            <dd>{summary.sessions_held}</dd>
          </div>
          <div>
            <dt>Average rating</dt>
            <dd>{summary.average_rating?.toFixed(1) ?? "–"}</dd>
          </div>
          <div>
            <dt>Average health</dt>
            <dd>{summary.average_health?.toFixed(0) ?? "–"}</dd>
          </div>
          <div>
            <dt>At risk</dt>
            <dd>{summary.at_risk}</dd>
          </div>
          <div>
            <dt>Waitlisted mentees</dt>
            <dd>{summary.waitlisted_mentees}</dd>
          </div>
        </dl>
      ) : null}
      {chart ? (
        <figure>
          <img src={chart} alt="Relationship health of the program's matches by week" className="chart" />
          <figcaption>Match health by week</figcaption>
        </figure>
      ) : null}
    </section>
  );
}

function AtRisk({ programId }: { programId: string }) {
  const atRisk = useLoad(
    async () => expectData(await api.feedback.GET("/v1/programs/{program_id}/at-risk", { params: { path: { program_id: programId } } })),
    [programId],
    { retryWhile: notYetKnown },
  );
  return (
    <section aria-labelledby="at-risk-title" className="card">
      <h2 id="at-risk-title">Pairs at risk</h2>
      <ProblemMessage problem={atRisk.problem} />
      {atRisk.loading ? <Loading what="pairs at risk" /> : null}
      {atRisk.data?.items.length === 0 ? <p>No pair is at risk.</p> : null}
      <ul className="plain">
        {atRisk.data?.items.map((pair) => (
          <li key={pair.match_id}>
            <strong>
              {pair.mentee_name ?? "Mentee"} with {pair.mentor_name ?? "mentor"}
            </strong>{" "}
            · health {pair.score.toFixed(0)} (threshold {pair.threshold.toFixed(0)})
            <ul>
              {pair.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Fairness({ programId }: { programId: string }) {
  const [tick, setTick] = useState(0);
  const audit = useLoad(
    async () => expectData(await api.matching.GET("/v1/programs/{program_id}/audit", { params: { path: { program_id: programId } } })),
    [programId, tick],
    { retryWhile: notYetKnown },
  );
  const [problem, setProblem] = useState<Problem | null>(null);
  const configure = async () => {
    try {
      const current = await api.matching.GET("/v1/audit/config");
      expectData(current);
      expectData(
        await api.matching.PUT("/v1/audit/config", {
          params: { header: { "If-Match": etagOf(current.response) || '"0"' } },
          body: { attributes: [...AUDITABLE], min_group_size: 5 },
        }),
      );
      setProblem(null);
      setTick(tick + 1);
    } catch (error) {
      setProblem(describe(error));
    }
  };
  return (
    <section aria-labelledby="fairness-title" className="card">
      <h2 id="fairness-title">Fairness audit</h2>
      <ProblemMessage problem={problem} />
      {audit.problem ? (
        <>
          <p>{audit.problem.detail ?? audit.problem.title}</p>
          <button type="button" onClick={() => void configure()}>
            Audit by department, seniority and time-zone region
          </button>
        </>
      ) : null}
      {audit.data ? (
        <>
          <p>
            {audit.data.matched} of {audit.data.subjects} mentees matched ({percent(audit.data.match_rate)}). Groups smaller than{" "}
            {audit.data.min_group_size} are not shown.
          </p>
          {audit.data.attributes.map((attribute) =>
            attribute.groups.length === 0 ? (
              <p key={attribute.attribute}>
                By {attribute.attribute.replace(/_/g, " ")}: no group of {audit.data?.min_group_size} or more mentees yet.
              </p>
            ) : (
              <div className="table-scroll" key={attribute.attribute}>
                <table>
                  <caption>By {attribute.attribute.replace(/_/g, " ")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Group</th>
                      <th scope="col">Mentees</th>
                      <th scope="col">Matched</th>
                      <th scope="col">Ratio to best</th>
                      <th scope="col">Four-fifths rule</th>
                    </tr>
                  </thead>
                  <tbody>
                    {attribute.groups.map((group) => (
                      <tr key={group.group}>
                        <th scope="row">{group.group}</th>
                        <td>{group.size}</td>
                        <td>{percent(group.match_rate)}</td>
                        <td>{group.ratio_to_best?.toFixed(2) ?? "–"}</td>
                        <td>{group.flagged ? <strong className="attention">below 0.8</strong> : "met"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ),
          )}
        </>
      ) : null}
    </section>
  );
}
