// Checking in: one position reading at the moment the rep taps, a client id made here, the
// visit kept on the phone and queued, then its page opens (from the server or, offline, from
// the service worker's shell and this phone's copy).
import { capturePosition, distanceTo } from "./geo.js";
import { enqueue, getKV, newId, putVisit } from "./store.js";
import { syncNow } from "./sync.js";
import { localDate, t, visitUrl } from "./util.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function catalogue() {
  return (await getKV("catalogue")) || { steps: {}, kinds: [], checkin_radius_m: 300 };
}

/** Check in at `customer`; `note(text)` shows progress and errors next to the button. */
export async function checkIn({ customer, kind = "day", stop = null, note = () => {} }) {
  const cat = await catalogue();
  let position = null;
  note(t("locating"));
  try {
    position = await capturePosition({ maximumAge: 0 });
  } catch (error) {
    if (kind !== "phone") {
      note(error?.message === "unsupported" ? t("geoUnsupported") : t("geoFailed"), true);
      return null;
    }
  }
  const clientId = newId();
  const deviceTime = position?.device_time || new Date().toISOString();
  const distance = distanceTo(position, customer);
  const kindInfo = (cat.kinds || []).find((k) => k.value === kind) || { label: kind };
  const visit = {
    client_id: clientId, customer, kind, kind_label: kindInfo.label, date: localDate(),
    is_planned: Boolean(stop?.counts_as_planned), status: "open", status_label: "",
    checked_in_at: deviceTime, checked_out_at: null, duration_s: null,
    lat: position?.lat ?? null, lng: position?.lng ?? null,
    accuracy_m: position?.accuracy_m ?? null, fix_age_s: position?.fix_age_s ?? null,
    distance_m: distance,
    off_site: distance != null && distance > (cat.checkin_radius_m || 300),
    steps: (cat.steps?.[kind] || []).map((s) => ({ ...s, done: false })),
    notes: "", hard_terminal: {}, soft_terminal: {}, next_appointment_at: null,
    photos: [], stock: [], sightings: [], orders: [], commitments: [], follow_ups: [],
    local: true,
  };
  await putVisit(visit);
  await enqueue({
    op: "check_in", client_id: clientId, label: customer.name,
    payload: {
      customer: customer.id, kind, device_time: deviceTime,
      lat: position?.lat ?? null, lng: position?.lng ?? null,
      accuracy_m: position?.accuracy_m ?? null, fix_age_s: position?.fix_age_s ?? null,
    },
  });
  // Online, let the check-in reach the server first so its page renders there; offline (or
  // on a poor signal) the page opens from the phone's copy.
  if (navigator.onLine) await Promise.race([syncNow(), sleep(5000)]);
  window.location.assign(visitUrl(clientId));
  return visit;
}
