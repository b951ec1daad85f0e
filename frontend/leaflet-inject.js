// esbuild `inject`: plugins written for a global `L` (leaflet.markercluster) get the bundle's
// own Leaflet instead. Several bundles can be on one page (app, supervision, optimise), each
// with its own copy; a plugin reading window.L could patch another bundle's copy.
import L from "leaflet";

export { L };
