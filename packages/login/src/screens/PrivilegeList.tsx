import { useTranslation } from "react-i18next";

const KNOWN = new Set([1, 2, 3, 4, 5, 6, 7, 8]);

/** Each privilege (connect-protocol.md §5.1) in plain words. */
export function PrivilegeList({ privileges, labelledBy }: { privileges: number[]; labelledBy?: string }) {
  const { t } = useTranslation();
  const sorted = [...new Set(privileges)].sort((a, b) => a - b);
  return (
    <ul className="privileges" aria-labelledby={labelledBy}>
      {sorted.map((id) => (
        <li key={id}>{KNOWN.has(id) ? t(`privilege.${id}`) : t("privilege.unknown", { id })}</li>
      ))}
    </ul>
  );
}
