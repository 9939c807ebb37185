import { useState } from "react";
import { api, describe, expectData, type Problem } from "../api.ts";
import { currentSession } from "../auth.ts";
import { Link } from "../router.tsx";
import { Announcement, Loading, Page, ProblemMessage, useLoad } from "../ui.tsx";

/** Programs where the signed-in mentee picks a mentor, with the suggestions of each. */
export function FindMentor() {
  const me = currentSession()!.subject;
  const programs = useLoad(async () => {
    const enrollments = expectData(await api.profiles.GET("/v1/me/enrollments", { params: { query: { limit: 100 } } }));
    const mine = enrollments.items.filter((e) => e.role === "mentee" && e.status !== "withdrawn");
    const found = await Promise.all(
      mine.map(async (e) => expectData(await api.profiles.GET("/v1/programs/{program_id}", { params: { path: { program_id: e.program_id } } }))),
    );
    return found.filter((program) => program.matching_mode === "mentee_choice");
  }, []);
  return (
    <Page title="Find a mentor">
      <ProblemMessage problem={programs.problem} />
      {programs.loading ? <Loading what="your programs" /> : null}
      {programs.data?.length === 0 ? (
        <p>You are not a mentee in a program where mentees choose their mentor.</p>
      ) : null}
      {programs.data?.map((program) => (
        <Suggestions key={program.id} programId={program.id} programName={program.name} menteeId={me} />
      ))}
    </Page>
  );
}

function Suggestions({ programId, programName, menteeId }: { programId: string; programName: string; menteeId: string }) {
  const suggestions = useLoad(
    async () =>
      expectData(
        await api.matching.GET("/v1/programs/{program_id}/suggestions", {
          params: { path: { program_id: programId }, query: { mentee_id: menteeId } },
        }),
      ),
    [programId],
  );
  const [message, setMessage] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [requested, setRequested] = useState<{ id: string; name: string } | null>(null);

  const request = async (mentorId: string, name: string) => {
    try {
      const match = expectData(
        await api.matching.POST("/v1/programs/{program_id}/requests", {
          params: { path: { program_id: programId } },
          body: { mentor_id: mentorId, message: message || null },
        }),
      );
      setRequested({ id: match.id, name });
      setProblem(null);
    } catch (error) {
      setProblem(describe(error));
    }
  };

  return (
    <section aria-labelledby={`program-${programId}`} className="card">
      <h2 id={`program-${programId}`}>{programName}</h2>
      {requested ? (
        <Announcement text={`You asked ${requested.name} to be your mentor. They will accept or decline.`} />
      ) : null}
      {requested ? (
        <p>
          <Link href={`/matches/${requested.id}`}>See your request</Link>
        </p>
      ) : null}
      <div className="field">
        <label htmlFor={`message-${programId}`}>A message for the mentor you ask (optional)</label>
        <textarea id={`message-${programId}`} rows={2} value={message} onChange={(e) => setMessage(e.target.value)} maxLength={1000} />
      </div>
      <ProblemMessage problem={suggestions.problem ?? problem} />
      {suggestions.loading ? <Loading what="suggestions" /> : null}
      <ol className="suggestions">
        {suggestions.data?.items.map((suggestion) => (
          <li key={suggestion.mentor_id} className="suggestion">
            <h3>
              {suggestion.name} <span className="score">score {suggestion.score.toFixed(2)}</span>
            </h3>
            <ul>
              {suggestion.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
            <details>
              <summary>Score breakdown<span className="visually-hidden"> for {suggestion.name}</span></summary>
              <Breakdown breakdown={suggestion.score_breakdown} />
            </details>
            <button type="button" className="primary" disabled={requested !== null} onClick={() => void request(suggestion.mentor_id, suggestion.name)}>
              Request {suggestion.name} as mentor
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function Breakdown({ breakdown }: { breakdown: Record<string, unknown> }) {
  const rows = Object.entries(breakdown).filter(([, value]) => typeof value === "number" || (value && typeof value === "object"));
  return (
    <table className="breakdown">
      <thead>
        <tr>
          <th scope="col">Component</th>
          <th scope="col">Score</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, value]) => {
          const number = typeof value === "number" ? value : Number((value as Record<string, unknown>).score ?? NaN);
          return (
            <tr key={name}>
              <th scope="row">{name.replace(/_/g, " ")}</th>
              <td>
                <meter min={0} max={1} value={Number.isFinite(number) ? number : 0} aria-label={`${name} score`} />{" "}
                {Number.isFinite(number) ? number.toFixed(2) : "–"}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
