import { useState, type FormEvent } from "react";
import { api, describe, expectData, type Problem } from "../api.ts";
import { Link, navigate } from "../router.tsx";
import { Loading, Page, ProblemMessage, useLoad } from "../ui.tsx";

const OBJECTIVES = ["onboarding", "leadership", "technical_skills", "diversity_inclusion", "career_growth"] as const;
const MODES = ["admin_approved", "mentee_choice", "automatic"] as const;

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function AdminHome() {
  const programs = useLoad(async () => expectData(await api.profiles.GET("/v1/programs", { params: { query: { limit: 100 } } })), []);
  return (
    <Page title="Programs">
      <ProblemMessage problem={programs.problem} />
      {programs.loading && !programs.data ? <Loading what="programs" /> : null}
      {programs.data ? (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Your organization's programs</caption>
            <thead>
              <tr>
                <th scope="col">Program</th>
                <th scope="col">Objective</th>
                <th scope="col">Matching</th>
                <th scope="col">Cohort</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {programs.data.items.map((program) => (
                <tr key={program.id}>
                  <th scope="row">
                    <Link href={`/admin/programs/${program.id}`}>{program.name}</Link>
                  </th>
                  <td>{program.objective.replace(/_/g, " ")}</td>
                  <td>{(program.matching_mode ?? "").replace(/_/g, " ")}</td>
                  <td>
                    {program.cohort_start} – {program.cohort_end}
                  </td>
                  <td>{program.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <CreateProgram />
    </Page>
  );
}

function CreateProgram() {
  const [name, setName] = useState("");
  const [objective, setObjective] = useState<(typeof OBJECTIVES)[number]>("technical_skills");
  const [mode, setMode] = useState<(typeof MODES)[number]>("admin_approved");
  const [start, setStart] = useState(inDays(0));
  const [end, setEnd] = useState(inDays(120));
  const [problem, setProblem] = useState<Problem | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const program = expectData(
        await api.profiles.POST("/v1/programs", {
          body: {
            name,
            objective,
            matching_mode: mode,
            cohort_start: start,
            cohort_end: end,
            status: "active",
          },
          params: { header: { "Idempotency-Key": crypto.randomUUID() } },
        }),
      );
      navigate(`/admin/programs/${program.id}`);
    } catch (error) {
      setProblem(describe(error));
    }
  };

  return (
    <section aria-labelledby="create-title" className="card">
      <h2 id="create-title">Create a program</h2>
      <form onSubmit={(event) => void create(event)} className="stack">
        <div className="field">
          <label htmlFor="program-name">Name</label>
          <input id="program-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="objective">Objective</label>
            <select id="objective" value={objective} onChange={(e) => setObjective(e.target.value as typeof objective)}>
              {OBJECTIVES.map((value) => (
                <option key={value} value={value}>
                  {value.replace(/_/g, " ")}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="mode">Matching</label>
            <select id="mode" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
              {MODES.map((value) => (
                <option key={value} value={value}>
                  {value.replace(/_/g, " ")}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="cohort-start">Cohort starts</label>
            <input id="cohort-start" type="date" value={start} onChange={(e) => setStart(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="cohort-end">Cohort ends</label>
            <input id="cohort-end" type="date" value={end} onChange={(e) => setEnd(e.target.value)} required />
          </div>
        </div>
        <ProblemMessage problem={problem} />
        <div>
          <button type="submit" className="primary">
            Create program
          </button>
        </div>
      </form>
    </section>
  );
}
