"""The mixed workload of caseworkers, for locust (run by `manage.py loadtest`, not by hand).

Each simulated caseworker is one generated caseworker, signed in by a session made for them
(casework.scale.sessions), working through their own cases with no pause: 80% reads (their
case pages and dashboard), 20% writes (notes, and now and then a transition). Successes are
what the app answers for a done action: 200 for a page, 302 (redirect back) for a write.
Stand-alone on purpose: locust patches the standard library with gevent, Django is not loaded.
FastHttpUser (geventhttpclient) rather than HttpUser (requests): the load generator shares the
machine's two cores with the app and PostgreSQL, and costs several times less CPU per request.
"""

import collections
import http.cookiejar
import itertools
import json
import os
import random
import uuid

from locust import FastHttpUser, constant, events, task

with open(os.environ["LOADTEST_PLAN"]) as handle:
    PLAN = json.load(handle)
_next_person = itertools.count()
# Successes by request name, written when locust quits: the exact figures reconciliation needs
# (locust's CSV is a periodic snapshot that can miss the last requests).
SUCCEEDED = collections.Counter()


@events.quitting.add_listener
def _write_tally(environment, **kwargs):
    with open(os.environ["LOADTEST_TALLY"], "w") as handle:
        json.dump(SUCCEEDED, handle)


def _cookie(name: str, value: str) -> http.cookiejar.Cookie:
    """A cookie for 127.0.0.1, as the server would have set it at sign-in."""
    return http.cookiejar.Cookie(
        version=0, name=name, value=value, port=None, port_specified=False,
        domain="127.0.0.1", domain_specified=False, domain_initial_dot=False, path="/",
        path_specified=True, secure=False, expires=None, discard=True, comment=None,
        comment_url=None, rest={}, rfc2109=False,
    )


class Caseworker(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.person = PLAN["people"][next(_next_person) % len(PLAN["people"])]
        self.client.cookiejar.set_cookie(_cookie(PLAN["session_cookie"], self.person["session"]))
        self.movable = list(self.person["movable"])
        random.shuffle(self.movable)
        self.dashboard()  # sets the CSRF cookie the forms need
        self.csrf = next((cookie.value for cookie in self.client.cookiejar
                          if cookie.name == PLAN["csrf_cookie"]), "")

    def _case(self):
        return random.choice(self.person["cases"])

    def _expect(self, response, status):
        if response.status_code == status:
            response.success()
            SUCCEEDED[response.request_meta["name"]] += 1
        else:
            response.failure(f"status {response.status_code}")

    @task(50)
    def case_page(self):
        with self.client.get(f"/cases/{self._case()}/", name="case page",
                             catch_response=True) as response:
            self._expect(response, 200)

    @task(30)
    def dashboard(self):
        with self.client.get("/", name="dashboard", catch_response=True) as response:
            self._expect(response, 200)

    @task(17)
    def add_note(self):
        # A fresh one-time token per note, as the page's form carries (casework.submissions).
        data = {"csrfmiddlewaretoken": self.csrf, "text": "Phoned; no new concerns.",
                "sensitivity": "standard", "submission_token": str(uuid.uuid4())}
        with self.client.post(f"/cases/{self._case()}/note/", data=data, name="add note",
                              allow_redirects=False, catch_response=True) as response:
            self._expect(response, 302)

    @task(3)
    def transition(self):
        if not self.movable:
            return self.add_note()
        reference, stage = self.movable.pop()
        data = {"csrfmiddlewaretoken": self.csrf, "name": PLAN["transition"],
                "expected_stage": stage, "reason": "Immediate risk reported by the school."}
        with self.client.post(f"/cases/{reference}/transition/", data=data, name="transition",
                              allow_redirects=False, catch_response=True) as response:
            self._expect(response, 302)
