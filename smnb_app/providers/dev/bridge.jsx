// The embedded dev identity provider's browser side: it plays the part Clerk's browser SDK plays
// in clerk mode. It keeps the session credential in localStorage, fetches fresh session tokens
// from the issuer, and hands every token (or "" when signed out) to the server through onToken.
import { useEffect, useRef } from "react";

const CREDENTIAL_KEY = "smnb.dev-auth.session";
const CHANNEL_NAME = "smnb-auth";
const FOCUS_THROTTLE_MS = 2000;

const readCredential = () => {
  try {
    const raw = window.localStorage.getItem(CREDENTIAL_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
};

const postJson = async (url, body) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
};

export function DevTokenBridge({ issuerUrl, connectionId, onToken, onSignInError }) {
  const onTokenRef = useRef(onToken);
  onTokenRef.current = onToken;
  const refreshRef = useRef(() => {});
  const connectionRef = useRef(null);
  const formEvents = useRef(null);
  formEvents.current = { onSignInError };

  useEffect(() => {
    let timer = null;
    let lastFetch = 0;
    let stopped = false;
    const channel = new BroadcastChannel(CHANNEL_NAME);

    const send = (token) => {
      if (!stopped) onTokenRef.current(token);
    };
    const clearTimer = () => {
      if (timer !== null) window.clearTimeout(timer);
      timer = null;
    };
    const signedOut = () => {
      clearTimer();
      send("");
    };

    const refresh = async () => {
      clearTimer();
      const credential = readCredential();
      if (!credential) {
        signedOut();
        return;
      }
      lastFetch = Date.now();
      let result;
      try {
        result = await postJson(`${issuerUrl}/tokens`, credential);
      } catch {
        // The issuer is unreachable: retry soon; the server drops the session if it expires.
        timer = window.setTimeout(refresh, 3000);
        return;
      }
      if (!result.ok) {
        if (result.status === 401 || result.status === 404) {
          window.localStorage.removeItem(CREDENTIAL_KEY);
          signedOut();
        } else {
          timer = window.setTimeout(refresh, 3000);
        }
        return;
      }
      deliver(result.data);
    };

    // A fresh token to the server, and the next refresh well before it expires, as Clerk does
    // (every ~50 s for 60 s tokens).
    const deliver = ({ token, expires_in: expiresIn }) => {
      clearTimer();
      lastFetch = Date.now();
      send(token);
      timer = window.setTimeout(refresh, Math.max(1000, (expiresIn * 1000 * 5) / 6));
    };

    const onFocus = () => {
      if (document.visibilityState !== "visible") return;
      if (Date.now() - lastFetch < FOCUS_THROTTLE_MS) return;
      refresh();
    };

    channel.onmessage = (message) => {
      if (message.data === "signed-out") signedOut();
      if (message.data === "signed-in") refresh();
    };

    const signIn = async (email, name) => {
      let result;
      try {
        result = await postJson(`${issuerUrl}/sign-in`, { email, name });
      } catch {
        return "The sign-in service cannot be reached. Try again.";
      }
      if (!result.ok) return result.data.error || "Sign-in failed. Try again.";
      window.localStorage.setItem(
        CREDENTIAL_KEY,
        JSON.stringify({ session_id: result.data.session_id, secret: result.data.secret }),
      );
      // The sign-in's answer carries the first token: no second request before the server has it.
      deliver(result.data);
      channel.postMessage("signed-in");
      return "";
    };

    // Functions the page calls directly (never code the server sends: the CSP forbids eval).
    window.smnbAuth = {
      signIn,
      // The sign-in form goes straight to the provider; the server hears the outcome (a
      // token, or the provider's refusal), not the form.
      // The button shows the request in flight itself: telling the server first would put a
      // round trip in front of the token, which the server then waits for.
      submitSignIn: async (form) => {
        const data = new FormData(form);
        const button = form.querySelector('[type="submit"]');
        button?.setAttribute("disabled", "");
        button?.setAttribute("aria-busy", "true");
        const error = await signIn(String(data.get("email") ?? "").trim(), String(data.get("name") ?? "").trim());
        // The provider answered: the server's verdict (a redirect, or its refusal) follows.
        button?.removeAttribute("aria-busy");
        button?.removeAttribute("disabled");
        if (error) formEvents.current.onSignInError?.(error);
      },
      signOut: async () => {
        const credential = readCredential();
        window.localStorage.removeItem(CREDENTIAL_KEY);
        channel.postMessage("signed-out");
        signedOut();
        if (credential) {
          await postJson(`${issuerUrl}/sign-out`, credential).catch(() => null);
        }
        return "";
      },
    };

    window.addEventListener("focus", onFocus);
    document.addEventListener("visibilitychange", onFocus);
    refreshRef.current = refresh;
    refresh();

    return () => {
      stopped = true;
      clearTimer();
      channel.close();
      window.removeEventListener("focus", onFocus);
      document.removeEventListener("visibilitychange", onFocus);
    };
  }, [issuerUrl]);

  // A reconnect (a new websocket connection after the first): the server may have lost the
  // session, and the tab may have missed changes while it was away.
  useEffect(() => {
    if (!connectionId) return;
    if (connectionRef.current !== null && connectionRef.current !== connectionId) refreshRef.current();
    connectionRef.current = connectionId;
  }, [connectionId]);

  return null;
}
