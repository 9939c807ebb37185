import { useEffect, useState, type FormEvent } from "react";
import { api, describe, etagOf, expectData, type Problem } from "../api.ts";
import { Announcement, Loading, Page, ProblemMessage, useLoad } from "../ui.tsx";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const ZONES: string[] = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["UTC"];

interface Window {
  weekday: number;
  start: string;
  end: string;
}

export function Profile() {
  const loaded = useLoad(async () => {
    const result = await api.profiles.GET("/v1/me");
    return { person: expectData(result), etag: etagOf(result.response) };
  }, []);
  const [name, setName] = useState("");
  const [title, setTitle] = useState("");
  const [timeZone, setTimeZone] = useState("UTC");
  const [languages, setLanguages] = useState("");
  const [bio, setBio] = useState("");
  const [windows, setWindows] = useState<Window[]>([]);
  const [etag, setEtag] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState("");

  useEffect(() => {
    const person = loaded.data?.person;
    if (!person) return;
    setName(person.name);
    setTitle(person.title ?? "");
    setTimeZone(person.time_zone);
    setLanguages(person.languages.join(", "));
    setBio(person.bio ?? "");
    setWindows(person.availability.map((w) => ({ weekday: w.weekday, start: w.start, end: w.end })));
    setEtag(loaded.data!.etag);
  }, [loaded.data]);

  const person = loaded.data?.person;
  if (!person) {
    return (
      <Page title="Profile and availability">
        <ProblemMessage problem={loaded.problem} />
        {loaded.loading ? <Loading what="your profile" /> : null}
      </Page>
    );
  }

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved("");
    try {
      const result = await api.profiles.PATCH("/v1/people/{person_id}", {
        params: { path: { person_id: person.id }, header: { "If-Match": etag } },
        body: {
          name,
          title: title || null,
          time_zone: timeZone,
          languages: languages
            .split(",")
            .map((language) => language.trim())
            .filter(Boolean),
          bio: bio || null,
          availability: windows,
        },
      });
      expectData(result);
      setEtag(etagOf(result.response));
      setProblem(null);
      setSaved("Your profile is saved.");
    } catch (error) {
      setProblem(describe(error));
    }
  };

  const change = (index: number, patch: Partial<Window>) =>
    setWindows(windows.map((window, at) => (at === index ? { ...window, ...patch } : window)));

  return (
    <Page title="Profile and availability">
      <form onSubmit={(event) => void save(event)} className="stack">
        <div className="field">
          <label htmlFor="name">Name</label>
          <input id="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="title">Title</label>
          <input id="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="time-zone">Time zone</label>
          <select id="time-zone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
            {(ZONES.includes(timeZone) ? ZONES : [timeZone, ...ZONES]).map((zone) => (
              <option key={zone}>{zone}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="languages">Languages</label>
          <input
            id="languages"
            value={languages}
            onChange={(e) => setLanguages(e.target.value)}
            aria-describedby="languages-hint"
          />
          <span id="languages-hint" className="hint">
            Language codes, separated by commas (en, de, ja).
          </span>
        </div>
        <div className="field">
          <label htmlFor="bio">About you</label>
          <textarea id="bio" value={bio} onChange={(e) => setBio(e.target.value)} rows={3} maxLength={2000} />
        </div>
        <fieldset>
          <legend>Weekly availability (your local time)</legend>
          {windows.length === 0 ? <p className="muted">No times yet.</p> : null}
          {windows.map((window, index) => (
            <div className="row" key={index} role="group" aria-label={`Available time ${index + 1}`}>
              <label>
                Day
                <select value={window.weekday} onChange={(e) => change(index, { weekday: Number(e.target.value) })}>
                  {WEEKDAYS.map((day, value) => (
                    <option key={day} value={value}>
                      {day}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                From
                <input type="time" value={window.start} onChange={(e) => change(index, { start: e.target.value })} required />
              </label>
              <label>
                To
                <input type="time" value={window.end} onChange={(e) => change(index, { end: e.target.value })} required />
              </label>
              <button type="button" onClick={() => setWindows(windows.filter((_w, at) => at !== index))}>
                Remove<span className="visually-hidden"> available time {index + 1}</span>
              </button>
            </div>
          ))}
          <button type="button" onClick={() => setWindows([...windows, { weekday: 0, start: "09:00", end: "17:00" }])}>
            Add a time
          </button>
        </fieldset>
        <ProblemMessage problem={problem} />
        <div>
          <button type="submit" className="primary">
            Save profile
          </button>
        </div>
        <Announcement text={saved} />
      </form>
    </Page>
  );
}
