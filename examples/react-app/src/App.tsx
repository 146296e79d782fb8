import {
  type AuthData,
  ConnectError,
  DimoSDKModes,
  LoginWithDimo,
  ShareVehiclesWithDimo,
} from "@keyfob/react";
import { useCallback, useEffect, useState } from "react";

interface Signal {
  timestamp: string;
  value: number;
}

interface VehicleRow {
  tokenId: number;
  name: string;
  definition: { make: string | null; model: string | null; year: number | null } | null;
  latest: ({ lastSeen: string | null } & Record<string, Signal | null | string>) | null;
  error: string | null;
}

interface Me {
  walletAddress: string;
  email: string | null;
}

/** A sentence a user understands, for each way an attempt can end without a result. */
export function describeError(error: Error): string {
  if (error instanceof ConnectError) {
    switch (error.code) {
      case "popup_blocked":
        return "Your browser blocked the sign-in window. Allow pop-ups for this site, or use the redirect button.";
      case "closed_by_user":
        return "You closed the sign-in window before finishing.";
      case "refused":
        return `Nothing was shared: ${error.message}`;
      case "timed_out":
        return "The sign-in took too long. Please try again.";
      default:
        return `Sign-in failed: ${error.message}`;
    }
  }
  return `Sign-in failed: ${error.message}`;
}

function value(row: VehicleRow, signal: string, unit: string): string {
  const entry = row.latest?.[signal];
  if (!entry || typeof entry === "string") return "—";
  return `${Math.round(entry.value * 10) / 10} ${unit}`;
}

export function App({ subscribe }: { subscribe: (notify: (text: string) => void) => () => void }) {
  const [me, setMe] = useState<Me | null>(null);
  const [vehicles, setVehicles] = useState<VehicleRow[] | null>(null);
  const [notice, setNotice] = useState("");

  const refresh = useCallback(async () => {
    const who = await fetch("/api/me", { cache: "no-store" });
    if (!who.ok) {
      setMe(null);
      setVehicles(null);
      return;
    }
    setMe((await who.json()) as Me);
    const list = await fetch("/api/vehicles", { cache: "no-store" });
    setVehicles(list.ok ? ((await list.json()) as { vehicles: VehicleRow[] }).vehicles : []);
  }, []);

  useEffect(() => {
    const unsubscribe = subscribe((text) => {
      setNotice(text);
      void refresh();
    });
    void refresh();
    return unsubscribe;
  }, [refresh, subscribe]);

  const callbacks = {
    onSuccess: (data: AuthData) => {
      const shared = data.sharedVehicles?.length ?? 0;
      setNotice(data.sharedVehicles ? `Shared ${shared} vehicle${shared === 1 ? "" : "s"}.` : "Signed in.");
      void refresh();
    },
    onError: (error: Error) => setNotice(describeError(error)),
  };

  async function signOut(): Promise<void> {
    await fetch("/api/logout", { method: "POST" });
    setNotice("Signed out.");
    await refresh();
  }

  return (
    <main
      style={{ fontFamily: "system-ui, sans-serif", maxWidth: 760, margin: "2rem auto", padding: "0 1rem" }}
    >
      <h1>Fleet Glance</h1>
      <p data-testid="who">{me ? `Signed in as ${me.walletAddress}` : "Signed out"}</p>
      <p role="status" data-testid="notice">
        {notice}
      </p>

      {me === null ? (
        <>
          <section aria-label="Sign in">
            <h2>Sign in</h2>
            <LoginWithDimo mode={DimoSDKModes.POPUP} popupBlocked="redirect" {...callbacks}>
              Sign in with Keyfob
            </LoginWithDimo>
          </section>
          <section aria-label="Embedded sign-in">
            <h2>Or sign in right here</h2>
            <LoginWithDimo mode={DimoSDKModes.EMBED} {...callbacks}>
              Sign in on this page
            </LoginWithDimo>
          </section>
        </>
      ) : (
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      )}

      <section aria-label="Share vehicles">
        <h2>Share your vehicles</h2>
        <p>Fleet Glance shows each vehicle's speed, odometer and charge or fuel level.</p>
        <ShareVehiclesWithDimo
          mode={DimoSDKModes.POPUP}
          permissionTemplateId="1"
          brandColor="#1f4e79"
          {...callbacks}
        >
          Share vehicles (pop-up)
        </ShareVehiclesWithDimo>
        <ShareVehiclesWithDimo
          mode={DimoSDKModes.REDIRECT}
          permissionTemplateId="1"
          style={{ marginTop: 8 }}
          {...callbacks}
        >
          Share vehicles (redirect)
        </ShareVehiclesWithDimo>
      </section>

      {me !== null ? (
        <section aria-label="Your vehicles">
          <h2>Your shared vehicles</h2>
          {vehicles === null ? (
            <p>Loading…</p>
          ) : vehicles.length === 0 ? (
            <p>No vehicles shared with Fleet Glance yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Vehicle</th>
                  <th scope="col">Speed</th>
                  <th scope="col">Odometer</th>
                  <th scope="col">Battery</th>
                  <th scope="col">Fuel</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {vehicles.map((row) => (
                  <tr key={row.tokenId}>
                    <th scope="row">
                      {[row.definition?.year, row.definition?.make, row.definition?.model]
                        .filter(Boolean)
                        .join(" ") || row.name}
                    </th>
                    <td>{value(row, "speed", "km/h")}</td>
                    <td>{value(row, "powertrainTransmissionTravelledDistance", "km")}</td>
                    <td>{value(row, "powertrainTractionBatteryStateOfChargeCurrent", "%")}</td>
                    <td>{value(row, "powertrainFuelSystemRelativeLevel", "%")}</td>
                    <td>{row.error ?? row.latest?.lastSeen ?? "never"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <button type="button" onClick={() => void refresh()}>
            Refresh
          </button>
        </section>
      ) : null}
    </main>
  );
}
