"""The database fault scenario (run by scripts/fault-db, which starts the cluster and the service).

Eight clients register employers as fast as they can while the database is (a) stopped and started
again, then (b) frozen (SIGSTOP of every server process) for longer than the service's timeouts and
thawed. Checks, and prints as figures:
  - during the outage, requests fail fast with 503 (never 500, never a hang past the deadline) and
    /readyz says 503 within its bound;
  - after each, the service recovers without a restart;
  - every acknowledged (201) write is in the database with its audit event.
Exits 1 when a check fails. Standard library only.
"""

import http.client
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

BASE_HOST, BASE_PORT = os.environ["FAULT_BIND"].split(":")
TOKEN = os.environ["FAULT_TOKEN"]
PG_DIR = os.environ["FAULT_PG_DIR"]
PG_PORT = os.environ["FAULT_PG_PORT"]
DATABASE = os.environ["FAULT_DATABASE"]
BOUND = float(os.environ["FAULT_BOUND_SECS"])  # the service's transaction timeout
CLIENTS = 8

results = []  # (phase, started, seconds, status, employer id or None)
results_lock = threading.Lock()
phase = "warm-up"
running = True


def request(method, path, body=None, token=None, timeout=60):
    """One HTTP request: (status, parsed body or None, seconds). Status 0 when the connection failed."""
    conn = http.client.HTTPConnection(BASE_HOST, int(BASE_PORT), timeout=timeout)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    started = time.monotonic()
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        status = response.status
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
    except OSError:
        status, parsed = 0, None
    finally:
        conn.close()
    return status, parsed, time.monotonic() - started


# Business registration numbers: distinct within a run (random ones would collide, a 409, in about
# one run in three at these volumes); `next` on a count is atomic under the GIL.
BRNS = itertools.count(random.randrange(10**7))


def writer():
    while running:
        brn = f"{next(BRNS) % 10**8:08d}"
        body = {"business_registration_number": brn, "name_en": "Fault Test Ltd", "business_address": "1 Fault Road"}
        current = phase
        started = time.monotonic()
        status, parsed, seconds = request("POST", "/v1/employers", body, TOKEN)
        employer = parsed.get("id") if status == 201 and isinstance(parsed, dict) else None
        with results_lock:
            results.append((current, started, seconds, status, employer))


readiness = []  # (phase, seconds, status)


def probe_readiness(during, seconds_total):
    end = time.monotonic() + seconds_total
    while time.monotonic() < end:
        status, _, seconds = request("GET", "/readyz")
        readiness.append((during, seconds, status))
        time.sleep(0.25)


def cluster(action):
    subprocess.run(["scripts/pg-test-cluster", action, PG_DIR, PG_PORT], check=True)


def server_processes():
    with open(os.path.join(PG_DIR, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    return [postmaster] + [int(c) for c in children]


def run_phase(name, seconds):
    global phase
    phase = name
    time.sleep(seconds)


def main():
    global running, phase
    threads = [threading.Thread(target=writer, daemon=True) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    run_phase("warm-up", 3)

    # (a) The database stops (fast shutdown: its sessions are terminated) and comes back.
    phase = "stopped"
    cluster("halt")
    probe_readiness("stopped", 4)
    cluster("resume")
    run_phase("after the stop", 4)

    # (b) The database freezes: every server process stopped, connections open but silent.
    processes = server_processes()
    phase = "frozen"
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    probe_readiness("frozen", BOUND * 2 + 2)
    for pid in processes:
        os.kill(pid, signal.SIGCONT)
    run_phase("after the freeze", 5)
    running = False
    for t in threads:
        t.join(timeout=BOUND * 3)

    failures = report()
    sys.exit(1 if failures else 0)


def acknowledged_in_database(ids):
    """How many of `ids` are stored, each with its audit event; and how many stored were never acknowledged."""
    sql = (
        "SELECT (SELECT count(*) FROM employers e WHERE e.id = ANY(%(ids)s) AND EXISTS ("
        "          SELECT 1 FROM audit_events a WHERE a.entity_id = e.id AND a.action = 'employer.created')),"
        "       (SELECT count(*) FROM employers WHERE NOT (id = ANY(%(ids)s)));"
    ) % {"ids": "'{" + ",".join(ids) + "}'::uuid[]"}
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres", "-d", DATABASE, "-tA", "-F", " "],
        input=sql, capture_output=True, text=True, check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def report():
    failures = []
    phases = ["warm-up", "stopped", "after the stop", "frozen", "after the freeze"]
    print("| phase | requests | 201 | 503 | 500 | other | longest request |")
    print("|---|---|---|---|---|---|---|")
    for name in phases:
        rows = [r for r in results if r[0] == name]
        count = lambda s: sum(1 for r in rows if r[3] == s)
        other = len(rows) - count(201) - count(503) - count(500)
        longest = max((r[2] for r in rows), default=0.0)
        print(f"| {name} | {len(rows)} | {count(201)} | {count(503)} | {count(500)} | {other} | {longest:.2f} s |")
        if count(500):
            failures.append(f"{count(500)} requests answered 500 during '{name}'")
        if other:
            statuses = sorted({r[3] for r in rows if r[3] not in (201, 503, 500)})
            failures.append(f"{other} requests answered neither 201, 503 nor 500 during '{name}': {statuses}")
        if name.startswith("after") and count(201) == 0:
            failures.append(f"no write succeeded '{name}': the service did not recover")
        if longest > BOUND + 1.5:
            failures.append(f"a request took {longest:.2f} s during '{name}', past the {BOUND:.0f} s bound")
    for name in ["stopped", "frozen"]:
        probes = [p for p in readiness if p[0] == name]
        slowest = max((p[1] for p in probes), default=0.0)
        statuses = sorted({p[2] for p in probes})
        print(f"/readyz while {name}: {len(probes)} probes, answers {statuses}, slowest {slowest:.2f} s")
        if 503 not in statuses:
            failures.append(f"/readyz never said 503 while the database was {name}")
        if any(s not in (200, 503) for s in statuses):
            failures.append(f"/readyz answered {statuses} while the database was {name}")
        if slowest > BOUND + 1.5:
            failures.append(f"/readyz took {slowest:.2f} s while the database was {name}")
    acknowledged = [r[4] for r in results if r[3] == 201 and r[4]]
    found, unacknowledged = acknowledged_in_database(acknowledged)
    print(f"acknowledged writes: {len(acknowledged)}; found with their audit event after recovery: {found}; "
          f"stored but not acknowledged (cut off by a deadline or the outage, ambiguous to the client): {unacknowledged}")
    if found != len(acknowledged):
        failures.append(f"{len(acknowledged) - found} acknowledged writes are missing")
    for failure in failures:
        print(f"FAILED: {failure}")
    return failures


if __name__ == "__main__":
    main()
