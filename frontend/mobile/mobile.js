// OutletCRM field app (/m/): mobile pages for reps that keep working without signal.
// Pages: today, visit, customers, tasks, sync, positions (see outletcrm/visits/mobile_views.py).
import "./mobile.css";

import { initCustomers } from "./customers.js";
import { refreshNotifications } from "./notifications.js";
import { initSync, refreshBadge } from "./sync.js";
import { initSweep } from "./sweep.js";
import { initSyncPage } from "./syncpage.js";
import { initTasks } from "./tasks.js";
import { initToday } from "./today.js";
import { initVisit } from "./visit.js";

const PAGES = {
  today: initToday, visit: initVisit, customers: initCustomers, sync: initSyncPage, tasks: initTasks,
  sweep: initSweep,
};

function registerServiceWorker() {
  const body = document.body.dataset;
  if (!("serviceWorker" in navigator) || !body.swUrl) return;
  navigator.serviceWorker.register(body.swUrl, { scope: body.scope }).catch(() => {
    /* without a service worker the app still works online */
  });
}

async function start() {
  registerServiceWorker();
  const init = PAGES[document.body.dataset.page];
  try {
    if (init) await init();
  } finally {
    initSync();
    refreshBadge();
    refreshNotifications();
  }
}

start();
