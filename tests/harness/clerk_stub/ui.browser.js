// A stub of Clerk's UI bundle (@clerk/ui 1, `ui.browser.js`) for the browser tests, never part of
// the app. The tests route the UI bundle's URL here. As the real one, it defines
// `window.__internal_ClerkUICtor`, which @clerk/react 6 waits for and hands to clerk-js's `load`;
// clerk-js then constructs it with `(getClerk, getEnvironment, options, moduleManager)` and mounts
// components through `ensureMounted()`'s controls. It renders SignIn, SignUp and UserButton as
// plain forms and text, signing in through clerk-js's `client.signIn`/`client.signUp` and
// `setActive`, as Clerk's own components do.
(() => {
  const VERSION = "1.0.0-stub";

  const form = (kind, create) => (node, props, clerk) => {
    node.innerHTML = `<form data-testid="clerk-stub-${kind}"><input name="identifier" type="email"
      data-testid="clerk-stub-${kind}-email"><button type="submit" data-testid="clerk-stub-${kind}-submit">Continue</button></form>`;
    node.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const { createdSessionId } = await create(clerk.client, node.querySelector("input").value);
      await clerk.setActive({
        session: createdSessionId,
        redirectUrl: props.forceRedirectUrl || props.fallbackRedirectUrl || "/",
      });
    });
    return false;
  };

  // Each renders `props` into `node`; true when it shows Clerk state, to re-render on every change.
  const COMPONENTS = {
    SignIn: form("sign-in", (client, email) => client.signIn.create({ identifier: email })),
    SignUp: form("sign-up", (client, email) => client.signUp.create({ emailAddress: email })),
    UserButton: (node, props, clerk) => {
      node.innerHTML = `<span data-testid="clerk-stub-user-button">${clerk.user?.fullName ?? ""}</span>`;
      return true;
    },
  };

  const controlsFor = (getClerk) => {
    const mounted = new Map(); // node -> { name, props, stop }
    const render = (node) => {
      const entry = mounted.get(node);
      const live = COMPONENTS[entry.name](node, entry.props, getClerk());
      if (live && !entry.stop) entry.stop = getClerk().addListener(() => render(node), { skipInitialEmit: true });
    };
    return {
      mountComponent: ({ name, node, props = {} }) => {
        if (!(name in COMPONENTS)) throw new Error(`the UI stub has no ${name}`);
        mounted.set(node, { name, props, stop: null });
        render(node);
      },
      unmountComponent: ({ node }) => {
        mounted.get(node)?.stop?.();
        mounted.delete(node);
        node.innerHTML = "";
      },
      updateProps: ({ node, props }) => {
        if (!node || !mounted.has(node)) return;
        mounted.get(node).props = props;
        render(node);
      },
    };
  };

  class ClerkUI {
    static version = VERSION;
    version = VERSION;
    #controls;

    constructor(getClerk) {
      this.#controls = Promise.resolve(controlsFor(getClerk));
    }

    ensureMounted() {
      return this.#controls;
    }
  }

  window.__internal_ClerkUICtor ||= ClerkUI;
})();
