import { useId } from "react";
import { useTranslation } from "react-i18next";
import type { AppInfo, Vehicle } from "../api.ts";
import { Alert } from "../components/Alert.tsx";
import { Title } from "../components/Layout.tsx";
import { useAction } from "../components/useAction.ts";
import { describeError, formatDate, vehicleLabel } from "../format.ts";
import { PrivilegeList } from "./PrivilegeList.tsx";

/** A vehicle already shared with the app: its grant, "Stop sharing" and "Extend (1 year)". */
export function ManageVehicleScreen({
  app,
  vehicle,
  onRevoke,
  onExtend,
}: {
  app: AppInfo;
  vehicle: Vehicle;
  onRevoke: (tokenId: string) => Promise<void>;
  onExtend: (tokenId: string) => Promise<void>;
}) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const { busy, error, run } = useAction();
  const grant = vehicle.grant;
  return (
    <>
      <Title>{t("manage.title", { vehicle: vehicleLabel(t, vehicle) })}</Title>
      {grant && (
        <>
          <p>
            {t("manage.sharedUntil", { name: app.name, date: formatDate(i18n.language, grant.expiresAt) })}
          </p>
          <h2 id={`${ids}-privileges`}>{t("manage.privilegesTitle")}</h2>
          <PrivilegeList privileges={grant.privileges} labelledBy={`${ids}-privileges`} />
          {grant.differsFromRequested && (
            <p className="notice">{t("manage.oldPermissions", { name: app.name })}</p>
          )}
        </>
      )}
      {grant?.extendable === false && <p className="notice">{t("manage.longestAllowed")}</p>}
      <div className="actions">
        {grant?.extendable !== false && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void run(() => onExtend(vehicle.tokenId))}
          >
            {t("manage.extend")}
          </button>
        )}
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => void run(() => onRevoke(vehicle.tokenId))}
        >
          {t("manage.stop")}
        </button>
        <Alert>{error ? `${t("vehicles.actionFailed")} ${describeError(t, error)}` : null}</Alert>
      </div>
    </>
  );
}
