import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import type { ConfigurationRow, ConsoleApi, LicenseDetails, ServerInfo } from "../api.ts";
import {
  Checkbox,
  CopyButton,
  errorText,
  link,
  Notice,
  PageTitle,
  Snippet,
  TextField,
} from "../components.tsx";
import {
  COMPONENTS,
  type ComponentId,
  type ConfigForm,
  configurationLink,
  emptyForm,
  formProblems,
  fromConfiguration,
  keyfobReactSnippet,
  officialSdkSnippet,
  POWERTRAINS,
  PRIVILEGES,
  plainUrl,
  previewModel,
  TEMPLATES,
  toConfiguration,
} from "../configuration.ts";

export function Configurator({
  api,
  info,
  clientId,
  configurationId,
}: {
  api: ConsoleApi;
  info: ServerInfo;
  clientId: string;
  configurationId: string | null;
}) {
  const [details, setDetails] = useState<LicenseDetails | null>(null);
  const [form, setForm] = useState<ConfigForm | null>(null);
  const [saved, setSaved] = useState<ConfigurationRow | null>(null);
  const [tried, setTried] = useState(false);
  const [notice, setNotice] = useState<{ message: string; kind: "ok" | "error" }>({
    message: "",
    kind: "ok",
  });

  useEffect(() => {
    (async () => {
      const d = await api.license(clientId);
      setDetails(d);
      if (configurationId) {
        const { configurations } = await api.configurations(clientId);
        const row = configurations.find((c) => c.id === configurationId);
        if (!row) throw new Error("not found");
        setSaved(row);
        setForm(fromConfiguration(row.configuration_name, row.configuration));
      } else {
        setForm(emptyForm(d.redirectUris[0]?.uri ?? ""));
      }
    })().catch((e: unknown) => setNotice({ message: errorText(e), kind: "error" }));
  }, [api, clientId, configurationId]);

  if (!details || !form)
    return notice.message ? <Notice kind="error" message={notice.message} /> : <p role="status">Loading…</p>;

  const problems = tried ? formProblems(form) : {};
  const set =
    <K extends keyof ConfigForm>(key: K) =>
    (value: ConfigForm[K]) =>
      setForm({ ...form, [key]: value });
  const isShare = form.component === "ShareVehiclesWithDimo";

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(formProblems(form)).length > 0) {
      setNotice({ message: "Some fields need attention: see the messages next to them.", kind: "error" });
      return;
    }
    try {
      const configuration = toConfiguration(form);
      const { configuration: row } = saved
        ? await api.updateConfiguration(saved.id, form.name.trim(), configuration)
        : await api.createConfiguration(clientId, form.name.trim(), configuration);
      setSaved(row);
      setNotice({ message: `Configuration saved. Its id is ${row.id}.`, kind: "ok" });
      if (!saved)
        window.history.replaceState(null, "", link(`/licenses/${clientId}/configurations/${row.id}`));
    } catch (err) {
      setNotice({ message: errorText(err), kind: "error" });
    }
  };

  const defaultBrand = details.brands.find((b) => b.isDefault) ?? null;
  const brand =
    details.brands.find((b) => b.name.toLowerCase() === form.brandName.trim().toLowerCase()) ?? defaultBrand;
  const preview = previewModel(form, {
    alias: details.license.alias,
    clientId,
    platformName: info.platformName,
    brand,
  });
  const loginOrigin = new URL(info.loginUrl).origin;

  return (
    <>
      <p className="crumbs">
        <a href="#/">Your licenses</a> ›{" "}
        <a href={link(`/licenses/${clientId}`)}>{details.license.alias ?? clientId}</a>
      </p>
      <PageTitle>{saved ? `Configuration “${saved.configuration_name}”` : "New configuration"}</PageTitle>
      <div className="configurator">
        <form onSubmit={save} noValidate className="config-form">
          <TextField
            label="Configuration name"
            value={form.name}
            onChange={set("name")}
            problem={problems.name}
            required
          />
          <fieldset>
            <legend>Component</legend>
            {COMPONENTS.map((c) => (
              <Radio
                key={c.id}
                name="component"
                label={c.label}
                checked={form.component === c.id}
                onChange={() => set("component")(c.id as ComponentId)}
              />
            ))}
            {form.component === "ExecuteAdvancedTransactionWithDimo" && (
              <p className="hint">
                Advanced transactions are not available on this server yet: such a link shows a message saying
                so.
              </p>
            )}
          </fieldset>
          <SelectField
            label="Redirect URI"
            value={form.redirectUri}
            onChange={set("redirectUri")}
            options={details.redirectUris.map((r) => r.uri)}
            problem={problems.redirectUri}
          />
          <TextField
            label="UTM parameters"
            hint="Added to the redirect URI when people come back, such as utm_source=newsletter&utm_campaign=spring."
            value={form.utm}
            onChange={set("utm")}
            problem={problems.utm}
          />
          {isShare && (
            <>
              <TextField
                label="Sharing ends on"
                type="date"
                hint="Leave empty for no practical limit."
                value={form.expirationDate}
                onChange={set("expirationDate")}
                problem={problems.expirationDate}
              />
              <fieldset>
                <legend>Permissions</legend>
                <Radio
                  name="permission-mode"
                  label="A template"
                  checked={form.permissionMode === "template"}
                  onChange={() => set("permissionMode")("template")}
                />
                <Radio
                  name="permission-mode"
                  label="Choose privileges"
                  checked={form.permissionMode === "custom"}
                  onChange={() => set("permissionMode")("custom")}
                />
                {form.permissionMode === "template" ? (
                  <SelectField
                    label="Template"
                    value={form.templateId}
                    onChange={set("templateId")}
                    options={TEMPLATES.map((t) => t.id)}
                    labels={TEMPLATES.map((t) => t.label)}
                  />
                ) : (
                  <fieldset
                    className="privileges"
                    aria-describedby={problems.privileges ? "privileges-problem" : undefined}
                  >
                    <legend>Privileges</legend>
                    {PRIVILEGES.map((p) => (
                      <Checkbox
                        key={p.id}
                        label={`${p.title} (${p.key})`}
                        hint={p.words}
                        checked={form.privileges.includes(p.id)}
                        onChange={(on) =>
                          set("privileges")(
                            on
                              ? [...form.privileges, p.id].sort()
                              : form.privileges.filter((x) => x !== p.id),
                          )
                        }
                      />
                    ))}
                    {problems.privileges && (
                      <p id="privileges-problem" className="problem">
                        {problems.privileges}
                      </p>
                    )}
                  </fieldset>
                )}
              </fieldset>
            </>
          )}
          <fieldset>
            <legend>Vehicle filters</legend>
            <TextField
              label="Only these vehicles (token ids)"
              hint="Comma-separated; empty for any."
              value={form.vehicles}
              onChange={set("vehicles")}
              problem={problems.vehicles}
            />
            <TextField
              label="Only these makes"
              hint="Comma-separated, such as Tesla, Ford."
              value={form.vehicleMakes}
              onChange={set("vehicleMakes")}
            />
            <fieldset>
              <legend>Only these powertrains</legend>
              {POWERTRAINS.map((p) => (
                <Checkbox
                  key={p.id}
                  label={p.label}
                  checked={form.powertrainTypes.includes(p.id)}
                  onChange={(on) =>
                    set("powertrainTypes")(
                      on ? [...form.powertrainTypes, p.id] : form.powertrainTypes.filter((x) => x !== p.id),
                    )
                  }
                />
              ))}
            </fieldset>
          </fieldset>
          <Checkbox
            label="Offer “Add a compatible car” (onboarding)"
            checked={form.onboarding}
            onChange={set("onboarding")}
          />
          <fieldset>
            <legend>Branding and texts</legend>
            <SelectField
              label="Brand"
              value={form.brandName}
              onChange={set("brandName")}
              options={["", ...details.brands.map((b) => b.name)]}
              labels={[
                defaultBrand ? `The default brand (${defaultBrand.name})` : "No brand",
                ...details.brands.map((b) => b.name),
              ]}
            />
            <Checkbox
              label="Use the alternative title (“Login to … using …”)"
              checked={form.altTitle}
              onChange={set("altTitle")}
            />
            <TextField
              label="Terms of service link"
              value={form.tosUrl}
              onChange={set("tosUrl")}
              problem={problems.tosUrl}
              inputMode="url"
            />
            <TextField
              label="Privacy policy link"
              value={form.privacyPolicyUrl}
              onChange={set("privacyPolicyUrl")}
              problem={problems.privacyPolicyUrl}
              inputMode="url"
            />
            <TextField
              label="Text above the vehicle list"
              value={form.shareVehiclesSectionDescription}
              onChange={set("shareVehiclesSectionDescription")}
              multiline
            />
            <TextField
              label="Text of the “Add vehicle” section"
              value={form.newVehicleSectionDescription}
              onChange={set("newVehicleSectionDescription")}
              multiline
            />
            <TextField
              label="Button label when signed in"
              hint="An SDK prop, used in the snippets."
              value={form.authenticatedLabel}
              onChange={set("authenticatedLabel")}
            />
            <TextField
              label="Button label when signed out"
              hint="An SDK prop, used in the snippets."
              value={form.unAuthenticatedLabel}
              onChange={set("unAuthenticatedLabel")}
            />
            <SelectField
              label="Opens as"
              value={form.mode}
              onChange={(v) => set("mode")(v as ConfigForm["mode"])}
              options={["redirect", "popup"]}
              labels={["A redirect", "A popup"]}
            />
          </fieldset>
          {form.component === "ExecuteAdvancedTransactionWithDimo" && (
            <fieldset>
              <legend>Transaction</legend>
              <TextField label="Value" value={form.value} onChange={set("value")} />
              <TextField label="ABI (JSON)" value={form.abi} onChange={set("abi")} multiline />
              <TextField label="Function name" value={form.functionName} onChange={set("functionName")} />
              <TextField label="Arguments (comma-separated)" value={form.args} onChange={set("args")} />
            </fieldset>
          )}
          <Notice kind={notice.kind} message={notice.message} />
          <button type="submit">{saved ? "Save changes" : "Save configuration"}</button>
        </form>
        <ConsentPreview preview={preview} />
      </div>
      {saved && <Result info={info} loginOrigin={loginOrigin} clientId={clientId} row={saved} />}
    </>
  );
}

