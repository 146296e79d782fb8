// A browser app outside the repository, type-checked against the packed @keyfob/react and @keyfob/connect.
import { buildLoginUrl, type ConnectResult, getConnectController, PopupBlockedError } from "@keyfob/connect";
import {
  DimoAuthProvider,
  initializeKeyfob,
  LoginWithDimo,
  ShareVehiclesWithDimo,
  useDimoAuthState,
} from "@keyfob/react";

const clientId = "0x1111111111111111111111111111111111111111";

initializeKeyfob({ clientId, redirectUri: "https://app.example/", baseUrl: "https://keyfob.example" });

export function Status() {
  const { isAuthenticated, walletAddress } = useDimoAuthState();
  return <p>{isAuthenticated ? walletAddress : "signed out"}</p>;
}

export function App() {
  return (
    <DimoAuthProvider>
      <Status />
      <LoginWithDimo
        mode="popup"
        onSuccess={(data) => sessionStorage.setItem("token", data.token)}
        onError={(error: Error) => reportError(error)}
      />
      <ShareVehiclesWithDimo
        mode="redirect"
        permissionTemplateId="1"
        onSuccess={() => {}}
        onError={() => {}}
      />
    </DimoAuthProvider>
  );
}

export async function share(): Promise<ConnectResult | undefined> {
  const link: string = buildLoginUrl(
    { clientId },
    { configurationId: "de70de70-0000-4000-8000-000000000001" },
  );
  document.querySelector("a#connect")?.setAttribute("href", link);
  try {
    return await getConnectController().start(
      { clientId, redirectUri: "https://app.example/" },
      { entryState: "VEHICLE_MANAGER" },
      { mode: "popup" },
    );
  } catch (error) {
    if (error instanceof PopupBlockedError) return undefined;
    throw error;
  }
}
