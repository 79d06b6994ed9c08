// Clerk mode's token bridge: Clerk's browser SDK signs the user in, and this component hands every
// fresh session token (or "" when signed out) to the server through onToken, exactly as
// DevTokenBridge does for the dev provider.
import { useEffect, useRef } from "react";
import { useAuth, useClerk, useSession } from "@clerk/react";

const FOCUS_THROTTLE_MS = 2000;
const RETRY_MS = 3000;
const MIN_REFRESH_MS = 1000;
const SYNC_TIMEOUT_MS = 5000;

// Refresh once 5/6 of the token's lifetime has passed (every ~50 s for Clerk's 60 s tokens).
// The lifetime is exp - iat, so a wrong clock in the browser does not matter.
const refreshDelayMs = (token) => {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const { exp, iat } = JSON.parse(atob(payload));
    return Math.max(MIN_REFRESH_MS, ((exp - iat) * 1000 * 5) / 6);
  } catch {
    return RETRY_MS;
  }
};

export function ClerkTokenBridge({ onToken, connectionId }) {
  const { isLoaded, isSignedIn, sessionId, userId, orgId, getToken } = useAuth();
  const { session } = useSession();
  const clerk = useClerk();
  const latest = useRef(null);
  latest.current = { onToken, isLoaded, isSignedIn, getToken, clerk };
  const refreshRef = useRef(null);

  useEffect(() => {
    let timer = null;
    let running = false;
    let again = false;
    let lastFetch = 0;
    let stopped = false;
    // The Clerk session the server last heard about (null: signed out), and who waits for it
    // to catch up with Clerk's.
    let sentFor;
    let waiters = [];
    const currentSession = () => latest.current.clerk.session?.id ?? null;

    const send = (token, sid = null) => {
      if (stopped) return;
      latest.current.onToken(token);
      sentFor = sid;
      waiters = waiters.filter((satisfied) => !satisfied());
    };
    // Resolves once the server has been sent Clerk's current session (events reach the server
    // in order), or after SYNC_TIMEOUT_MS: navigation waits for it, so the next page's access
    // check never runs before the sign-in it follows.
    const synced = () =>
      new Promise((resolve) => {
        const satisfied = () => {
          if (sentFor !== currentSession()) return false;
          resolve();
          return true;
        };
        if (satisfied()) return;
        waiters.push(satisfied);
        window.setTimeout(resolve, SYNC_TIMEOUT_MS);
      });
    const clearTimer = () => {
      if (timer !== null) window.clearTimeout(timer);
      timer = null;
    };
    const schedule = (ms) => {
      clearTimer();
      timer = window.setTimeout(refresh, ms);
    };

    const refreshOnce = async () => {
      const { isLoaded, isSignedIn, getToken, clerk } = latest.current;
      if (!isLoaded) {
        // Clerk could not load: nobody can be signed in, so stop the server's spinner.
        if (clerk.status === "error") send("");
        return;
      }
      clearTimer();
      if (!isSignedIn) {
        send("");
        return;
      }
      const sid = clerk.session?.id;
      lastFetch = Date.now();
      let token;
      try {
        token = await getToken({ skipCache: true });
      } catch {
        // Clerk is unreachable: try again soon; the server drops the session if it expires.
        schedule(RETRY_MS);
        return;
      }
      // A sign-out or a session switch while fetching makes this token stale; its own
      // refresh sends the right one.
      if (stopped || latest.current.clerk.session?.id !== sid) return;
      if (!token) {
        send("");
        return;
      }
      send(token, sid);
      schedule(refreshDelayMs(token));
    };

    // One refresh at a time; triggers arriving meanwhile run one more afterwards.
    const refresh = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          await refreshOnce();
        } while (again && !stopped);
      } finally {
        running = false;
      }
    };
    refreshRef.current = refresh;

    const onFocus = () => {
      if (document.visibilityState !== "visible") return;
      if (Date.now() - lastFetch < FOCUS_THROTTLE_MS) return;
      refresh();
    };

    window.smnbAuth = {
      synced,
      signOut: async () => {
        send("");
        await latest.current.clerk.signOut();
        return "";
      },
    };
    window.addEventListener("focus", onFocus);
    window.addEventListener("online", onFocus);
    document.addEventListener("visibilitychange", onFocus);

    return () => {
      stopped = true;
      clearTimer();
      window.removeEventListener("focus", onFocus);
      window.removeEventListener("online", onFocus);
      document.removeEventListener("visibilitychange", onFocus);
    };
  }, []);

  // Every Clerk session change: sign-in, sign-out, another session or organization, a status
  // or profile change. Object identities are not used: Clerk replaces them on every token fetch.
  const sessionStatus = session?.status;
  const profileUpdatedAt = session?.user?.updatedAt?.getTime?.();
  useEffect(() => {
    refreshRef.current();
  }, [isLoaded, isSignedIn, sessionId, sessionStatus, userId, orgId, profileUpdatedAt, clerk.status]);

  // Every new websocket connection, reconnects included: the server may have lost the session.
  useEffect(() => {
    if (connectionId) refreshRef.current();
  }, [connectionId]);

  return null;
}
