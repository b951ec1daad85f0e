"""A company's morning (issue 11), for locust 2.x — started by bench/morning_bench.py.

Users (FastHttpUser, loopback only):

- one RepUser per rep, working his day as the field app does: open the today page (/m/, and the
  notification count the page asks for), then for each visit sync the check-in (POST
  /api/v1/sync, then GET /api/v1/me/today as the app does after every sync), upload a photo
  (multipart, POST /api/v1/visits/<visit>/photos), and sync the visit's record, order and
  check-out. Five operations a visit, four visits = a morning's 20 operations, each with a
  client-generated id (uuid4) exactly like the field app. A share of the reps presses
  "optimise my day" once (POST /optimise/day/, the proposal page, POST …/apply/ — what the
  phone's button does). A failed upload stays queued with the same client ids and goes first
  at the rep's next step (the phone's retry), so nothing is lost on the client side;
- SupervisorUser: refreshes the supervisor's day (/visits/day/);
- ManagerUser: opens the KPI page (/visits/kpis/, this month by day).

The pace of every user is a Poisson process whose rate is the level (1×, 2×, 4×, see
bench/morning_bench.py and bench/results/morning.md for the definition) times the user's
rate at 1×. One locust process runs the stages of one server in a row (MorningShape); each
request is recorded with its stage, and the per-stage figures are written as JSON on exit.
The reps' progress and the ledger of every operation sent are kept in a state file across
runs, so the counting afterwards knows every client id that was ever sent.
"""

import json
import os
import random
import time
import uuid
from http.cookiejar import Cookie

import gevent
from locust import LoadTestShape, events, task
from locust.contrib.fasthttp import FastHttpUser
from photo import jpeg

ARGS = {}
COMPANY: dict = {}
STATE: dict = {"reps": {}, "ledger": []}
STAGES: list[tuple[float, float]] = []  # (level, seconds)
CURRENT = {"stage": -1, "level": 1.0}
RECORDS: list[tuple[int, str, float, bool, str]] = []  # stage, name, ms, ok, error
TIMELINE: list[tuple[float, str, bool, str]] = []  # end time (epoch s), name, ok, error
STAGE_TIMES: list[dict] = []
PHOTO = b""


@events.init_command_line_parser.add_listener
def _arguments(parser):
    parser.add_argument("--morning-company", default="", help="company JSON from the seeding")
    parser.add_argument("--morning-state", default="", help="reps' progress and the ledger")
    parser.add_argument("--morning-out", default="", help="per-stage results (JSON)")
    parser.add_argument("--morning-stages", default="1:60", help="level:seconds,…")
    parser.add_argument("--morning-compress", type=float, default=10.0)
    parser.add_argument("--morning-seed", type=int, default=7)
    parser.add_argument("--morning-timeline", default="",
                        help="every request's end time and outcome (JSON), for the fault run")


@events.init.add_listener
def _init(environment, **kwargs):
    global PHOTO
    options = environment.parsed_options
    if options is None or not options.morning_company:
        return
    ARGS.update(vars(options))
    with open(options.morning_company, encoding="utf-8") as handle:
        COMPANY.update(json.load(handle))
    if options.morning_state and os.path.exists(options.morning_state):
        with open(options.morning_state, encoding="utf-8") as handle:
            STATE.update(json.load(handle))
    for part in options.morning_stages.split(","):
        level, seconds = part.split(":")
        STAGES.append((float(level), float(seconds)))
    PHOTO = jpeg()
    RepUser.fixed_count = len(COMPANY["reps"])
    SupervisorUser.fixed_count = len(COMPANY["supervisors"])
    ManagerUser.fixed_count = len(COMPANY["managers"])
    random.seed(options.morning_seed + len(STATE["ledger"]))


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    error = "" if exception is None else str(exception)[:200]
    RECORDS.append((CURRENT["stage"], name, response_time, exception is None, error))
    TIMELINE.append((time.time(), name, exception is None, error[:80]))


