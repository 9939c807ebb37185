// Who is signed in. Development: the gateway's /dev/sign-in page hands back a development token in
// the URL fragment. Production: the organization's OpenID Connect provider, authorization code with
// PKCE (oidc-client-ts), configured in /config.json (docs/sign-in.md).
import { UserManager, WebStorageStateStore } from "oidc-client-ts";

export interface ConsoleConfig {
  signIn: "development" | "oidc";
  oidc?: {
    authority: string;
    client_id: string;
    scope?: string;
    audience?: string;
  };
  /** Claim names, as the APIs are configured (JWT_SUBJECT_CLAIM, JWT_ORG_CLAIM, JWT_ROLES_CLAIM). */
  claims?: { subject?: string; organization?: string; roles?: string };
}

export interface Session {
  token: string;
  subject: string;
  organization: string;
  roles: string[];
  expiresAt: number;
}

const KEY = "mentorship.session";
let config: ConsoleConfig = { signIn: "development" };
let manager: UserManager | null = null;

export async function loadConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch("/config.json", { headers: { Accept: "application/json" } });
    if (response.ok && response.headers.get("content-type")?.includes("json")) {
      config = (await response.json()) as ConsoleConfig;
    }
  } catch {
    // No configuration: development sign-in.
  }
  if (config.signIn === "oidc" && config.oidc) {
    manager = new UserManager({
      authority: config.oidc.authority,
      client_id: config.oidc.client_id,
      redirect_uri: `${location.origin}/auth/callback`,
      post_logout_redirect_uri: location.origin,
      response_type: "code",
      scope: config.oidc.scope ?? "openid profile email",
      extraQueryParams: config.oidc.audience ? { audience: config.oidc.audience } : {},
      userStore: new WebStorageStateStore({ store: sessionStorage }),
    });
  }
  return config;
}

function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  return path.split(".").reduce<unknown>(
    (value, part) => (value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined),
    claims,
  );
}

export function sessionOf(token: string): Session | null {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(decodeURIComponent(escape(atob(payload)))) as Record<string, unknown>;
    const names = config.claims ?? {};
    const roles = claimAt(claims, names.roles ?? "roles");
    return {
      token,
      subject: String(claimAt(claims, names.subject ?? "sub") ?? ""),
      organization: String(claimAt(claims, names.organization ?? "org") ?? ""),
      roles: Array.isArray(roles) ? roles.map(String) : typeof roles === "string" ? roles.split(" ") : [],
      expiresAt: Number(claims.exp ?? 0) * 1000,
    };
  } catch {
    return null;
  }
}

/** A token handed back in the URL fragment (development sign-in) becomes the session. */
export function takeTokenFromFragment(): void {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("access_token");
  if (!token) return;
  const session = sessionOf(token);
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  history.replaceState(null, "", location.pathname + location.search);
}

export async function completeOidcSignIn(): Promise<void> {
  if (!manager) return;
  const user = await manager.signinRedirectCallback();
  const session = sessionOf(user.access_token);
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function currentSession(): Session | null {
  const stored = sessionStorage.getItem(KEY);
  if (!stored) return null;
  const session = JSON.parse(stored) as Session;
  if (session.expiresAt && session.expiresAt < Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return session;
}

export function isDevelopment(): boolean {
  return config.signIn !== "oidc";
}

export async function signIn(returnTo: string = location.pathname): Promise<void> {
  if (manager) {
    await manager.signinRedirect({ state: returnTo });
    return;
  }
  location.assign(`/dev/sign-in?return_to=${encodeURIComponent(returnTo)}`);
}

export async function signOut(): Promise<void> {
  sessionStorage.removeItem(KEY);
  if (manager) {
    await manager.signoutRedirect();
    return;
  }
  location.assign("/");
}
