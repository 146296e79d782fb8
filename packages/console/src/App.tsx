import { startAuthentication } from "@simplewebauthn/browser";
import { type FormEvent, useEffect, useState } from "react";
import { ApiError, type ConsoleApi, type ServerInfo, type User } from "./api.ts";
import { errorText, Notice, PageTitle, TextField } from "./components.tsx";
import { Configurator } from "./pages/Configurator.tsx";
import { DeveloperJwt } from "./pages/DeveloperJwt.tsx";
import { LicensePage } from "./pages/License.tsx";
import { LicensesPage } from "./pages/Licenses.tsx";
import { VehiclesPage } from "./pages/Vehicles.tsx";

/** The route from the location hash: `#/licenses/0x…/vehicles` → ["licenses", "0x…", "vehicles"]. */
function readRoute(): string[] {
  return window.location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
}

function useRoute(): string[] {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const onChange = () => setRoute(readRoute());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export function App({ api }: { api: ConsoleApi }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [failure, setFailure] = useState("");
  const route = useRoute();

  useEffect(() => {
    Promise.all([api.session(), api.info()])
      .then(([u, i]) => {
        setUser(u);
        setInfo(i);
      })
      .catch((e: unknown) => setFailure(errorText(e)));
  }, [api]);

  if (failure)
    return (
      <main>
        <PageTitle>The console could not start</PageTitle>
        <Notice kind="error" message={failure} />
      </main>
    );
  if (user === undefined || info === null)
    return (
      <main>
        <p role="status">Loading…</p>
      </main>
    );
  if (user === null) return <SignIn api={api} onSignedIn={setUser} platformName={info.platformName} />;

  const signOut = async () => {
    await api.logout().catch(() => undefined);
    await api.session();
    setUser(null);
  };

  return (
    <>
      <header className="top">
        <a className="brand" href="#/">
          Developer console
        </a>
        <nav aria-label="Account">
          <span className="who">{user.email}</span>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </nav>
      </header>
      <main key={route.join("/")}>{page(route, api, info, user)}</main>
    </>
  );
}

function page(route: string[], api: ConsoleApi, info: ServerInfo, user: User) {
  const [first, clientId, section, id] = route;
  if (first === "licenses" && clientId) {
    if (section === "configurations")
      return (
        <Configurator
          api={api}
          info={info}
          clientId={clientId}
          configurationId={id === "new" ? null : (id ?? null)}
        />
      );
    if (section === "vehicles") return <VehiclesPage api={api} clientId={clientId} />;
    if (section === "jwt") return <DeveloperJwt api={api} info={info} clientId={clientId} />;
    return <LicensePage api={api} clientId={clientId} />;
  }
  return <LicensesPage api={api} user={user} />;
}

/** Sign-in with the same accounts as the login app: an emailed code, or a passkey. */
function SignIn({
  api,
  onSignedIn,
  platformName,
}: {
  api: ConsoleApi;
  onSignedIn: (user: User) => void;
  platformName: string;
}) {
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState("");

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setProblem("");
    try {
      await action();
    } catch (e) {
      setProblem(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const sendCode = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.sendCode(email);
      setSent(true);
    });
  };
  const verify = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const { user } = await api.verifyCode(email, code.trim());
      await api.session();
      onSignedIn(user);
    });
  };
  const passkey = () =>
    run(async () => {
      const { ceremonyId, options } = await api.passkeyOptions();
      let response: Awaited<ReturnType<typeof startAuthentication>>;
      try {
        response = await startAuthentication({ optionsJSON: options });
      } catch {
        throw new ApiError(
          0,
          "passkey_cancelled",
          "The passkey sign-in was cancelled or no passkey was found.",
        );
      }
      const { user } = await api.passkeyVerify(ceremonyId, response);
      await api.session();
      onSignedIn(user);
    });

  return (
    <main className="narrow">
      <PageTitle>Sign in to the developer console</PageTitle>
      <p>
        Use the same account as on the {platformName} sign-in page. Your licenses belong to this account's
        wallet.
      </p>
      {!sent ? (
        <form onSubmit={sendCode} noValidate>
          <TextField
            label="Email address"
            type="email"
            autoComplete="email"
            value={email}
            onChange={setEmail}
            required
          />
          <button type="submit" disabled={busy || email.trim() === ""}>
            Email me a code
          </button>
        </form>
      ) : (
        <form onSubmit={verify} noValidate>
          <p role="status">We sent a six-digit code to {email}. It works for 10 minutes.</p>
          <TextField
            label="Code from the email"
            value={code}
            onChange={setCode}
            inputMode="numeric"
            autoComplete="one-time-code"
            required
          />
          <button type="submit" disabled={busy || code.trim().length !== 6}>
            Sign in
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setSent(false)}>
            Use another email
          </button>
        </form>
      )}
      <p className="or">or</p>
      <button type="button" className="secondary" onClick={passkey} disabled={busy}>
        Sign in with a passkey
      </button>
      <Notice kind="error" message={problem} />
    </main>
  );
}
