import { type FormEvent, useCallback, useEffect, useState } from "react";
import type { Brand, ConfigurationRow, ConsoleApi, LicenseDetails } from "../api.ts";
import {
  attempt,
  Checkbox,
  CopyButton,
  DangerButton,
  errorText,
  formatDate,
  link,
  Notice,
  PageTitle,
  type Say,
  TextField,
} from "../components.tsx";
import {
  aliasProblem,
  brandNameProblem,
  colorProblem,
  imageFileProblem,
  redirectUriProblem,
  webOriginProblem,
} from "../validation.ts";

export function LicensePage({ api, clientId }: { api: ConsoleApi; clientId: string }) {
  const [details, setDetails] = useState<LicenseDetails | null>(null);
  const [configurations, setConfigurations] = useState<ConfigurationRow[]>([]);
  const [notice, setNotice] = useState<{ message: string; kind: "ok" | "error" }>({
    message: "",
    kind: "ok",
  });
  const [missing, setMissing] = useState("");
  const say: Say = (message, kind = "ok") => setNotice({ message, kind });

  const reload = useCallback(async () => {
    try {
      setDetails(await api.license(clientId));
      setConfigurations((await api.configurations(clientId)).configurations);
    } catch (e) {
      setMissing(errorText(e));
    }
  }, [api, clientId]);
  useEffect(() => {
    void reload();
  }, [reload]);

  if (missing)
    return (
      <>
        <PageTitle>License not found</PageTitle>
        <Notice kind="error" message={missing} />
        <p>
          <a href="#/">Back to your licenses</a>
        </p>
      </>
    );
  if (!details) return <p role="status">Loading…</p>;
  const { license } = details;

  return (
    <>
      <p className="crumbs">
        <a href="#/">Your licenses</a>
      </p>
      <PageTitle>{license.alias ?? "License without alias"}</PageTitle>
      <Notice kind={notice.kind} message={notice.message} />
      <nav aria-label="This license" className="subnav">
        <a href={link(`/licenses/${clientId}/configurations/new`)}>New configuration</a>
        <a href={link(`/licenses/${clientId}/vehicles`)}>Shared vehicles</a>
        <a href={link(`/licenses/${clientId}/webhooks`)}>Webhooks</a>
        <a href={link(`/licenses/${clientId}/jwt`)}>Getting a developer JWT</a>
      </nav>
      <section aria-labelledby="details">
        <h2 id="details">Details</h2>
        <dl className="facts">
          <dt>Client id</dt>
          <dd>
            <code className="address">{license.clientId}</code>{" "}
            <CopyButton text={license.clientId} label="Copy client id" />
          </dd>
          <dt>Owner</dt>
          <dd>
            <code className="address">{license.owner}</code>
          </dd>
          <dt>Created</dt>
          <dd>{formatDate(license.createdAt)}</dd>
        </dl>
        <AliasForm api={api} details={details} onSaved={setDetails} say={say} />
      </section>
      <ApiKeys api={api} details={details} onChanged={setDetails} say={say} />
      <RedirectUris api={api} details={details} onChanged={setDetails} say={say} />
      <Configurations api={api} clientId={clientId} list={configurations} onChanged={reload} say={say} />
      <Brands api={api} details={details} onChanged={reload} say={say} />
      <LoginSettings api={api} details={details} onChanged={setDetails} say={say} />
    </>
  );
}

function AliasForm({
  api,
  details,
  onSaved,
  say,
}: {
  api: ConsoleApi;
  details: LicenseDetails;
  onSaved: (d: LicenseDetails) => void;
  say: Say;
}) {
  const [alias, setAlias] = useState(details.license.alias ?? "");
  const problem = aliasProblem(alias);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    const saved = await attempt(
      say,
      () => api.setAlias(details.license.clientId, alias.trim()),
      "Alias saved.",
    );
    if (saved) onSaved(saved);
  };
  return (
    <form onSubmit={save} noValidate className="inline-form">
      <TextField
        label="Alias"
        value={alias}
        onChange={setAlias}
        problem={problem}
        hint="At most 32 bytes; empty removes it."
      />
      <button type="submit" className="secondary">
        Save alias
      </button>
    </form>
  );
}

