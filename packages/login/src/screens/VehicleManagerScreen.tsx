import { useCallback, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import type { AppInfo, ConnectRequest, SessionUser, Vehicle, VehicleList } from "../api.ts";
import { Alert } from "../components/Alert.tsx";
import { Title } from "../components/Layout.tsx";
import { useAction } from "../components/useAction.ts";
import { describeError, formatDate, vehicleLabel } from "../format.ts";
import { Handled } from "../useConnect.ts";
import { PrivilegeList } from "./PrivilegeList.tsx";

const FILE_TAGS = new Set(["DriversLicense", "Insurance", "ServiceRecords"]);

function VehicleDetails({ vehicle }: { vehicle: Vehicle }) {
  const { t } = useTranslation();
  const label = vehicleLabel(t, vehicle);
  const parts: string[] = [];
  // The vehicle's own name ("learn island zoo"), when the label is its make and model.
  if (vehicle.name?.trim() && vehicle.name.trim() !== label) parts.push(vehicle.name.trim());
  parts.push(t("vehicles.tokenId", { tokenId: vehicle.tokenId }));
  if (vehicle.powertrainType) parts.push(vehicle.powertrainType);
  return (
    <>
      <span className="vehicle-name">{label}</span>
      <span className="vehicle-meta">{parts.join(" · ")}</span>
    </>
  );
}

export function VehicleManagerScreen({
  app,
  request,
  user,
  loadVehicles,
  onShare,
  onCancel,
  onManage,
}: {
  app: AppInfo;
  request: ConnectRequest;
  user: SessionUser | null;
  loadVehicles: () => Promise<VehicleList>;
  onShare: (tokenIds: string[]) => Promise<void>;
  onCancel: () => Promise<void>;
  onManage: (vehicle: Vehicle, requested: VehicleList["requested"]) => void;
}) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const [list, setList] = useState<VehicleList | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const { busy, error, run } = useAction();

  const load = useCallback(() => {
    setLoadError(null);
    loadVehicles().then(setList, (caught: unknown) => {
      if (!(caught instanceof Handled)) setLoadError(caught);
    });
  }, [loadVehicles]);

  useEffect(() => {
    load();
  }, [load]);

  const name = app.name;
  const title = t("vehicles.title", { name, platform: app.platformName });
  const privileges = list?.requested.privileges ?? request.privileges ?? [];
  const expiresAt = list?.requested.expiresAt ?? request.expiresAt;
  const files = (request.cloudEvent?.tags ?? []).filter((tag) => typeof tag === "string" && tag !== "");
  const vehicles = list?.vehicles ?? [];
  const shared = vehicles.filter((v) => v.grant !== null);
  const selectable = vehicles.filter((v) => v.grant === null && v.compatible);
  const incompatible = vehicles.filter((v) => v.grant === null && !v.compatible);

  const toggle = (tokenId: string, on: boolean): void => {
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(tokenId);
      else next.delete(tokenId);
      return next;
    });
  };

  const reasonText = (vehicle: Vehicle, reason: Vehicle["incompatibleReasons"][number]): string => {
    const unknown = t("vehicles.unknownValue");
    if (reason === "vehicleMakes")
      return t("vehicles.reason.vehicleMakes", { name, make: vehicle.make ?? unknown });
    if (reason === "powertrainTypes") {
      return t("vehicles.reason.powertrainTypes", { name, powertrain: vehicle.powertrainType ?? unknown });
    }
    return t("vehicles.reason.vehicles", { name });
  };

  const shareIds = selectable.filter((v) => selected.has(v.tokenId)).map((v) => v.tokenId);

  return (
    <>
      <Title>{title}</Title>
      {request.shareVehiclesSectionDescription && (
        <p className="description">{request.shareVehiclesSectionDescription}</p>
      )}

      <section className="consent" aria-labelledby={`${ids}-consent`}>
        <h2 id={`${ids}-consent`}>{t("vehicles.consentTitle")}</h2>
        {privileges.length > 0 ? (
          <>
            <p>
              {t("vehicles.consentIntro", {
                grantor: user?.email ?? user?.walletAddress ?? "",
                name,
                hostname: app.hostname,
              })}
            </p>
            <PrivilegeList privileges={privileges} />
          </>
        ) : (
          <p>{t("vehicles.noPrivileges", { name })}</p>
        )}
        {files.length > 0 && (
          <>
            <h3 id={`${ids}-files`}>{t("vehicles.filesTitle")}</h3>
            <ul aria-labelledby={`${ids}-files`}>
              {files.map((tag) => (
                <li key={tag}>{FILE_TAGS.has(tag) ? t(`file.${tag}`) : tag}</li>
              ))}
            </ul>
          </>
        )}
        <p>
          {t("vehicles.period", {
            start: formatDate(i18n.language, new Date().toISOString()),
            end: formatDate(i18n.language, expiresAt),
          })}
        </p>
      </section>

      {list === null && loadError === null && (
        <p className="status" role="status">
          <span className="spinner" aria-hidden="true" />
          {t("vehicles.loading")}
        </p>
      )}
      {loadError !== null && (
        <div className="stack">
          <Alert>
            {t("vehicles.loadFailed")} {describeError(t, loadError)}
          </Alert>
          <button type="button" className="secondary" onClick={load}>
            {t("common.tryAgain")}
          </button>
        </div>
      )}

      {list !== null && vehicles.length === 0 && (
        <section className="empty" aria-labelledby={`${ids}-empty`}>
          <h2 id={`${ids}-empty`}>{t("vehicles.empty")}</h2>
          <p>{t("vehicles.emptyHint", { platform: app.platformName })}</p>
        </section>
      )}

      {shared.length > 0 && (
        <section aria-labelledby={`${ids}-shared`}>
          <h2 id={`${ids}-shared`}>{t("vehicles.sharedTitle", { name })}</h2>
          <ul className="vehicles">
            {shared.map((vehicle) => (
              <li key={vehicle.tokenId} className="vehicle shared">
                <span className="vehicle-text">
                  <VehicleDetails vehicle={vehicle} />
                  <span className="vehicle-meta">
                    {t("vehicles.sharedUntil", { date: formatDate(i18n.language, vehicle.grant?.expiresAt) })}
                  </span>
                </span>
                <button
                  type="button"
                  className="secondary small"
                  aria-label={t("vehicles.manageLabel", { vehicle: vehicleLabel(t, vehicle) })}
                  onClick={() => list && onManage(vehicle, list.requested)}
                >
                  {t("vehicles.manage")}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}

      {selectable.length > 0 && (
        <fieldset className="choose">
          <legend>
            <h2>{t("vehicles.chooseTitle")}</h2>
          </legend>
          <ul className="vehicles">
            {selectable.map((vehicle) => {
              const id = `${ids}-v-${vehicle.tokenId}`;
              return (
                <li key={vehicle.tokenId} className="vehicle">
                  <input
                    type="checkbox"
                    id={id}
                    checked={selected.has(vehicle.tokenId)}
                    onChange={(event) => toggle(vehicle.tokenId, event.target.checked)}
                  />
                  <label htmlFor={id} className="vehicle-text">
                    <VehicleDetails vehicle={vehicle} />
                  </label>
                </li>
              );
            })}
          </ul>
        </fieldset>
      )}
      {list !== null && selectable.length === 0 && shared.length > 0 && (
        <p className="notice" role="status">
          {t("vehicles.allShared")}
        </p>
      )}

      {incompatible.length > 0 && (
        <section aria-labelledby={`${ids}-incompatible`}>
          <h2 id={`${ids}-incompatible`}>{t("vehicles.incompatibleTitle")}</h2>
          <p className="hint">{t("vehicles.incompatibleIntro", { name })}</p>
          <ul className="vehicles">
            {incompatible.map((vehicle) => (
              <li key={vehicle.tokenId} className="vehicle incompatible">
                <span className="vehicle-text">
                  <VehicleDetails vehicle={vehicle} />
                  {vehicle.incompatibleReasons.map((reason) => (
                    <span key={reason} className="vehicle-reason">
                      {reasonText(vehicle, reason)}
                    </span>
                  ))}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}

      {request.onboarding.length > 0 && (
        <section aria-labelledby={`${ids}-add`}>
          <h2 id={`${ids}-add`}>{t("vehicles.addTitle")}</h2>
          {request.newVehicleSectionDescription && <p>{request.newVehicleSectionDescription}</p>}
          <p className="hint">{t("vehicles.addUnavailable", { platform: app.platformName })}</p>
        </section>
      )}

      <div className="actions">
        {selectable.length > 0 && (
          <>
            <button
              type="button"
              className="primary"
              disabled={busy || shareIds.length === 0}
              aria-describedby={shareIds.length === 0 ? `${ids}-share-hint` : undefined}
              onClick={() => void run(() => onShare(shareIds))}
            >
              {shareIds.length === 0
                ? t("vehicles.shareNone")
                : t("vehicles.share", { count: shareIds.length })}
            </button>
            {shareIds.length === 0 && (
              <p className="hint" id={`${ids}-share-hint`}>
                {t("vehicles.shareHint")}
              </p>
            )}
          </>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={() => void run(onCancel)}>
          {t("vehicles.cancel")}
        </button>
        <Alert>{error ? `${t("vehicles.actionFailed")} ${describeError(t, error)}` : null}</Alert>
      </div>
    </>
  );
}