def _percentile(values, pct):
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _summary() -> dict:
    stages = []
    for index, (level, seconds) in enumerate(STAGES):
        rows: dict[str, dict] = {}
        for stage, name, ms, ok, error in RECORDS:
            if stage != index:
                continue
            row = rows.setdefault(name, {"times": [], "failures": 0, "errors": {}})
            row["times"].append(ms)
            if not ok:
                row["failures"] += 1
                row["errors"][error] = row["errors"].get(error, 0) + 1
        times = STAGE_TIMES[index] if index < len(STAGE_TIMES) else {}
        elapsed = (times.get("end", time.time()) - times["start"]) if times else seconds
        endpoints = {}
        for name, row in sorted(rows.items()):
            endpoints[name] = {
                "n": len(row["times"]), "failures": row["failures"],
                "rps": len(row["times"]) / elapsed if elapsed else 0,
                "p50": _percentile(row["times"], 50), "p95": _percentile(row["times"], 95),
                "p99": _percentile(row["times"], 99), "max": max(row["times"]),
                "errors": dict(sorted(row["errors"].items(), key=lambda kv: -kv[1])[:5])}
        stages.append({"level": level, "seconds": seconds, "elapsed": elapsed, **times,
                       "endpoints": endpoints})
    return {"stages": stages, "after_stages": sum(1 for r in RECORDS if r[0] >= len(STAGES))}


@events.quitting.add_listener
def _write(environment, **kwargs):
    if not ARGS:
        return
    if STAGE_TIMES and "end" not in STAGE_TIMES[-1]:
        STAGE_TIMES[-1]["end"] = time.time()
    if ARGS.get("morning_state"):
        with open(ARGS["morning_state"], "w", encoding="utf-8") as handle:
            json.dump(STATE, handle)
    if ARGS.get("morning_out"):
        with open(ARGS["morning_out"], "w", encoding="utf-8") as handle:
            json.dump(_summary(), handle, indent=1)
    if ARGS.get("morning_timeline"):
        with open(ARGS["morning_timeline"], "w", encoding="utf-8") as handle:
            json.dump(TIMELINE, handle)


class MorningShape(LoadTestShape):
    """Every user from the start; the stages change only the pace (CURRENT['level'])."""

    def tick(self):
        run_time = self.get_run_time()
        total = 0.0
        for index, (level, seconds) in enumerate(STAGES):
            total += seconds
            if run_time < total:
                if CURRENT["stage"] != index:
                    now = time.time()
                    if STAGE_TIMES:
                        STAGE_TIMES[-1]["end"] = now
                    STAGE_TIMES.append({"start": now})
                    CURRENT.update(stage=index, level=level)
                users = len(COMPANY["reps"]) + len(COMPANY["supervisors"]) + len(
                    COMPANY["managers"])
                return users, 1000
        if STAGE_TIMES and "end" not in STAGE_TIMES[-1]:
            STAGE_TIMES[-1]["end"] = time.time()
            CURRENT["stage"] = len(STAGES)
        return None


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False,
                  None, False, None, None, {})


