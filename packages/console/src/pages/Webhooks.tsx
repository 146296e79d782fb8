import { useCallback, useEffect, useRef, useState } from "react";
import type {
  ConsoleApi,
  Delivery,
  DeliveryAttempt,
  DeliveryStatus,
  TestResult,
  WebhookView,
} from "../api.ts";
import { errorText, link, Notice, PageTitle } from "../components.tsx";

const STATUS: Record<DeliveryStatus, string> = {
  pending: "Pending",
  succeeded: "Delivered",
  failed: "Failed",
  dead: "Dead-lettered",
  cancelled: "Cancelled",
};

function webhookStatus(w: WebhookView): string {
  if (w.status === "failed")
    return `Failed after ${w.failureCount} failed attempt${w.failureCount === 1 ? "" : "s"}: nothing is evaluated or sent`;
  if (w.status === "disabled") return "Disabled";
  return w.failureCount > 0 ? `Enabled (${w.failureCount} failed attempts in a row)` : "Enabled";
}

/** To the second: a delivery log needs it. */
function formatTime(iso: string): string {
  return `${iso.replace("T", " ").slice(0, 19)} UTC`;
}

function latency(ms: number | null): string {
  return ms === null ? "—" : `${ms} ms`;
}

function outcomeText(name: string, r: TestResult): string {
  const code = r.responseStatus === null ? "no response" : `HTTP ${r.responseStatus}`;
  const took = r.latencyMs === null ? "" : ` in ${r.latencyMs} ms`;
  const why = r.error && r.status !== "succeeded" ? ` (${r.error})` : "";
  const verdict = r.status === "succeeded" ? "was delivered" : "was not delivered";
  return `The test event to “${name}” ${verdict}: ${code}${took}${why}. webhook-id ${r.id}.`;
}

/**
 * The license's webhooks (registered through `/v1/webhooks`): their settings and status, a test
 * event, re-enabling a failed one, and each one's delivery log with the attempts of an entry.
 */
