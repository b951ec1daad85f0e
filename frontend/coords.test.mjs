// Unit check of the WGS-84 -> GCJ-02 shift against the reference values published with
// eviltransform (Shanghai, Shenzhen, Beijing). Run: npm test
import assert from "node:assert/strict";
import { test } from "node:test";

import { KRASOVSKY_A, KRASOVSKY_EE, displayPoint, wgs84ToGcj02 } from "./coords.js";

const REFERENCE = [
  // wgsLat, wgsLng, gcjLat, gcjLng
  [31.1774276, 121.5272106, 31.17530398364597, 121.531541859215], // Shanghai
  [22.543847, 113.912316, 22.540796131694766, 113.9171764808363], // Shenzhen
  [39.911954, 116.377817, 39.91334545536069, 116.38404722455657], // Beijing
];

test("constants are the Krasovsky 1940 ellipsoid", () => {
  assert.equal(KRASOVSKY_A, 6378245.0);
  // e^2 = 2f - f^2 with f = 1/298.3
  const f = 1 / 298.3;
  assert.ok(Math.abs(KRASOVSKY_EE - (2 * f - f * f)) < 1e-12);
});

test("wgs84ToGcj02 matches the reference points to 1e-7 degrees", () => {
  for (const [wLat, wLng, gLat, gLng] of REFERENCE) {
    const out = wgs84ToGcj02(wLat, wLng);
    assert.ok(Math.abs(out.lat - gLat) < 1e-7, `lat ${out.lat} vs ${gLat}`);
    assert.ok(Math.abs(out.lng - gLng) < 1e-7, `lng ${out.lng} vs ${gLng}`);
  }
});

test("points outside China and wgs84 tiles are not shifted", () => {
  assert.deepEqual(wgs84ToGcj02(48.8566, 2.3522), { lat: 48.8566, lng: 2.3522 });
  assert.deepEqual(displayPoint(30.27, 120.15, "wgs84"), { lat: 30.27, lng: 120.15 });
  assert.notDeepEqual(displayPoint(30.27, 120.15, "gcj02"), { lat: 30.27, lng: 120.15 });
});