class Person(FastHttpUser):
    abstract = True
    network_timeout = 60.0
    connection_timeout = 30.0
    per_halfhour = 1.0  # steps of this user in the real peak half-hour (the 1× definition)
    pool: list = []

    def wait_time(self):
        rate = self.per_halfhour * ARGS["morning_compress"] * CURRENT["level"] / 1800
        return random.expovariate(rate)

    def login(self, person: dict) -> None:
        self.person = person
        self.csrf = person["csrf"]
        self.client.cookiejar.set_cookie(_cookie("sessionid", person["session"]))
        self.client.cookiejar.set_cookie(_cookie("csrftoken", self.csrf))
        gevent.sleep(random.uniform(0, self.wait_time()))  # not all at the first second

    def take(self, key: str) -> dict:
        people = COMPANY[key]
        taken = COMPANY.setdefault(f"_{key}_next", 0)
        COMPANY[f"_{key}_next"] = taken + 1
        return people[taken % len(people)]

    def page(self, url: str, name: str, marker: str = "") -> None:
        with self.client.get(url, name=name, catch_response=True,
                             allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif marker and marker not in (response.text or ""):
                response.failure("page without its content")


class SupervisorUser(Person):
    fixed_count = 1
    per_halfhour = 6.0  # the day page every 5 minutes

    def on_start(self):
        self.login(self.take("supervisors"))

    @task
    def day(self):
        self.page("/visits/day/", "GET /visits/day/ (supervisor's day)")


class ManagerUser(Person):
    fixed_count = 1
    per_halfhour = 2.0

    def on_start(self):
        self.login(self.take("managers"))

    @task
    def kpis(self):
        self.page("/visits/kpis/", "GET /visits/kpis/ (KPI page, month by day)")


class RepUser(Person):
    fixed_count = 1
    # The peak half-hour of a rep (08:30–09:00): opens the app and makes his first visit —
    # 4 steps (open, arrive, photo, leave) — and 1 in 10 presses "optimise my day".
    per_halfhour = 4.0

    def on_start(self):
        rep = self.take("reps")
        self.login(rep)
        self.rep = rep
        self.state = STATE["reps"].setdefault(str(rep["id"]), {
            "step": 0, "stop": 0, "visit": None, "pending": [], "optimised": False,
            "opened": 0})

    # --- the queue, as the field app keeps it ----------------------------------------------

    def queue(self, item: dict) -> None:
        self.state["pending"].append(item)
        if item["kind"] == "ops":
            for op in item["ops"]:
                STATE["ledger"].append({"rep": self.rep["id"], "op": op["op"],
                                        "client_id": op["client_id"],
                                        "visit": op.get("visit_client_id")
                                        or op["client_id"],
                                        "lines": len(op["payload"].get("lines", []))})
        else:
            STATE["ledger"].append({"rep": self.rep["id"], "op": "photo",
                                    "client_id": item["client_id"], "visit": item["visit"]})

    def flush(self) -> bool:
        """Upload what waits, oldest first; False (and the rest kept) at the first failure."""
        while self.state["pending"]:
            item = self.state["pending"][0]
            if not (self.sync(item) if item["kind"] == "ops" else self.photo(item)):
                return False
            self.state["pending"].pop(0)
            if item["kind"] == "ops":
                self.page("/api/v1/me/today", "GET /api/v1/me/today (after a sync)")
        return True

    def sync(self, item: dict) -> bool:
        label = "check-in" if item["ops"][0]["op"] == "check_in" else "record, order, check-out"
        with self.client.post("/api/v1/sync", json={"ops": item["ops"]},
                              name=f"POST /api/v1/sync ({label})", catch_response=True,
                              headers={"X-CSRFToken": self.csrf}) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return False
            try:
                results = response.json()["results"]
            except (ValueError, KeyError, TypeError):
                response.failure("not the sync answer")
                return False
            refused = [r for r in results if r.get("status") not in ("applied", "duplicate")]
            if refused:
                response.failure(f"refused: {json.dumps(refused[0].get('error'))[:150]}")
                STATE.setdefault("refused", []).extend(refused)
            return True  # answered: a refused operation is not retried (the phone shows it)

    def photo(self, item: dict) -> bool:
        fields = {"client_id": item["client_id"], "kind": "display", "captured_live": "true",
                  "taken_at": item["taken_at"]}
        body, content_type = _multipart(fields, "image", f"{item['client_id']}.jpg", PHOTO)
        with self.client.post(f"/api/v1/visits/{item['visit']}/photos", data=body,
                              name="POST /api/v1/visits/…/photos (photo)", catch_response=True,
                              headers={"X-CSRFToken": self.csrf,
                                       "Content-Type": content_type}) as response:
            if response.status_code in (200, 201):
                return True
            response.failure(f"HTTP {response.status_code}: {(response.text or '')[:120]}")
            if 400 <= response.status_code < 500 and response.status_code not in (403, 408,
                                                                                  429):
                STATE.setdefault("refused", []).append({"client_id": item["client_id"],
                                                        "status": response.status_code})
                return True
            return False

    # --- the rep's morning, one step a task ---------------------------------------------------

    @task
    def next_step(self):
        step = self.state["step"]
        # Advanced first: a step cut off by the end of a run is not made again with new ids
        # (its operations are already queued, and the final upload sends them).
        self.state["step"] = (step + 1) % 4
        if step == 0:
            self.open_app()
        elif step == 1:
            self.arrive()
        elif step == 2:
            self.take_photo()
        else:
            self.leave()

    def now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())

    def stop(self) -> dict:
        stops = self.rep["stops"]
        return stops[self.state["stop"] % len(stops)]

    def open_app(self):
        self.page("/m/", "GET /m/ (today page)", marker="today-data")
        self.page("/api/v1/notifications/?unread=true&page_size=1",
                  "GET /api/v1/notifications (count)")
        self.state["opened"] += 1
        if self.state["opened"] == 1 and self.rep.get("optimise"):
            self.optimise()
        self.flush()

    def optimise(self):
        with self.client.post("/optimise/day/", name="POST /optimise/day/ (optimise my day)",
                              data={"date": COMPANY["today"], "next": "/m/", "lat": "",
                                    "lng": "", "csrfmiddlewaretoken": self.csrf},
                              catch_response=True, allow_redirects=False,
                              headers={"X-CSRFToken": self.csrf,
                                       "Referer": self.client.base_url + "/m/"}) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/proposal/" not in location:
                response.failure(f"HTTP {response.status_code} → {location[:80]}")
                return
        self.state["optimised"] = True
        proposal = location.split("?")[0]
        self.page(location, "GET /optimise/day/proposal/… (proposal)")
        with self.client.post(proposal + "apply/", name="POST /optimise/day/proposal/…/apply/",
                              data={"next": "/m/", "csrfmiddlewaretoken": self.csrf},
                              catch_response=True, allow_redirects=False,
                              headers={"X-CSRFToken": self.csrf}) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")

    def arrive(self):
        stop = self.stop()
        visit = str(uuid.uuid4())
        self.state["visit"] = visit
        self.queue({"kind": "ops", "ops": [{
            "op": "check_in", "client_id": visit, "payload": {
                "customer": stop["id"], "kind": "day", "device_time": self.now(),
                "lat": stop["lat"] + random.uniform(-0.0003, 0.0003),
                "lng": stop["lng"] + random.uniform(-0.0003, 0.0003),
                "accuracy_m": 12, "fix_age_s": 3}}]})
        self.flush()

    def take_photo(self):
        if not self.state["visit"]:
            return
        self.queue({"kind": "photo", "client_id": str(uuid.uuid4()),
                    "visit": self.state["visit"], "taken_at": self.now()})
        self.flush()

    def leave(self):
        visit = self.state["visit"]
        if not visit:
            return
        stop = self.stop()
        products = COMPANY["products"]
        self.queue({"kind": "ops", "ops": [
            {"op": "record", "client_id": str(uuid.uuid4()), "visit_client_id": visit,
             "payload": {"notes": "货架已整理，补货两箱"}},
            {"op": "order", "client_id": str(uuid.uuid4()), "visit_client_id": visit,
             "payload": {"device_time": self.now(), "lines": [
                 {"product": products[i % len(products)], "quantity": str(6 * (i + 1)),
                  "unit_price": "20.00"} for i in range(random.randint(1, 3))]}},
            {"op": "check_out", "client_id": str(uuid.uuid4()), "visit_client_id": visit,
             "payload": {"device_time": self.now(), "lat": stop["lat"], "lng": stop["lng"],
                         "accuracy_m": 15}},
        ]})
        self.state["visit"] = None
        self.state["stop"] += 1
        self.flush()


def _multipart(fields: dict, file_field: str, filename: str, content: bytes):
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                 f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                 + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
