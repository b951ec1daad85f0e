// "Optimise my day" on the phone's today page (/m/). The rep's position is asked for only when
// the button is pressed, and only to plan the rest of the day from where the rep is; without
// it the server plans from the last visit or the start point. The form then posts normally and
// the server sends the phone back to the today page with the new order and arrival times.

// The page may come from the service worker's cache, rendered in an earlier session: take the
// CSRF token from the current cookie so the post is not refused.
function freshCsrfToken(form) {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match && form.elements.csrfmiddlewaretoken) {
    form.elements.csrfmiddlewaretoken.value = decodeURIComponent(match[1]);
  }
}

function submitWithPosition(form) {
  const note = form.querySelector("[data-optimise-note]");
  const button = form.querySelector("button[type=submit]");
  const send = () => {
    freshCsrfToken(form);
    form.submit();
  };
  if (!navigator.onLine) {
    window.alert(form.dataset.msgOffline);
    return;
  }
  button.disabled = true;
  if (!navigator.geolocation) {
    send();
    return;
  }
  if (note) note.hidden = false;
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      form.elements.lat.value = pos.coords.latitude.toFixed(6);
      form.elements.lng.value = pos.coords.longitude.toFixed(6);
      send();
    },
    () => send(),
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
  );
}

document.addEventListener("submit", (event) => {
  const form = event.target.closest("[data-optimise-day]");
  if (!form) return;
  event.preventDefault();
  submitWithPosition(form);
});
