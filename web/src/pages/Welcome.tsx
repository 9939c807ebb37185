import { isDevelopment, signIn } from "../auth.ts";
import { Page } from "../ui.tsx";

export function Welcome() {
  return (
    <Page title="Welcome to Mentorship">
      <p>
        Find a mentor, meet across time zones, and keep track of how it goes. Program admins match whole
        cohorts and watch how their programs are doing.
      </p>
      <p>
        <button type="button" className="primary" onClick={() => void signIn("/")}>
          Sign in
        </button>
      </p>
      {isDevelopment() ? (
        <p className="muted">
          This is a development platform: signing in lets you pick any demo person and role.
        </p>
      ) : null}
    </Page>
  );
}
