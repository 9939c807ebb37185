import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { completeOidcSignIn, loadConfig, takeTokenFromFragment } from "./auth.ts";
import "./styles.css";

async function start(): Promise<void> {
  await loadConfig();
  takeTokenFromFragment();
  if (location.pathname === "/auth/callback") {
    await completeOidcSignIn();
    history.replaceState(null, "", "/");
  }
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void start();
