// Positions are read ONLY when the rep acts: check-in, check-out, capturing an outlet's
// coordinates, or asking to see distances (kept on the phone, never sent). No background
// tracking: this module has no watchPosition and nothing calls it on a timer (issue 3, §9).

export function haversineM(lat1, lng1, lat2, lng2) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const a = Math.sin(dLat / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Distance in metres from a position to a customer with coordinates, else null. */
export function distanceTo(position, customer) {
  if (!position || customer?.lat == null || customer?.lng == null) return null;
  return Math.round(haversineM(position.lat, position.lng, customer.lat, customer.lng));
}

/** One reading of the phone's position, with its accuracy and the age of the fix. */
export function capturePosition({ maximumAge = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error("unsupported"));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const now = Date.now();
        resolve({
          lat: Number(pos.coords.latitude.toFixed(7)),
          lng: Number(pos.coords.longitude.toFixed(7)),
          accuracy_m: Math.round(pos.coords.accuracy * 10) / 10,
          fix_age_s: Math.max(0, Math.round((now - pos.timestamp) / 100) / 10),
          device_time: new Date(now).toISOString(),
        });
      },
      (error) => reject(error),
      { enableHighAccuracy: true, timeout: 20000, maximumAge },
    );
  });
}

/** Whether the rep already allowed positions (then distances may be shown without asking). */
export async function positionAllowed() {
  try {
    const status = await navigator.permissions.query({ name: "geolocation" });
    return status.state === "granted";
  } catch {
    return false;
  }
}
