import { useState, type FormEvent } from "react";
import { api, describe, expectData, type Problem } from "../api.ts";
import { Link } from "../router.tsx";
import { Announcement, Loading, Page, ProblemMessage, useLoad } from "../ui.tsx";

export function FeedbackForm({ requestId }: { requestId: string }) {
  const request = useLoad(
    async () => expectData(await api.feedback.GET("/v1/feedback-requests/{request_id}", { params: { path: { request_id: requestId } } })),
    [requestId],
  );
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState(false);
  const questions = request.data?.questions.filter((q) => !q.for_role || q.for_role === request.data?.respondent_role) ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, number | { text: string; private: boolean }> = {};
    for (const question of questions) {
      const value = answers[question.id];
      if (value === undefined || value === "") continue;
      body[question.id] = question.kind === "text" ? { text: value, private: false } : Number(value);
    }
    try {
      expectData(
        await api.feedback.POST("/v1/feedback-requests/{request_id}/submission", {
          params: { path: { request_id: requestId } },
          body: { answers: body },
        }),
      );
      setDone(true);
      setProblem(null);
    } catch (error) {
      setProblem(describe(error));
    }
  };

  return (
    <Page title={request.data?.kind === "checkin" ? "Check-in" : "Feedback on your session"}>
      <ProblemMessage problem={request.problem} />
      {request.loading && !request.data ? <Loading what="the questions" /> : null}
      {done ? (
        <>
          <Announcement text="Thank you: your feedback is in." />
          <p>
            <Link href="/">Back home</Link>
          </p>
        </>
      ) : request.data ? (
        <form onSubmit={(event) => void submit(event)} className="stack">
          {questions.map((question) =>
            question.kind === "text" ? (
              <div className="field" key={question.id}>
                <label htmlFor={`q-${question.id}`}>
                  {question.prompt}
                  {question.required ? " (required)" : ""}
                </label>
                <textarea
                  id={`q-${question.id}`}
                  rows={3}
                  required={question.required}
                  value={answers[question.id] ?? ""}
                  onChange={(e) => setAnswers({ ...answers, [question.id]: e.target.value })}
                />
              </div>
            ) : (
              <fieldset key={question.id} className="scale">
                <legend>
                  {question.prompt}
                  {question.required ? " (required)" : ""}
                </legend>
                {(question.kind === "nps" ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [1, 2, 3, 4, 5]).map((value) => (
                  <label key={value}>
                    <input
                      type="radio"
                      name={question.id}
                      value={value}
                      required={question.required}
                      checked={answers[question.id] === String(value)}
                      onChange={() => setAnswers({ ...answers, [question.id]: String(value) })}
                    />
                    {value}
                  </label>
                ))}
              </fieldset>
            ),
          )}
          <ProblemMessage problem={problem} />
          <div>
            <button type="submit" className="primary">
              Send feedback
            </button>
          </div>
        </form>
      ) : null}
    </Page>
  );
}
