import { currentSession, isDevelopment, signIn, signOut } from "./auth.ts";
import { Link, match, usePath } from "./router.tsx";
import { AdminHome } from "./pages/AdminHome.tsx";
import { FeedbackForm } from "./pages/FeedbackForm.tsx";
import { FindMentor } from "./pages/FindMentor.tsx";
import { Home } from "./pages/Home.tsx";
import { MatchPage } from "./pages/MatchPage.tsx";
import { Profile } from "./pages/Profile.tsx";
import { ProgramAdmin } from "./pages/ProgramAdmin.tsx";
import { Sessions } from "./pages/Sessions.tsx";
import { Welcome } from "./pages/Welcome.tsx";
import { Page } from "./ui.tsx";

const PARTICIPANT_NAV = [
  ["/", "Home"],
  ["/my-profile", "Profile and availability"],
  ["/find-mentor", "Find a mentor"],
  ["/my-sessions", "Sessions and calendar"],
];
const ADMIN_NAV = [["/admin", "Programs"]];

function route(path: string, isAdmin: boolean) {
  let found: Record<string, string> | null;
  if (path === "/") return isAdmin ? <AdminHome /> : <Home />;
  if (path === "/my-profile") return <Profile />;
  if (path === "/find-mentor") return <FindMentor />;
  if (path === "/my-sessions") return <Sessions />;
  if ((found = match("/matches/:id", path))) return <MatchPage matchId={found.id} />;
  if ((found = match("/feedback-requests/:id", path))) return <FeedbackForm requestId={found.id} />;
  if (path === "/admin") return <AdminHome />;
  if ((found = match("/admin/programs/:id", path))) return <ProgramAdmin programId={found.id} />;
  return (
    <Page title="Not found">
      <p>
        There is no page here. <Link href="/">Go home</Link>.
      </p>
    </Page>
  );
}

export function App() {
  const path = usePath();
  const session = currentSession();
  const isAdmin = session?.roles.includes("admin") ?? false;
  const nav = isAdmin ? ADMIN_NAV : PARTICIPANT_NAV;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          Mentorship
        </Link>
        {session ? (
          <nav aria-label="Main">
            <ul>
              {nav.map(([href, label]) => (
                <li key={href}>
                  <Link href={href} aria-current={path === href ? "page" : undefined}>
                    {label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <div className="who">
          {session ? (
            <>
              <span>
                Signed in as <strong>{session.roles.join(", ") || "member"}</strong>
                {isDevelopment() ? <span className="tag">development</span> : null}
              </span>
              <button type="button" onClick={() => void signOut()}>
                Sign out
              </button>
            </>
          ) : (
            <button type="button" onClick={() => void signIn("/")}>
              Sign in
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {session ? route(path, isAdmin) : <Welcome />}
      </main>
    </>
  );
}
