// A stub of Clerk's browser SDK (clerk-js 6) for the browser tests, never part of the app. The
// tests route Clerk's script URL here. It offers what @clerk/react 6.18 uses: `load` (given the
// UI bundle's constructor, see ui.browser.js), `loaded`, `addListener` with `skipInitialEmit`,
// `__internal_lastEmittedResources`, `session`/`user`/`client`/`isSignedIn`, `session.getToken`,
// `setActive`, `signOut`, `__internal_updateProps` and the mount/unmount pairs of SignIn, SignUp
// and UserButton, which it hands to the UI bundle as clerk-js 6 does. Its "Frontend API"
// (sign-in, tokens, sign-out) lives at https://<frontend api>/v1 and is answered by the test
// (clerk_fapi.py), which signs the tokens with the issuer whose keys the app trusts.
(() => {
  const STORE = "clerk-stub.client"; // Clerk keeps its client in a cookie; the stub in localStorage.
  const publishableKey =
    window.__clerk_publishable_key || document.currentScript.getAttribute("data-clerk-publishable-key");
  const api = `https://${atob(publishableKey.split("_")[2]).slice(0, -1)}/v1`;
  const listeners = new Set();
  const started = new Map(); // session id -> the record of a sign-in or sign-up, until setActive
  let options = {};
  let ui = null; // the UI bundle's instance: it renders SignIn, SignUp and UserButton
  let session = null;
  let tokenFetches = 0;

  const post = async (path, body = {}) => {
    // Form encoding, as Clerk's own requests: a simple CORS request, no preflight.
    const response = await fetch(api + path, { method: "POST", body: new URLSearchParams(body) });
    return { status: response.status, data: await response.json().catch(() => ({})) };
  };

  const makeUser = (u) => ({
    id: u.id,
    firstName: u.first_name,
    lastName: u.last_name,
    fullName: [u.first_name, u.last_name].filter(Boolean).join(" "),
    imageUrl: u.image_url,
    primaryEmailAddress: { emailAddress: u.email_address },
    organizationMemberships: [],
    updatedAt: new Date(u.updated_at * 1000),
  });

  const claimsOf = (jwt) => ({
    ...JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))),
    __raw: jwt,
  });

  // Like Clerk's, a session carries its last token: useAuth reports "signed in" only with one.
  const makeSession = (record) => {
    const fresh = () => s.lastActiveToken && s.lastActiveToken.jwt.claims.exp * 1000 - Date.now() > 10000;
    const s = {
      id: record.session_id,
      status: "active",
      user: makeUser(record.user),
      lastActiveToken: null,
      actor: null,
      factorVerificationAge: null,
      getToken: async (opts = {}) => {
        if (!opts.skipCache && fresh()) return s.lastActiveToken.jwt.claims.__raw;
        tokenFetches += 1;
        const { status, data } = await post(`/client/sessions/${record.session_id}/tokens`);
        if (status === 401 || status === 404) {
          // The session ended elsewhere: Clerk signs the browser out.
          if (session?.id === record.session_id) setSession(null);
          return null;
        }
        if (status !== 200) throw new Error(`token request failed with ${status}`);
        s.lastActiveToken = { jwt: { claims: claimsOf(data.jwt) }, getRawString: () => data.jwt };
        return data.jwt;
      },
    };
    return s;
  };

  // The session of `record` with its first token, or null when Clerk ended it meanwhile.
  const startSession = async (record) => {
    const candidate = makeSession(record);
    return (await candidate.getToken()) ? candidate : null;
  };

  const resources = () => ({
    client: {
      sessions: session ? [session] : [],
      signedInSessions: session ? [session] : [],
      lastActiveSessionId: session?.id ?? null,
      signIn: { create: ({ identifier }) => start("/client/sign_ins", identifier) },
      signUp: { create: ({ emailAddress }) => start("/client/sign_ups", emailAddress) },
    },
    session,
    user: session ? session.user : null,
    organization: null,
  });
  // What listeners were last given: React reads it as a snapshot, so it changes only on emit.
  let lastEmitted = null;

  const emit = () => {
    lastEmitted = resources();
    for (const listener of listeners) listener(lastEmitted);
  };

  const setSession = async (record) => {
    session = record ? await startSession(record) : null;
    if (session) window.localStorage.setItem(STORE, JSON.stringify(record));
    else window.localStorage.removeItem(STORE);
    emit();
  };

  // A sign-in or sign-up with an email completes at once (the stub has no factors to verify).
  const start = async (path, email) => {
    const { status, data } = await post(path, { identifier: email });
    if (status !== 200) throw new Error(`sign-in failed with ${status}`);
    started.set(data.session_id, data);
    return { status: "complete", createdSessionId: data.session_id };
  };

  // As Clerk: through the app's router when the provider gives one, else a page load.
  const navigate = (to) => {
    if (!to) return;
    if (options.routerPush) options.routerPush(to);
    else window.location.assign(to);
  };

  const controls = () => {
    if (!ui) throw new Error("Clerk's components need the UI bundle (@clerk/ui), which was not loaded");
    return ui.ensureMounted();
  };
  const mount = (name, appearanceKey) => async (node, props) =>
    (await controls()).mountComponent({ name, appearanceKey, node, props });
  const unmount = async (node) => (await controls()).unmountComponent({ node });

  const clerk = {
    loaded: false,
    get session() {
      return session;
    },
    get user() {
      return session ? session.user : null;
    },
    get client() {
      return resources().client;
    },
    get organization() {
      return null;
    },
    get isSignedIn() {
      return session !== null;
    },
    get __internal_lastEmittedResources() {
      return lastEmitted;
    },
    load: async (opts = {}) => {
      options = opts;
      const ClerkUI = await opts.ui?.ClerkUI;
      ui = ClerkUI ? new ClerkUI(() => clerk, () => null, opts, undefined) : null;
      const stored = window.localStorage.getItem(STORE);
      session = stored ? await startSession(JSON.parse(stored)) : null;
      if (!session) window.localStorage.removeItem(STORE);
      lastEmitted = resources();
      clerk.loaded = true;
    },
    addListener: (listener, { skipInitialEmit = false } = {}) => {
      listeners.add(listener);
      if (!skipInitialEmit) listener(resources());
      return () => listeners.delete(listener);
    },
    setActive: async ({ session: id, redirectUrl }) => {
      await setSession(started.get(id) ?? null);
      started.delete(id);
      navigate(redirectUrl);
    },
    signOut: async () => {
      if (session) await post(`/client/sessions/${session.id}/end`);
      await setSession(null);
      navigate(options.afterSignOutUrl);
    },
    mountSignIn: mount("SignIn", "signIn"),
    unmountSignIn: unmount,
    mountSignUp: mount("SignUp", "signUp"),
    unmountSignUp: unmount,
    mountUserButton: mount("UserButton", "userButton"),
    unmountUserButton: unmount,
    __internal_updateProps: async (params) => (await controls()).updateProps(params),
    // Test hooks: sign in another account in place (Clerk's multi-session "add account"), and
    // how many tokens the SDK fetched from the Frontend API.
    __stub: {
      signIn: async (email) => {
        const { createdSessionId } = await start("/client/sign_ins", email);
        await clerk.setActive({ session: createdSessionId });
      },
      get tokenFetches() {
        return tokenFetches;
      },
    },
  };
  window.Clerk = clerk;
})();
