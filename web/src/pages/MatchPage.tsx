import { useEffect, useState, type FormEvent } from "react";
import { api, describe, expectData, type Problem } from "../api.ts";
import { currentSession } from "../auth.ts";
import { Link } from "../router.tsx";
import { Announcement, Loading, localTime, Page, ProblemMessage, useLoad } from "../ui.tsx";

export function MatchPage({ matchId }: { matchId: string }) {
  const me = currentSession()!.subject;
  const loaded = useLoad(async () => {
    const match = expectData(await api.matching.GET("/v1/matches/{match_id}", { params: { path: { match_id: matchId } } }));
    const otherId = match.mentor_id === me ? match.mentee_id : match.mentor_id;
    const other = await api.profiles.GET("/v1/people/{person_id}", { params: { path: { person_id: otherId } } });
    return { match, other: other.data as { name?: string; title?: string | null; time_zone?: string } | undefined };
  }, [matchId]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [said, setSaid] = useState("");
  const match = loaded.data?.match;
  const role = match?.mentor_id === me ? "mentor" : "mentee";
  const otherName = loaded.data?.other?.name ?? "the other person";
  const waiting =
    match &&
    ((match.status === "requested" && role === "mentor") ||
      (match.status === "proposed" && (role === "mentor" ? !match.mentor_accepted_at : !match.mentee_accepted_at)));

  const answer = async (action: "accept" | "decline") => {
    try {
      const path = action === "accept" ? "/v1/matches/{match_id}/accept" : "/v1/matches/{match_id}/decline";
      expectData(
        await api.matching.POST(path, {
          params: { path: { match_id: matchId }, header: { "If-Match": `"${match?.version ?? 0}"` } },
        }),
      );
      setSaid(action === "accept" ? `You accepted. You and ${otherName} can now book a session.` : "You declined.");
      setProblem(null);
      loaded.reload();
    } catch (error) {
      setProblem(describe(error));
    }
  };

  return (
    <Page title={match ? `Mentorship with ${otherName}` : "Mentorship"}>
      <ProblemMessage problem={loaded.problem ?? problem} />
      {loaded.loading && !match ? <Loading what="the match" /> : null}
      <Announcement text={said} />
      {match ? (
        <>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <span className={`status status-${match.status}`}>{match.status}</span>
            </dd>
            <dt>You are the</dt>
            <dd>{role}</dd>
            <dt>{role === "mentor" ? "Mentee" : "Mentor"}</dt>
            <dd>
              {otherName}
              {loaded.data?.other?.title ? `, ${loaded.data.other.title}` : ""}
              {loaded.data?.other?.time_zone ? <span className="muted"> ({loaded.data.other.time_zone})</span> : null}
            </dd>
            {match.message ? (
              <>
                <dt>Message</dt>
                <dd>{match.message}</dd>
              </>
            ) : null}
          </dl>
          {match.reasons.length ? (
            <>
              <h2>Why this match</h2>
              <ul>
                {match.reasons.map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            </>
          ) : null}
          {waiting ? (
            <div className="actions">
              <button type="button" className="primary" onClick={() => void answer("accept")}>
                Accept
              </button>
              <button type="button" onClick={() => void answer("decline")}>
                Decline
              </button>
            </div>
          ) : null}
          {match.status === "accepted" || match.status === "active" ? <BookSlot matchId={matchId} otherName={otherName} /> : null}
        </>
      ) : null}
    </Page>
  );
}

interface LocalTimeOut {
  person_id: string;
  role: string;
  time_zone: string;
  start: string;
  end: string;
}

function BookSlot({ matchId, otherName }: { matchId: string; otherName: string }) {
  const me = currentSession()!.subject;
  const [attempt, setAttempt] = useState(0);
  const slots = useLoad(async () => {
    const from = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    return expectData(
      await api.scheduling.GET("/v1/matches/{match_id}/slots", {
        params: { path: { match_id: matchId }, query: { from, limit: 8 } },
      }),
    );
  }, [matchId, attempt]);
  // Scheduling learns of a new match from matching's events: a moment after accepting, it knows it.
  useEffect(() => {
    if (slots.problem?.status === 404 && attempt < 20) {
      const timer = setTimeout(() => setAttempt(attempt + 1), 1000);
      return () => clearTimeout(timer);
    }
  }, [slots.problem, attempt]);
  const [chosen, setChosen] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [booked, setBooked] = useState<{ id: string; start: string } | null>(null);

  const book = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const session = expectData(
        await api.scheduling.POST("/v1/matches/{match_id}/sessions", {
          params: { path: { match_id: matchId } },
          body: { format: "video", start: chosen },
        }),
      );
      setBooked({ id: session.id, start: session.start });
      setProblem(null);
    } catch (error) {
      setProblem(describe(error));
      slots.reload();
    }
  };

  if (booked) {
    return (
      <section aria-labelledby="booked-title" className="card">
        <h2 id="booked-title">Session booked</h2>
        <Announcement text={`Your session with ${otherName} is booked.`} />
        <p>
          <Link href="/my-sessions">See it with your other sessions and your calendar feed</Link>
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="slots-title">
      <h2 id="slots-title">Book a session</h2>
      {slots.problem?.status === 404 ? (
        <p role="status">Scheduling is setting up your mentorship…</p>
      ) : (
        <ProblemMessage problem={slots.problem} />
      )}
      {slots.loading && !slots.data ? <Loading what="common free times" /> : null}
      {slots.data && slots.data.items.length === 0 ? <p>No common free time in the next weeks.</p> : null}
      {slots.data && slots.data.items.length > 0 ? (
        <form onSubmit={(event) => void book(event)}>
          <fieldset>
            <legend>Times you are both free, in each one's local time</legend>
            <ul className="plain slots">
              {slots.data.items.map((slot, index) => {
                const times = slot.participants as LocalTimeOut[];
                const mine = times.find((t) => t.person_id === me);
                const theirs = times.find((t) => t.person_id !== me);
                return (
                  <li key={slot.start}>
                    <input
                      type="radio"
                      name="slot"
                      id={`slot-${index}`}
                      value={slot.start}
                      checked={chosen === slot.start}
                      onChange={() => setChosen(slot.start)}
                      required
                    />
                    <label htmlFor={`slot-${index}`}>
                      <strong>You: {mine ? localTime(mine.start, mine.time_zone) : slot.start}</strong>
                      <span className="muted">
                        {" "}
                        · {otherName}: {theirs ? localTime(theirs.start, theirs.time_zone) : ""}
                      </span>
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
          <ProblemMessage problem={problem} />
          <button type="submit" className="primary" disabled={!chosen}>
            Book this time
          </button>
        </form>
      ) : null}
    </section>
  );
}
