import { api, expectData } from "../api.ts";
import { Link } from "../router.tsx";
import { Loading, localTime, Page, ProblemMessage, Unavailable, useLoad } from "../ui.tsx";

type Item = Record<string, unknown>;

/** The parts read from the workspace, training and notifications: a short list of what each holds. */
const LATER: { part: "goals" | "action_items" | "unread_messages" | "training" | "notifications"; label: string; empty: string; line: (item: Item) => string }[] = [
  { part: "goals", label: "Goals", empty: "No open goal.", line: (goal) => `${String(goal.title)}${typeof goal.percent === "number" ? ` · ${goal.percent} %` : ""}` },
  { part: "action_items", label: "Action items", empty: "Nothing overdue.", line: (item) => `${String(item.title)} · overdue` },
  { part: "unread_messages", label: "Unread messages", empty: "No unread message.", line: (thread) => `${Number(thread.unread)} unread in a mentorship` },
  {
    part: "training",
    label: "Training",
    empty: "No training assigned.",
    line: (assignment) =>
      `${String(assignment.course_title)} · ${Number(assignment.modules_done)} of ${Number(assignment.modules_total)} modules${assignment.overdue ? " · overdue" : ""}`,
  },
  { part: "notifications", label: "Notifications", empty: "No unread notification.", line: (notification) => String(notification.title) },
];

/** Names of the programs the person is enrolled in (the home view gives their ids). */
function useProgramNames(ids: string[]): Record<string, string> {
  const names = useLoad(async () => {
    const found: Record<string, string> = {};
    await Promise.all(
      ids.map(async (id) => {
        const result = await api.profiles.GET("/v1/programs/{program_id}", { params: { path: { program_id: id } } });
        if (result.data) found[id] = result.data.name;
      }),
    );
    return found;
  }, [ids.join(",")]);
  return names.data ?? {};
}

export function Home() {
  const home = useLoad(async () => expectData(await api.portal.GET("/v1/me")), []);
  const me = home.data;
  const name = me?.profile.data ? String(me.profile.data.name ?? "") : "";
  const enrollments = (me?.enrollments.items ?? []) as Item[];
  const programNames = useProgramNames(enrollments.map((enrollment) => String(enrollment.program_id)));
  return (
    <Page title={name ? `Hello, ${name}` : "Home"}>
      <ProblemMessage problem={home.problem} />
      {home.loading && !me ? <Loading what="your home" /> : null}
      {me ? (
        <div className="grid">
          <article className="card" aria-labelledby="matches-title">
            <h2 id="matches-title">Your matches</h2>
            {me.matches.status !== "ok" ? (
              <Unavailable reason={me.matches.reason} />
            ) : (me.matches.items ?? []).length === 0 ? (
              <p>
                No match yet. <Link href="/find-mentor">Find a mentor</Link>.
              </p>
            ) : (
              <ul className="plain">
                {(me.matches.items ?? []).map((item) => (
                  <li key={item.id}>
                    <Link href={`/matches/${item.id}`}>
                      {item.other_person?.name ?? "Someone"} ({item.role === "mentee" ? "your mentor" : "your mentee"})
                    </Link>{" "}
                    <span className={`status status-${item.status}`}>{item.status}</span>
                    {item.awaiting_me ? <span className="tag attention">waiting for you</span> : null}
                    {item.other_person?.title ? <div className="muted">{item.other_person.title}</div> : null}
                  </li>
                ))}
              </ul>
            )}
          </article>
          <article className="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">Next sessions</h2>
            {me.next_sessions.status !== "ok" ? (
              <Unavailable reason={me.next_sessions.reason} />
            ) : (me.next_sessions.items ?? []).length === 0 ? (
              <p>Nothing booked yet.</p>
            ) : (
              <ul className="plain">
                {(me.next_sessions.items ?? []).map((session) => (
                  <li key={session.id}>
                    <strong>{localTime(session.start_local, session.time_zone)}</strong> · {session.format}
                    {session.join_url ? (
                      <>
                        {" "}
                        · <a href={session.join_url}>Join</a>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
            <p>
              <Link href="/my-sessions">All sessions and your calendar feed</Link>
            </p>
          </article>
          <article className="card" aria-labelledby="requests-title">
            <h2 id="requests-title">Feedback and check-ins</h2>
            {me.feedback_requests.status !== "ok" ? (
              <Unavailable reason={me.feedback_requests.reason} />
            ) : [...(me.feedback_requests.items ?? []), ...(me.check_ins.items ?? [])].length === 0 ? (
              <p>Nothing to answer.</p>
            ) : (
              <ul className="plain">
                {[...(me.feedback_requests.items ?? []), ...(me.check_ins.items ?? [])].map((request) => (
                  <li key={request.id}>
                    <Link href={`/feedback-requests/${request.id}`}>
                      {request.kind === "checkin" ? "Check-in" : "Feedback on a session"}
                    </Link>
                    {request.due_local ? <span className="muted"> · due {localTime(request.due_local, me.time_zone)}</span> : null}
                    {request.overdue ? <span className="tag attention">overdue</span> : null}
                  </li>
                ))}
              </ul>
            )}
          </article>
          <article className="card" aria-labelledby="programs-title">
            <h2 id="programs-title">Your programs</h2>
            {me.enrollments.status !== "ok" ? (
              <Unavailable reason={me.enrollments.reason} />
            ) : enrollments.length === 0 ? (
              <p>You are not in a program yet.</p>
            ) : (
              <ul className="plain">
                {enrollments.map((enrollment) => (
                  <li key={String(enrollment.id)}>
                    <strong>{programNames[String(enrollment.program_id)] ?? "A program"}</strong> · {String(enrollment.role)}{" "}
                    · <span className="muted">{String(enrollment.status)}</span>
                  </li>
                ))}
              </ul>
            )}
          </article>
          {LATER.map(({ part, label, empty, line }) => {
            const items = (me[part].items ?? []) as Item[];
            return (
              <article className="card" key={part} aria-labelledby={`${part}-title`}>
                <h2 id={`${part}-title`}>{label}</h2>
                {me[part].status !== "ok" ? (
                  <Unavailable reason={me[part].reason} />
                ) : items.length === 0 ? (
                  <p>{empty}</p>
                ) : (
                  <ul className="plain">
                    {items.slice(0, 5).map((item, index) => (
                      <li key={String(item.id ?? item.match_id ?? index)}>{line(item)}</li>
                    ))}
                    {items.length > 5 ? <li className="muted">and {items.length - 5} more</li> : null}
                  </ul>
                )}
              </article>
            );
          })}
        </div>
      ) : null}
    </Page>
  );
}
