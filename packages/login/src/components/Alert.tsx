import type { ReactNode } from "react";

/** An error message that screen readers announce when it appears. */
export function Alert({ id, children }: { id?: string; children: ReactNode }) {
  if (children === null || children === undefined || children === false || children === "") return null;
  return (
    <p className="alert" role="alert" id={id}>
      {children}
    </p>
  );
}
