import { type FormEvent, useEffect, useState } from "react";
import type { ConsoleApi, License, User } from "../api.ts";
import { errorText, formatDate, link, Notice, PageTitle, TextField } from "../components.tsx";
import { aliasProblem } from "../validation.ts";

export function LicensesPage({ api, user }: { api: ConsoleApi; user: User }) {
  const [licenses, setLicenses] = useState<License[] | null>(null);
  const [alias, setAlias] = useState("");
  const [tried, setTried] = useState(false);
  const [failure, setFailure] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api
      .licenses()
      .then((r) => setLicenses(r.licenses))
      .catch((e: unknown) => setFailure(errorText(e)));
  }, [api]);

  const problem = tried ? aliasProblem(alias) : undefined;
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (aliasProblem(alias)) return;
    setBusy(true);
    setFailure("");
    try {
      const created = await api.createLicense(alias.trim());
      window.location.hash = `/licenses/${created.license.clientId}`;
    } catch (err) {
      setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle>Your licenses</PageTitle>
      <p>
        A license is your app's identity: its client id, API keys and redirect URIs. Licenses you create
        belong to your wallet <code className="address">{user.walletAddress}</code>.
      </p>
      <section aria-labelledby="create-license">
        <h2 id="create-license">Create a license</h2>
        <form onSubmit={create} noValidate className="inline-form">
          <TextField
            label="Alias (optional)"
            hint="A short name shown to people when they sign in, if you set no brand. At most 32 bytes."
            value={alias}
            onChange={setAlias}
            problem={problem}
          />
          <button type="submit" disabled={busy}>
            Create license
          </button>
        </form>
        <Notice kind="error" message={failure} />
      </section>
      <section aria-labelledby="list-licenses">
        <h2 id="list-licenses">Licenses</h2>
        {licenses === null ? (
          <p role="status">Loading…</p>
        ) : licenses.length === 0 ? (
          <p>You have no licenses yet. Create one above to get a client id.</p>
        ) : (
          <ul className="cards">
            {licenses.map((l) => (
              <li key={l.clientId} className="card">
                <a href={link(`/licenses/${l.clientId}`)}>{l.alias ?? "License without alias"}</a>
                <dl className="facts">
                  <dt>Client id</dt>
                  <dd>
                    <code className="address">{l.clientId}</code>
                  </dd>
                  <dt>Created</dt>
                  <dd>{formatDate(l.createdAt)}</dd>
                </dl>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
