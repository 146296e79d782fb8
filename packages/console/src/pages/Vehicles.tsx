import { type FormEvent, useCallback, useEffect, useState } from "react";
import type { ConsoleApi, HistoryEntry, SharedVehicle } from "../api.ts";
import { errorText, formatDate, link, Notice, PageTitle, TextField } from "../components.tsx";
import { PRIVILEGES } from "../configuration.ts";

const ACTIONS: Record<string, string> = {
  grant: "Shared",
  extend: "Extended",
  revoke: "Revoked",
  transfer: "Ended by a change of owner",
};

export function VehiclesPage({ api, clientId }: { api: ConsoleApi; clientId: string }) {
  const [search, setSearch] = useState("");
  const [make, setMake] = useState("");
  const [privilege, setPrivilege] = useState("");
  const [vehicles, setVehicles] = useState<SharedVehicle[] | null>(null);
  const [failure, setFailure] = useState("");
  const [history, setHistory] = useState<{ tokenId: number; events: HistoryEntry[] } | null>(null);

  const query = useCallback(() => {
    const q = new URLSearchParams();
    if (search.trim()) q.set("search", search.trim());
    if (make.trim()) q.set("make", make.trim());
    if (privilege) q.set("privilege", privilege);
    return q.toString();
  }, [search, make, privilege]);

  const load = useCallback(async () => {
    try {
      setVehicles((await api.vehicles(clientId, query())).vehicles);
      setFailure("");
    } catch (e) {
      setFailure(errorText(e));
    }
  }, [api, clientId, query]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: loads once; the filter form reloads on submit.
  useEffect(() => {
    void load();
  }, []);

  const filter = (e: FormEvent) => {
    e.preventDefault();
    void load();
  };
  const showHistory = async (tokenId: number) => {
    try {
      setHistory({ tokenId, events: (await api.history(clientId, tokenId)).events });
    } catch (e) {
      setFailure(errorText(e));
    }
  };

  return (
    <>
      <p className="crumbs">
        <a href="#/">Your licenses</a> › <a href={link(`/licenses/${clientId}`)}>License</a>
      </p>
      <PageTitle>Vehicles shared with this license</PageTitle>
      <form onSubmit={filter} className="inline-form" aria-label="Filter vehicles">
        <TextField
          label="Search"
          hint="Token id, name, make, model or owner address."
          value={search}
          onChange={setSearch}
        />
        <TextField label="Make" value={make} onChange={setMake} />
        <div className="field">
          <label htmlFor="privilege-filter">With privilege</label>
          <select id="privilege-filter" value={privilege} onChange={(e) => setPrivilege(e.target.value)}>
            <option value="">Any</option>
            {PRIVILEGES.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.title}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Apply filters</button>
      </form>
      <p>
        <a href={`/api/console/licenses/${clientId}/vehicles.csv?${query()}`} download>
          Download these vehicles as CSV
        </a>
      </p>
      <Notice kind="error" message={failure} />
      {vehicles === null ? (
        <p role="status">Loading…</p>
      ) : vehicles.length === 0 ? (
        <p role="status">
          No vehicles are shared with this license{query() ? " that match these filters" : " yet"}.
        </p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>
              {vehicles.length} shared vehicle{vehicles.length === 1 ? "" : "s"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Vehicle</th>
                <th scope="col">Owner</th>
                <th scope="col">What the app may do</th>
                <th scope="col">Shared until</th>
                <th scope="col">Last data</th>
                <th scope="col">
                  <span className="visually-hidden">History</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {vehicles.map((v) => (
                <tr key={v.tokenId}>
                  <th scope="row">
                    {v.year} {v.make} {v.model}
                    <br />
                    <span className="muted">
                      #{v.tokenId} · {v.name}
                    </span>
                  </th>
                  <td>
                    <code className="address">{v.owner}</code>
                  </td>
                  <td>
                    <ul className="plain">
                      {v.privilegeNames.map((n) => (
                        <li key={n}>{n}</li>
                      ))}
                    </ul>
                  </td>
                  <td>{formatDate(v.expiresAt)}</td>
                  <td>{v.lastSignalAt ? formatDate(v.lastSignalAt) : "No data yet"}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => showHistory(v.tokenId)}
                      aria-label={`History of vehicle ${v.tokenId}`}
                    >
                      History
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {history && (
        <section aria-labelledby="history">
          <h2 id="history">History of vehicle #{history.tokenId}</h2>
          <ol>
            {history.events.map((e) => (
              <li key={`${e.at}-${e.action}`}>
                {formatDate(e.at)}: {ACTIONS[e.action] ?? e.action} by{" "}
                <code className="address">{e.grantor}</code>
                {e.privilegeNames.length > 0 ? ` (${e.privilegeNames.join(", ")})` : ""}
                {e.expiresAt && e.action !== "revoke" ? `, until ${formatDate(e.expiresAt)}` : ""}
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  );
}
