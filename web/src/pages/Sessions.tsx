import { useState } from "react";
import { api, describe, expectData, type Problem } from "../api.ts";
import { currentSession } from "../auth.ts";
import { Link } from "../router.tsx";
import { Announcement, browserTime, Loading, Page, ProblemMessage, useLoad } from "../ui.tsx";

export function Sessions() {
  const me = currentSession()!.subject;
  const sessions = useLoad(
    async () => expectData(await api.scheduling.GET("/v1/sessions", { params: { query: { person_id: me, limit: 50 } } })),
    [me],
  );
  const requests = useLoad(
    async () =>
      expectData(
        await api.feedback.GET("/v1/feedback-requests", { params: { query: { respondent_id: me, status: "open", limit: 50 } } }),
      ),
    [me],
  );
  const [problem, setProblem] = useState<Problem | null>(null);
  const [said, setSaid] = useState("");

  const complete = async (id: string, version: number) => {
    try {
      expectData(
        await api.scheduling.POST("/v1/sessions/{session_id}/complete", {
          params: { path: { session_id: id }, header: { "If-Match": `"${version}"` } },
          body: {},
        }),
      );
      setSaid("The session is marked as held. A feedback request follows in a moment.");
      setProblem(null);
      sessions.reload();
      setTimeout(requests.reload, 1500);
    } catch (error) {
      setProblem(describe(error));
    }
  };

  return (
    <Page title="Sessions and calendar">
      <Announcement text={said} />
      <ProblemMessage problem={sessions.problem ?? problem} />
      <h2>Your sessions</h2>
      {sessions.loading && !sessions.data ? <Loading what="your sessions" /> : null}
      {sessions.data?.items.length === 0 ? <p>No sessions yet.</p> : null}
      {sessions.data && sessions.data.items.length > 0 ? (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Your sessions, in your browser's time zone</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Format</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.items.map((session) => (
                <tr key={session.id}>
                  <td>{browserTime(session.start)}</td>
                  <td>{session.format}</td>
                  <td>{session.status}</td>
                  <td>
                    <div className="actions">
                      {session.meeting_url && session.status === "scheduled" ? <a href={session.meeting_url}>Join</a> : null}
                      {session.status === "scheduled" ? (
                        <button type="button" onClick={() => void complete(session.id, session.version)}>
                          Mark as held<span className="visually-hidden"> ({browserTime(session.start)})</span>
                        </button>
                      ) : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Feedback to give</h2>
      <ProblemMessage problem={requests.problem} />
      {requests.data?.items.length === 0 ? <p>Nothing to answer.</p> : null}
      <ul className="plain">
        {requests.data?.items.map((request) => (
          <li key={request.id}>
            <Link href={`/feedback-requests/${request.id}`}>
              {request.kind === "checkin" ? "Answer a check-in" : "Give feedback on a session"}
            </Link>{" "}
            <span className="muted">due {browserTime(request.due_at)}</span>
          </li>
        ))}
      </ul>
      <CalendarFeed />
    </Page>
  );
}

function CalendarFeed() {
  const [url, setUrl] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const create = async () => {
    try {
      const feed = expectData(await api.scheduling.POST("/v1/calendar-feeds", { body: { label: "Web console" } }));
      setUrl(feed.url);
      setProblem(null);
    } catch (error) {
      setProblem(describe(error));
    }
  };
  return (
    <section aria-labelledby="feed-title" className="card">
      <h2 id="feed-title">Your calendar feed</h2>
      <p>Subscribe to your sessions from any calendar app (iCalendar). The address is a secret: keep it to yourself.</p>
      <ProblemMessage problem={problem} />
      {url ? (
        <div className="field">
          <label htmlFor="feed-url">Subscription address</label>
          <input id="feed-url" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
          <p>
            <a href={url}>Open the calendar feed</a>
          </p>
          <Announcement text="Your calendar feed is ready." />
        </div>
      ) : (
        <button type="button" onClick={() => void create()}>
          Create a calendar feed
        </button>
      )}
    </section>
  );
}
