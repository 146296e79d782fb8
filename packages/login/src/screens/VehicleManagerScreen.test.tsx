// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { VehicleList } from "../api.ts";
import { readyFlow, vehicle } from "../testing/fixtures.ts";
import { renderWithI18n } from "../testing/render.tsx";
import { VehicleManagerScreen } from "./VehicleManagerScreen.tsx";

afterEach(cleanup);

const user = { email: "ada@example.com", walletAddress: "0xabc", hasPasskey: false };
const requested = { privileges: [1, 4], expiresAt: "2027-03-12T00:00:00.000Z" };

function setup(vehicles: VehicleList["vehicles"], extra: Parameters<typeof readyFlow>[1] = {}) {
  const flow = readyFlow("VEHICLE_MANAGER", extra);
  const onShare = vi.fn(async (_ids: string[]) => {});
  const onCancel = vi.fn(async () => {});
  const onManage = vi.fn();
  renderWithI18n(
    <VehicleManagerScreen
      app={flow.app}
      request={flow.request}
      user={user}
      loadVehicles={async () => ({ requested, vehicles })}
      onShare={onShare}
      onCancel={onCancel}
      onManage={onManage}
    />,
  );
  return { onShare, onCancel, onManage };
}

const grant = { privileges: [1], expiresAt: "2030-01-01T00:00:00.000Z", differsFromRequested: false };

describe("VehicleManagerScreen", () => {
  it("names the app, its privileges in plain words, the files and the expiry", async () => {
    setup([vehicle("1")], {
      shareVehiclesSectionDescription: "We use your data to find chargers.",
      cloudEvent: { tags: ["DriversLicense", "ServiceRecords"] },
    });
    expect(
      screen.getByRole("heading", {
        level: 1,
        name: "Demo App wants to use Keyfob to connect to your vehicles data",
      }),
    ).toBeTruthy();
    expect(screen.getByText("We use your data to find chargers.")).toBeTruthy();
    expect(screen.getByText(/allow Demo App \(app\.example\) to:/)).toBeTruthy();
    expect(screen.getByText(/ada@example\.com/)).toBeTruthy();
    expect(screen.getByText(/See your vehicle's data and its history/)).toBeTruthy();
    expect(screen.getByText("See your vehicle's location history")).toBeTruthy();
    expect(screen.queryByText(/Send commands/)).toBeNull();
    expect(screen.getByText("Driver's licence")).toBeTruthy();
    expect(screen.getByText("Service records")).toBeTruthy();
    await screen.findByRole("checkbox", { name: /Car 1/ });
    expect(screen.getByText(/ends on March 12, 2027/)).toBeTruthy();
  });

  it("lists shared vehicles first with their expiry and a Manage button", async () => {
    const { onManage } = setup([vehicle("1"), vehicle("2", { name: "Shared car", grant })]);
    const sharedHeading = await screen.findByRole("heading", { name: "Shared with Demo App" });
    const chooseHeading = screen.getByRole("heading", { name: "Choose vehicles to share" });
    expect(
      sharedHeading.compareDocumentPosition(chooseHeading) & Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
    expect(screen.getByText("Shared until January 1, 2030")).toBeTruthy();
    // A shared vehicle cannot be selected again.
    expect(screen.queryByRole("checkbox", { name: /Shared car/ })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Manage sharing of 2021 Tesla Model 2" }));
    expect(onManage).toHaveBeenCalledWith(expect.objectContaining({ tokenId: "2" }), requested);
  });

  it("names a vehicle by year, make and model, with its own name and token id below", async () => {
    setup([vehicle("9", { name: "learn island zoo", make: "Toyota", model: "Prius Prime", year: 2023 })]);
    const box = await screen.findByRole("checkbox", { name: /^2023 Toyota Prius Prime/ });
    expect(box.closest("li")?.textContent).toContain("learn island zoo · Vehicle #9 · BEV");
  });

  it("greys out incompatible vehicles under 'Incompatible' with the reason", async () => {
    setup([
      vehicle("1"),
      vehicle("2", {
        name: "Old Ford",
        make: "Ford",
        compatible: false,
        incompatibleReasons: ["vehicleMakes"],
      }),
      vehicle("3", {
        name: "Diesel",
        powertrainType: "ICE",
        compatible: false,
        incompatibleReasons: ["vehicles", "powertrainTypes"],
      }),
    ]);
    const heading = await screen.findByRole("heading", { name: "Incompatible" });
    const section = heading.closest("section")!;
    const items = within(section).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    for (const item of items) expect(item.className).toContain("incompatible");
    expect(within(section).getByText("Demo App does not accept this make (Ford)")).toBeTruthy();
    expect(within(section).getByText("Not one of the vehicles Demo App asked for")).toBeTruthy();
    expect(within(section).getByText("Demo App does not accept this powertrain (ICE)")).toBeTruthy();
    expect(within(section).queryByRole("checkbox")).toBeNull();
    expect(screen.getAllByRole("checkbox")).toHaveLength(1);
  });

  it("enables Share only with a selection, and shares the selected vehicles", async () => {
    const { onShare } = setup([vehicle("1"), vehicle("2"), vehicle("3")]);
    const share = await screen.findByRole("button", { name: "Share" });
    expect((share as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole("checkbox", { name: /Car 1/ }));
    fireEvent.click(screen.getByRole("checkbox", { name: /Car 3/ }));
    const shareTwo = screen.getByRole("button", { name: "Share 2 vehicles" });
    expect((shareTwo as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(shareTwo);
    await waitFor(() => expect(onShare).toHaveBeenCalledWith(["1", "3"]));
    fireEvent.click(screen.getByRole("checkbox", { name: /Car 1/ }));
    fireEvent.click(screen.getByRole("checkbox", { name: /Car 3/ }));
    expect((screen.getByRole("button", { name: "Share" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("says when all vehicles have been shared; Cancel returns", async () => {
    const { onCancel } = setup([vehicle("1", { grant })]);
    expect(await screen.findByText("All vehicles have been shared.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /^Share/ })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(onCancel).toHaveBeenCalled());
  });

  it("has an empty state, and explains that adding a car is not available yet", async () => {
    setup([], { onboarding: ["tesla"], newVehicleSectionDescription: "Connect a Tesla to get started." });
    expect(await screen.findByRole("heading", { name: "You have no vehicles yet." })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Add a compatible car" })).toBeTruthy();
    expect(screen.getByText("Connect a Tesla to get started.")).toBeTruthy();
    expect(screen.getByText(/not available yet/)).toBeTruthy();
  });

  it("speaks German", async () => {
    const flow = readyFlow("VEHICLE_MANAGER");
    renderWithI18n(
      <VehicleManagerScreen
        app={flow.app}
        request={flow.request}
        user={user}
        loadVehicles={async () => ({ requested, vehicles: [vehicle("1")] })}
        onShare={async () => {}}
        onCancel={async () => {}}
        onManage={() => {}}
      />,
      "de",
    );
    expect(await screen.findByRole("button", { name: "Teilen" })).toBeTruthy();
    expect(screen.getByText(/endet am 12\. März 2027/)).toBeTruthy();
  });
});