function Result({
  loginOrigin,
  clientId,
  row,
}: {
  info: ServerInfo;
  loginOrigin: string;
  clientId: string;
  row: ConfigurationRow;
}) {
  const url = configurationLink(loginOrigin, row.id);
  return (
    <section aria-labelledby="use-it" className="result">
      <h2 id="use-it">Use this configuration</h2>
      <dl className="facts">
        <dt>Configuration id</dt>
        <dd>
          <code>{row.id}</code>
        </dd>
        <dt>Link</dt>
        <dd>
          <a href={url} data-testid="configuration-link">
            {url}
          </a>{" "}
          <CopyButton text={url} label="Copy link" />
        </dd>
      </dl>
      <Snippet
        title="The same request as a plain URL"
        code={plainUrl(loginOrigin, clientId, row.configuration)}
      />
      <Snippet
        title="@keyfob/react"
        code={keyfobReactSnippet(loginOrigin, clientId, row.configuration, row.id)}
      />
      <Snippet
        title="Official SDK (login-with-dimo)"
        code={officialSdkSnippet(clientId, row.configuration)}
      />
    </section>
  );
}

/** What the sign-in page will show, drawn from the form as it is now (connect-protocol.md §9). */
function ConsentPreview({ preview }: { preview: ReturnType<typeof previewModel> }) {
  const button = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    // Through the CSSOM: the page's CSP allows no inline style attributes.
    button.current?.style.setProperty("--brand", preview.primaryColor);
    button.current?.style.setProperty("--on-brand", textOn(preview.primaryColor));
  }, [preview.primaryColor]);
  return (
    <aside className="preview" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview of the consent screen</h2>
      <div className="phone">
        {preview.logoUrl && <img src={preview.logoUrl} alt="" className="preview-logo" />}
        <p className="preview-title">{preview.title}</p>
        <p className="muted">{preview.hostname}</p>
        <p>{preview.consent}</p>
        {preview.shareText && <p>{preview.shareText}</p>}
        {preview.privileges.length > 0 && (
          <ul>
            {preview.privileges.map((p) => (
              <li key={p.id}>{p.title}</li>
            ))}
          </ul>
        )}
        {preview.filters.length > 0 && <p className="muted">{preview.filters.join(" · ")}</p>}
        {preview.expires && <p>Until {preview.expires}</p>}
        {preview.onboarding && (
          <p>Add a compatible car{preview.newVehicleText ? `: ${preview.newVehicleText}` : ""}</p>
        )}
        <span ref={button} className="preview-button">
          Continue
        </span>
      </div>
    </aside>
  );
}

/** Black or white, whichever contrasts more with the colour (WCAG relative luminance). */
function textOn(hex: string): string {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#000000" : "#FFFFFF";
}

function Radio({
  name,
  label,
  checked,
  onChange,
}: {
  name: string;
  label: string;
  checked: boolean;
  onChange: () => void;
}) {
  const id = useId();
  return (
    <div className="check">
      <input id={id} type="radio" name={name} checked={checked} onChange={onChange} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

function SelectField({
  label,
  value,
  onChange,
  options,
  labels,
  problem,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: string[];
  labels?: string[];
  problem?: string | undefined;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
      >
        {options.length === 0 && <option value="">No redirect URIs yet</option>}
        {options.map((o, i) => (
          <option key={o} value={o}>
            {labels?.[i] ?? o}
          </option>
        ))}
      </select>
      {problem && (
        <p id={`${id}-problem`} className="problem">
          {problem}
        </p>
      )}
    </div>
  );
}