function ApiKeys({
  api,
  details,
  onChanged,
  say,
}: {
  api: ConsoleApi;
  details: LicenseDetails;
  onChanged: (d: LicenseDetails) => void;
  say: Say;
}) {
  const [fresh, setFresh] = useState<{ address: string; privateKey: string } | null>(null);
  const clientId = details.license.clientId;
  const generate = async () => {
    const key = await attempt(say, () => api.createApiKey(clientId));
    if (!key) return;
    setFresh(key);
    const reloaded = await attempt(say, () => api.license(clientId));
    if (reloaded) onChanged(reloaded);
  };
  const disable = async (address: string) => {
    if (!window.confirm(`Disable the API key ${address}? Apps using it can no longer get developer JWTs.`))
      return;
    const changed = await attempt(
      say,
      () => api.disableApiKey(clientId, address),
      `API key ${address} disabled.`,
    );
    if (changed) onChanged(changed);
  };
  return (
    <section aria-labelledby="api-keys">
      <h2 id="api-keys">API keys</h2>
      <p>
        An API key signs your back end's sign-in as this license (see “Getting a developer JWT”). Keep it
        secret, like a password.
      </p>
      <button type="button" onClick={generate}>
        Generate API key
      </button>
      {fresh && (
        <section className="once" aria-label="New API key">
          <p className="warning">
            <strong>Copy this private key now. It is shown only this once</strong> and is not stored anywhere:
            if you lose it, generate a new key and disable this one.
          </p>
          <p>
            Private key: <code className="secret">{fresh.privateKey}</code>
          </p>
          <CopyButton text={fresh.privateKey} label="Copy private key" />
          <p>
            Signer address: <code className="address">{fresh.address}</code>
          </p>
          <button type="button" className="secondary" onClick={() => setFresh(null)}>
            I have stored the key
          </button>
        </section>
      )}
      {details.signers.length === 0 ? (
        <p>No API keys yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Signer addresses of this license</caption>
            <thead>
              <tr>
                <th scope="col">Signer address</th>
                <th scope="col">Enabled</th>
                <th scope="col">Disabled</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {details.signers.map((s) => (
                <tr key={s.address}>
                  <td>
                    <code className="address">{s.address}</code>
                  </td>
                  <td>{formatDate(s.enabledAt)}</td>
                  <td>{s.disabledAt ? formatDate(s.disabledAt) : "Active"}</td>
                  <td>
                    {!s.disabledAt && (
                      <DangerButton onClick={() => disable(s.address)} label={`Disable API key ${s.address}`}>
                        Disable
                      </DangerButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RedirectUris({
  api,
  details,
  onChanged,
  say,
}: {
  api: ConsoleApi;
  details: LicenseDetails;
  onChanged: (d: LicenseDetails) => void;
  say: Say;
}) {
  const [uri, setUri] = useState("");
  const [tried, setTried] = useState(false);
  const clientId = details.license.clientId;
  const problem = tried ? redirectUriProblem(uri) : undefined;
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (redirectUriProblem(uri)) return;
    const changed = await attempt(say, () => api.addRedirectUri(clientId, uri), `Redirect URI ${uri} added.`);
    if (!changed) return;
    onChanged(changed);
    setUri("");
    setTried(false);
  };
  const remove = async (value: string) => {
    const changed = await attempt(
      say,
      () => api.removeRedirectUri(clientId, value),
      `Redirect URI ${value} removed.`,
    );
    if (changed) onChanged(changed);
  };
  return (
    <section aria-labelledby="redirect-uris">
      <h2 id="redirect-uris">Redirect URIs</h2>
      <p>Where the sign-in page may send people back. Each must match exactly what your app sends.</p>
      <form onSubmit={add} noValidate className="inline-form">
        <TextField
          label="Redirect URI"
          hint="https://…, or http:// only on localhost, 127.0.0.1 or [::1]. No # fragment, no wildcards."
          value={uri}
          onChange={setUri}
          problem={problem}
          inputMode="url"
        />
        <button type="submit">Add redirect URI</button>
      </form>
      {details.redirectUris.length === 0 ? (
        <p>No redirect URIs yet: add one before saving a configuration.</p>
      ) : (
        <ul className="rows">
          {details.redirectUris.map((r) => (
            <li key={r.uri}>
              <code>{r.uri}</code> <span className="muted">added {formatDate(r.enabledAt)}</span>{" "}
              <DangerButton onClick={() => remove(r.uri)} label={`Remove redirect URI ${r.uri}`}>
                Remove
              </DangerButton>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Configurations({
  api,
  clientId,
  list,
  onChanged,
  say,
}: {
  api: ConsoleApi;
  clientId: string;
  list: ConfigurationRow[];
  onChanged: () => Promise<void>;
  say: Say;
}) {
  const remove = async (c: ConfigurationRow) => {
    if (
      !window.confirm(`Delete the configuration “${c.configuration_name}”? Links with its id stop working.`)
    )
      return;
    await attempt(
      say,
      async () => {
        await api.deleteConfiguration(c.id);
        await onChanged();
      },
      `Configuration “${c.configuration_name}” deleted.`,
    );
  };
  return (
    <section aria-labelledby="configurations">
      <h2 id="configurations">Configurations</h2>
      <p>
        A saved set of sign-in settings. Its id is all a link needs: <code>?configurationId=…</code>.{" "}
        <a href={link(`/licenses/${clientId}/configurations/new`)}>Create a configuration</a>
      </p>
      {list.length === 0 ? (
        <p>No configurations yet.</p>
      ) : (
        <ul className="rows">
          {list.map((c) => (
            <li key={c.id}>
              <a href={link(`/licenses/${clientId}/configurations/${c.id}`)}>{c.configuration_name}</a>{" "}
              <code className="muted">{c.id}</code>{" "}
              <DangerButton onClick={() => remove(c)} label={`Delete configuration ${c.configuration_name}`}>
                Delete
              </DangerButton>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Brands({
  api,
  details,
  onChanged,
  say,
}: {
  api: ConsoleApi;
  details: LicenseDetails;
  onChanged: () => Promise<void>;
  say: Say;
}) {
  const [name, setName] = useState("");
  const [color, setColor] = useState("#1A73E8");
  const [tried, setTried] = useState(false);
  const clientId = details.license.clientId;
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (brandNameProblem(name) || colorProblem(color)) return;
    const created = await attempt(
      say,
      () =>
        api.createBrand(clientId, {
          name: name.trim(),
          primaryColor: color,
          isDefault: details.brands.length === 0,
        }),
      `Brand “${name.trim()}” created.`,
    );
    if (!created) return;
    setName("");
    setTried(false);
    await onChanged();
  };
  return (
    <section aria-labelledby="brands">
      <h2 id="brands">Brands</h2>
      <p>
        The name, logo and colour people see on the sign-in page. The default brand is used unless a link
        names another.
      </p>
      <form onSubmit={create} noValidate className="inline-form">
        <TextField
          label="Brand name"
          value={name}
          onChange={setName}
          problem={tried ? brandNameProblem(name) : undefined}
        />
        <TextField
          label="Primary colour"
          hint="#RRGGBB"
          value={color}
          onChange={setColor}
          problem={tried ? colorProblem(color) : undefined}
        />
        <button type="submit">Add brand</button>
      </form>
      {details.brands.map((b) => (
        <BrandEditor key={b.id} api={api} clientId={clientId} brand={b} onChanged={onChanged} say={say} />
      ))}
    </section>
  );
}

function BrandEditor({
  api,
  clientId,
  brand,
  onChanged,
  say,
}: {
  api: ConsoleApi;
  clientId: string;
  brand: Brand;
  onChanged: () => Promise<void>;
  say: Say;
}) {
  const [name, setName] = useState(brand.name);
  const [color, setColor] = useState(brand.primaryColor ?? "");
  // Every change to a brand reloads the license's brands afterwards.
  const action = (fn: () => Promise<unknown>, message: string) =>
    attempt(
      say,
      async () => {
        await fn();
        await onChanged();
      },
      message,
    );
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (brandNameProblem(name) || (color && colorProblem(color))) return;
    await action(
      () => api.updateBrand(clientId, brand.id, { name: name.trim(), primaryColor: color || null }),
      `Brand “${name.trim()}” saved.`,
    );
  };
  const upload = async (kind: "logo" | "icon", file: File | undefined) => {
    if (!file) return;
    const problem = imageFileProblem(file);
    if (problem) return say(problem, "error");
    await action(
      () => api.uploadImage(clientId, brand.id, kind, file),
      `The ${kind} of “${brand.name}” was uploaded.`,
    );
  };
  return (
    <article className="card" aria-label={`Brand ${brand.name}`}>
      <h3>
        {brand.name} {brand.isDefault && <span className="badge">Default</span>}
      </h3>
      <form onSubmit={save} noValidate className="inline-form">
        <TextField
          label={`Name of brand ${brand.name}`}
          value={name}
          onChange={setName}
          problem={brandNameProblem(name)}
        />
        <TextField
          label={`Primary colour of brand ${brand.name}`}
          hint="#RRGGBB, or empty for none"
          value={color}
          onChange={setColor}
          problem={color ? colorProblem(color) : undefined}
        />
        <button type="submit" className="secondary">
          Save brand
        </button>
      </form>
      <div className="images">
        {(["logo", "icon"] as const).map((kind) => {
          const url = kind === "logo" ? brand.logoUrl : brand.iconUrl;
          const inputId = `${brand.id}-${kind}`;
          return (
            <div key={kind} className="image-field">
              {url ? (
                <img src={url} alt={`${kind} of ${brand.name}`} className={kind} />
              ) : (
                <p className="muted">No {kind}.</p>
              )}
              <label htmlFor={inputId}>
                Upload {kind === "logo" ? "a wide logo" : "a square icon"} (PNG, JPEG or WebP, at most 256 KB)
              </label>
              <input
                id={inputId}
                type="file"
                accept="image/png,image/jpeg,image/webp"
                onChange={(e) => upload(kind, e.target.files?.[0])}
              />
              {url && (
                <button
                  type="button"
                  className="secondary"
                  onClick={() =>
                    action(() => api.removeImage(clientId, brand.id, kind), `The ${kind} was removed.`)
                  }
                >
                  Remove {kind}
                </button>
              )}
            </div>
          );
        })}
      </div>
      <div className="actions">
        {!brand.isDefault && (
          <button
            type="button"
            className="secondary"
            onClick={() =>
              action(
                () => api.updateBrand(clientId, brand.id, { isDefault: true }),
                `“${brand.name}” is now the default brand.`,
              )
            }
          >
            Make default
          </button>
        )}
        <DangerButton
          onClick={() => action(() => api.deleteBrand(clientId, brand.id), `Brand “${brand.name}” deleted.`)}
        >
          Delete brand
        </DangerButton>
      </div>
    </article>
  );
}

function LoginSettings({
  api,
  details,
  onChanged,
  say,
}: {
  api: ConsoleApi;
  details: LicenseDetails;
  onChanged: (d: LicenseDetails) => void;
  say: Say;
}) {
  const [origins, setOrigins] = useState(details.settings.webOrigins.join("\n"));
  const [embed, setEmbed] = useState(details.settings.embedEnabled);
  const [secureOnly, setSecureOnly] = useState(details.settings.secureOnly);
  const list = origins
    .split("\n")
    .map((o) => o.trim())
    .filter((o) => o !== "");
  const problem = list
    .map((o) => (webOriginProblem(o) ? `${o}: ${webOriginProblem(o)}` : ""))
    .find((p) => p !== "");
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    const saved = await attempt(
      say,
      () => api.saveSettings(details.license.clientId, { webOrigins: list, embedEnabled: embed, secureOnly }),
      "Login settings saved.",
    );
    if (saved) onChanged(saved);
  };
  return (
    <section aria-labelledby="settings">
      <h2 id="settings">Login settings</h2>
      <form onSubmit={save} noValidate>
        <TextField
          label="Web origins (one per line)"
          hint="Extra origins allowed to open the sign-in popup or embed it, besides those of your redirect URIs."
          value={origins}
          onChange={setOrigins}
          problem={problem}
          multiline
        />
        <Checkbox
          label="Allow embedding the sign-in page in a frame"
          hint="Only on the origins above and those of your redirect URIs."
          checked={embed}
          onChange={setEmbed}
        />
        <Checkbox
          label="Secure sign-in only"
          hint="Refuse requests without an authorization code and PKCE. The official SDK will stop working for this license."
          checked={secureOnly}
          onChange={setSecureOnly}
        />
        <button type="submit" className="secondary">
          Save login settings
        </button>
      </form>
    </section>
  );
}
