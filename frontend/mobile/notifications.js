// The unread-notification badge in the field app's top bar. The count comes from the API
// (GET /api/v1/notifications/?unread=true&page_size=1 → {count}); offline the last count
// stays. Only text is written into the page, never HTML.

export async function refreshNotifications() {
  const bell = document.getElementById("m-bell");
  if (!bell || !bell.dataset.countUrl || navigator.onLine === false) return;
  try {
    const response = await fetch(bell.dataset.countUrl, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const body = await response.json();
    const count = Number(body.count) || 0;
    const badge = bell.querySelector(".m-bell-count");
    if (badge) {
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
    }
    bell.dataset.unread = String(count);
  } catch {
    /* no signal or a captive portal: keep the last count */
  }
}
