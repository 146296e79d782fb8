// Runs in Node from the installed tarballs: every package loads as ESM, and @keyfob/react renders on
// the server (no `window` at import or render). Prints one JSON line.
import * as client from "@keyfob/client";
import * as connect from "@keyfob/connect";
import * as react from "@keyfob/react";
import { createElement } from "react";
import { renderToString } from "react-dom/server";

react.initializeDimoSDK({
  clientId: "0x1111111111111111111111111111111111111111",
  redirectUri: "https://app.example/",
  environment: "local",
});
const html = renderToString(
  createElement(
    react.DimoAuthProvider,
    null,
    createElement(react.LoginWithDimo, { mode: "popup", onSuccess() {}, onError() {} }),
  ),
);
const url = connect.buildLoginUrl(
  { clientId: "0x1111111111111111111111111111111111111111", loginUrl: "http://localhost:3000" },
  { configurationId: "de70de70-0000-4000-8000-000000000001" },
);
console.log(JSON.stringify({ html, url, client: typeof client.KeyfobClient }));