export function WebhooksPage({ api, clientId }: { api: ConsoleApi; clientId: string }) {
  const [webhooks, setWebhooks] = useState<WebhookView[] | null>(null);
  const [failure, setFailure] = useState("");
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; message: string }>({
    kind: "ok",
    message: "",
  });
  const [busy, setBusy] = useState("");
  const [open, setOpen] = useState<WebhookView | null>(null);
  /** Bumped after a test event: the open log reloads. */
  const [sent, setSent] = useState(0);

  const load = useCallback(async () => {
    try {
      setWebhooks((await api.webhooks(clientId)).webhooks);
      setFailure("");
    } catch (e) {
      setFailure(errorText(e));
    }
  }, [api, clientId]);

  useEffect(() => {
    void load();
  }, [load]);

  const act = async (key: string, action: () => Promise<{ kind: "ok" | "error"; message: string }>) => {
    setBusy(key);
    setNotice({ kind: "ok", message: "" });
    try {
      setNotice(await action());
    } catch (e) {
      setNotice({ kind: "error", message: errorText(e) });
    } finally {
      setBusy("");
    }
  };

  const sendTest = (w: WebhookView) =>
    act(`test-${w.id}`, async () => {
      const { result } = await api.sendTestEvent(clientId, w.id);
      setSent((n) => n + 1);
      await load();
      return {
        kind: result.status === "succeeded" ? "ok" : "error",
        message: outcomeText(w.displayName, result),
      };
    });

  const enable = (w: WebhookView) =>
    act(`enable-${w.id}`, async () => {
      await api.enableWebhook(clientId, w.id);
      await load();
      return { kind: "ok", message: `“${w.displayName}” is enabled again; its failure count is back to 0.` };
    });

  return (
    <>
      <p className="crumbs">
        <a href="#/">Your licenses</a> › <a href={link(`/licenses/${clientId}`)}>License</a>
      </p>
      <PageTitle>Webhooks</PageTitle>
      <p>
        Webhooks are registered with the <code>/v1/webhooks</code> API and a{" "}
        <a href={link(`/licenses/${clientId}/jwt`)}>developer JWT</a> of this license. Here you see each one's
        deliveries, send a test event and re-enable a webhook that failed.
      </p>
      <Notice kind="error" message={failure} />
      <Notice kind={notice.kind} message={notice.message} />
      {webhooks === null ? (
        !failure && <p role="status">Loading…</p>
      ) : webhooks.length === 0 ? (
        <p role="status">This license has no webhooks yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>
              {webhooks.length} webhook{webhooks.length === 1 ? "" : "s"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Webhook</th>
                <th scope="col">Signal or event</th>
                <th scope="col">Condition</th>
                <th scope="col">Cooldown</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {webhooks.map((w) => (
                <tr key={w.id}>
                  <th scope="row">
                    {w.displayName}
                    <br />
                    <code className="address">{w.targetURL}</code>
                  </th>
                  <td>
                    <code>{w.metricName}</code>
                    <br />
                    <span className="muted">{w.service === "events" ? "event" : "signal"}</span>
                  </td>
                  <td>
                    <code className="address">{w.condition || "true"}</code>
                  </td>
                  <td>{w.coolDownPeriod} s</td>
                  <td>
                    <span className={`state state-${w.status}`}>{webhookStatus(w)}</span>
                  </td>
                  <td>{formatTime(w.createdAt)}</td>
                  <td>
                    <div className="actions">
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Delivery log of ${w.displayName}`}
                        aria-expanded={open?.id === w.id}
                        onClick={() => setOpen(open?.id === w.id ? null : w)}
                      >
                        Delivery log
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Send test event to ${w.displayName}`}
                        disabled={busy !== ""}
                        onClick={() => void sendTest(w)}
                      >
                        Send test event
                      </button>
                      {w.status === "failed" && (
                        <button
                          type="button"
                          aria-label={`Re-enable ${w.displayName}`}
                          disabled={busy !== ""}
                          onClick={() => void enable(w)}
                        >
                          Re-enable
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && <DeliveryLog key={open.id} api={api} clientId={clientId} webhook={open} version={sent} />}
    </>
  );
}

function DeliveryLog({
  api,
  clientId,
  webhook,
  version,
}: {
  api: ConsoleApi;
  clientId: string;
  webhook: WebhookView;
  version: number;
}) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [failure, setFailure] = useState("");
  const [attempts, setAttempts] = useState<{ id: string; list: DeliveryAttempt[] } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    try {
      setDeliveries((await api.deliveries(clientId, webhook.id)).deliveries);
      setFailure("");
    } catch (e) {
      setFailure(errorText(e));
    }
  }, [api, clientId, webhook.id]);

  // Opened: focus moves to the log's heading.
  useEffect(() => {
    heading.current?.focus();
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a test event (version) reloads the log.
  useEffect(() => {
    void load();
  }, [load, version]);

  const showAttempts = async (id: string) => {
    if (attempts?.id === id) return setAttempts(null);
    try {
      setAttempts({ id, list: (await api.delivery(clientId, webhook.id, id)).delivery.attempts });
    } catch (e) {
      setFailure(errorText(e));
    }
  };

  return (
    <section aria-labelledby="delivery-log">
      <h2 id="delivery-log" ref={heading} tabIndex={-1}>
        Delivery log of “{webhook.displayName}”
      </h2>
      <p className="muted">
        Newest first, kept 30 days. Every attempt of a delivery has the same <code>webhook-id</code>; a
        delivery that still fails after the last retry is dead-lettered.
      </p>
      <button type="button" className="secondary" onClick={() => void load()}>
        Refresh the log
      </button>
      <Notice kind="error" message={failure} />
      {deliveries === null ? (
        !failure && <p role="status">Loading…</p>
      ) : deliveries.length === 0 ? (
        <p role="status">Nothing was sent to this webhook yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>
              {deliveries.length} deliver{deliveries.length === 1 ? "y" : "ies"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response code</th>
                <th scope="col">Latency</th>
                <th scope="col">
                  <code>webhook-id</code>
                </th>
                <th scope="col">Vehicle</th>
                <th scope="col">
                  <span className="visually-hidden">Attempts of the delivery</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{formatTime(d.createdAt)}</td>
                  <td>
                    <span className={`state state-${d.status}`}>{STATUS[d.status]}</span>
                    {d.kind === "test" && <span className="muted"> (test)</span>}
                    {d.error && d.status !== "succeeded" && (
                      <>
                        <br />
                        <span className="muted">{d.error}</span>
                      </>
                    )}
                    {d.nextAttemptAt && (
                      <>
                        <br />
                        <span className="muted">Next attempt {formatTime(d.nextAttemptAt)}</span>
                      </>
                    )}
                  </td>
                  <td>{d.attempt}</td>
                  <td>{d.responseStatus ?? "—"}</td>
                  <td>{latency(d.latencyMs)}</td>
                  <td>
                    <code className="address">{d.id}</code>
                  </td>
                  <td>{d.assetDid ? <code className="address">{d.assetDid}</code> : "—"}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      aria-expanded={attempts?.id === d.id}
                      aria-label={`Attempts of delivery ${d.id}`}
                      onClick={() => void showAttempts(d.id)}
                    >
                      Attempts
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {attempts && (
        <div className="table-wrap">
          <table>
            <caption>
              Attempts of delivery <code className="address">{attempts.id}</code>
            </caption>
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">Time</th>
                <th scope="col">Outcome</th>
                <th scope="col">Response code</th>
                <th scope="col">Latency</th>
              </tr>
            </thead>
            <tbody>
              {attempts.list.map((a) => (
                <tr key={a.attempt}>
                  <td>{a.attempt}</td>
                  <td>{formatTime(a.startedAt)}</td>
                  <td>
                    {a.verdict}
                    {a.error ? ` (${a.error})` : ""}
                  </td>
                  <td>{a.responseStatus ?? "—"}</td>
                  <td>{latency(a.latencyMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
