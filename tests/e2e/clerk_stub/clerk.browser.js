// A stub of Clerk's browser SDK (clerk-js 5) for the browser tests, never part of the app. The
// tests route Clerk's script URL here. It offers exactly what @clerk/clerk-react 5.61 uses:
// `load`, `loaded`, `addListener`, `session`/`user`/`client`, `session.getToken`, `signOut` and
// the mount/unmount pairs of SignIn, SignUp and UserButton. Its "Frontend API" (sign-in, tokens,
// sign-out) lives at https://<frontend api>/v1 and is answered by the test (clerk_fapi.py),
// which signs the tokens with the issuer whose keys the app trusts.
(() => {
  const STORE = "clerk-stub.client"; // Clerk keeps its client in a cookie; the stub in localStorage.
  const publishableKey =
    window.__clerk_publishable_key ||
    document.querySelector("script[data-clerk-publishable-key]").getAttribute("data-clerk-publishable-key");
  const api = `https://${atob(publishableKey.split("_")[2]).slice(0, -1)}/v1`;
  const listeners = new Set();
  const mounted = new Map(); // node -> render function, re-run on every change
  let options = {};
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
    const started = makeSession(record);
    return (await started.getToken()) ? started : null;
  };

  const resources = () => ({
    client: { sessions: session ? [session] : [], signedInSessions: session ? [session] : [], lastActiveSessionId: session?.id ?? null },
    session,
    user: session ? session.user : null,
    organization: null,
  });

  const emit = () => {
    for (const listener of listeners) listener(resources());
    for (const render of mounted.values()) render();
  };

  const setSession = async (record) => {
    session = record ? await startSession(record) : null;
    if (session) window.localStorage.setItem(STORE, JSON.stringify(record));
    else window.localStorage.removeItem(STORE);
    emit();
  };

  // As Clerk: through the app's router when the provider gives one, else a page load.
  const navigate = (to) => {
    if (!to) return;
    if (options.routerPush) options.routerPush(to);
    else window.location.assign(to);
  };

  const signIn = async (path, email) => {
    const { status, data } = await post(path, { identifier: email });
    if (status !== 200) throw new Error(`sign-in failed with ${status}`);
    await setSession(data);
  };

  const mountForm = (kind, path) => (node, props) => {
    node.innerHTML = `<form data-testid="clerk-stub-${kind}"><input name="identifier" type="email"
      data-testid="clerk-stub-${kind}-email"><button type="submit" data-testid="clerk-stub-${kind}-submit">Continue</button></form>`;
    node.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      await signIn(path, node.querySelector("input").value);
      navigate(props.forceRedirectUrl || props.fallbackRedirectUrl || "/");
    });
  };
  const unmount = (node) => {
    mounted.delete(node);
    node.innerHTML = "";
  };

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
    load: async (opts = {}) => {
      options = opts;
      const stored = window.localStorage.getItem(STORE);
      session = stored ? await startSession(JSON.parse(stored)) : null;
      if (!session) window.localStorage.removeItem(STORE);
      clerk.loaded = true;
    },
    addListener: (listener) => {
      listeners.add(listener);
      listener(resources());
      return () => listeners.delete(listener);
    },
    signOut: async () => {
      if (session) await post(`/client/sessions/${session.id}/end`);
      await setSession(null);
      navigate(options.afterSignOutUrl);
    },
    mountSignIn: mountForm("sign-in", "/client/sign_ins"),
    unmountSignIn: unmount,
    mountSignUp: mountForm("sign-up", "/client/sign_ups"),
    unmountSignUp: unmount,
    mountUserButton: (node) => {
      const render = () => {
        node.innerHTML = `<span data-testid="clerk-stub-user-button">${session ? session.user.fullName : ""}</span>`;
      };
      mounted.set(node, render);
      render();
    },
    unmountUserButton: unmount,
    __unstable__updateProps: async () => {},
    // Test hooks: sign in another account in place (Clerk's multi-session "add account"), and
    // how many tokens the SDK fetched from the Frontend API.
    __stub: {
      signIn: (email) => signIn("/client/sign_ins", email),
      get tokenFetches() {
        return tokenFetches;
      },
    },
  };
  window.Clerk = clerk;
})();
