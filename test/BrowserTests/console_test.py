#!/usr/bin/env python3
"""The web console in a real browser: headless Chromium driven by Selenium, against live servers.

test/IntegrationTests/ConsoleBrowserTests.swift starts two servers (one open, one with tokens on) and runs this file:

    python3 test/BrowserTests/console_test.py --open http://127.0.0.1:PORT --secured http://127.0.0.1:PORT \
        --token SECRET --screenshots DIR

Every test reads the browser's log at its end and fails on a JavaScript error; a failed test saves a screenshot of
the page in DIR. With --readme-screenshot PATH it only fills the open server with sample traffic and saves the topics
page (the README's picture).

Chromium and its driver come from apt (chromium, chromium-driver), Selenium from pip (selenium).
"""

import argparse
import json
import math
import os
import shutil
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ARGUMENTS = None
PAGES = ["#/topics", "#/topics/{topic}", "#/subscriptions", "#/projections", "#/projections/{topic}/carts",
         "#/projections/{topic}/stats", "#/health"]


def api(base, method, path, body=None, token=None, expect=(200, 201, 202, 204)):
    """Calls the REST API; answers (status, parsed body or None)."""
    request = urllib.request.Request(base + path, method=method)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, data, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    if status not in expect:
        raise AssertionError(f"{method} {path} answered {status}: {text[:500]!r}")
    return status, (json.loads(text) if text else None)


def publish(base, topic, events, token=None):
    _, answer = api(base, "POST", f"/topics/{topic}/events", {"events": events}, token)
    return answer


def browser(width=1280, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("EVENTSTORE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}",
                     "--no-first-run", "--disable-extensions"]:
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("EVENTSTORE_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


class ConsoleTestCase(unittest.TestCase):
    """One browser for the whole class; each test's browser log is checked, and a failure saves a screenshot."""

    @classmethod
    def setUpClass(cls):
        cls.driver = browser()
        cls.base = ARGUMENTS.open

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def setUp(self):
        self.driver.set_window_size(1280, 900)
        self.driver.get("about:blank")  # each test loads the console afresh (no page state from the one before)
        self.driver.get_log("browser")  # start from an empty log

    def run(self, result=None):
        failures = len(result.failures) + len(result.errors) if result else 0
        outcome = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > failures:
            os.makedirs(ARGUMENTS.screenshots, exist_ok=True)
            path = os.path.join(ARGUMENTS.screenshots, self.id().split(".")[-1] + ".png")
            try:
                self.driver.save_screenshot(path)
                print(f"screenshot of the failed test: {path}", file=sys.stderr)
            except Exception as error:  # the browser itself may be what failed
                print(f"no screenshot: {error}", file=sys.stderr)
        return outcome

    def tearDown(self):
        errors = [entry for entry in self.driver.get_log("browser")
                  if entry["level"] == "SEVERE" and entry.get("source") != "network"]
        self.assertEqual(errors, [], "JavaScript errors in the browser log")

    # helpers

    def open(self, base, fragment):
        self.driver.get(base + "/console" + fragment)

    def wait(self, condition, timeout=10, message=""):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.02).until(condition, message)

    def element(self, css, timeout=10):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout, f"no visible {css}")

    def text_appears(self, css, text, timeout=10):
        self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), timeout,
                  f"'{text}' did not appear in {css}")

    def click(self, css, timeout=10):
        """Clicks the element, found again if a page refresh replaced it in between."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.element(css, timeout).click()
            except StaleElementReferenceException:
                if time.monotonic() > deadline:
                    raise

    def text_of(self, css, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.element(css, timeout).text
            except StaleElementReferenceException:
                if time.monotonic() > deadline:
                    raise

    def fill(self, css, value):
        field = self.element(css)
        field.clear()
        field.send_keys(value)

    def offsets(self, css):
        # In one script: the page may replace the list between two WebDriver calls.
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((item) => Number(item.dataset.offset))", css + " li.event")

    def confirm(self):
        self.click("#confirm-dialog[open] #confirm-ok")
        self.wait(lambda driver: not driver.find_element(By.ID, "confirm-dialog").get_attribute("open"))


class OpenServerTests(ConsoleTestCase):
    topic = "browser-orders"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        api(cls.base, "POST", "/topics", {"name": cls.topic, "adapter": "memory", "projections": [
            {"name": "stats", "kind": "stats"},
            {"name": "carts", "kind": "state-by-key", "types": ["CartChanged"], "delete_types": ["CartPaid"]}]})
        publish(cls.base, cls.topic, [
            {"type": "OrderPlaced", "key": "order-1", "tags": ["customer:7"], "data": {"total": 12.5}},
            {"type": "CartChanged", "key": "cart-7", "data": {"items": {"apple": 2}, "note": "<b>not markup</b>"}},
            {"type": "OrderPaid", "key": "order-1", "tags": ["customer:7"], "data": {"big": 12345678901234567890}},
            {"type": "OrderPlaced", "key": "order-2", "tags": ["customer:9"], "data": {"total": 3}},
            {"type": "CartChanged", "key": "cart-7", "data": {"items": {"pear": 1}}},
        ])

    def test_every_page_loads_without_errors(self):
        markers = {"#/topics": f'tr[data-topic="{self.topic}"]', "#/topics/{topic}": "#event-list li.event",
                   "#/subscriptions": "#subscriptions-table tbody tr", "#/projections": "#projections-table tbody tr",
                   "#/projections/{topic}/carts": "#entries-table tbody tr", "#/projections/{topic}/stats": "#projection-value",
                   "#/health": f'#health-table tr[data-topic="{self.topic}"]'}
        for page in PAGES:
            with self.subTest(page=page):
                self.open(self.base, page.format(topic=self.topic))
                self.element(markers[page])
                self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "main .error:not(:empty)"), [])
                # Not even a failed request (an icon that is not there, a refused call) while loading.
                self.assertEqual([entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"], [])

    def test_the_page_sends_a_strict_content_security_policy(self):
        with urllib.request.urlopen(self.base + "/console") as response:
            policy = response.headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe", policy)

    def test_data_is_shown_as_text_and_numbers_as_sent(self):
        self.open(self.base, f"#/topics/{self.topic}")
        self.element('#event-list li[data-offset="1"] summary').click()
        shown = self.element('#event-list li[data-offset="1"] pre').text
        self.assertIn('"note": "<b>not markup</b>"', shown)
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "#event-list b"), [])
        self.element('#event-list li[data-offset="2"] summary').click()
        self.assertIn('"big": 12345678901234567890', self.element('#event-list li[data-offset="2"] pre').text)

    def test_a_published_event_appears_in_the_live_tail_within_a_second(self):
        self.open(self.base, f"#/topics/{self.topic}")
        self.element("#tail-button").click()
        self.text_appears("#tail-state", "live")
        delays = []
        for attempt in range(3):  # the machine may be busy: one of three publishes must make it within the second
            published = time.monotonic()
            offset = publish(self.base, self.topic, [{"type": "TailProbe", "key": f"probe-{attempt}"}])["first_offset"]
            self.element(f'#tail-list li[data-offset="{offset}"]', timeout=10)
            delays.append(time.monotonic() - published)
            if delays[-1] < 1.0:
                break
        print(f"live tail delays (s): {', '.join(f'{delay:.3f}' for delay in delays)}", file=sys.stderr)
        self.assertLess(min(delays), 1.0)
        self.assertEqual(self.offsets("#tail-list")[0], offset, "the newest event comes first")
        self.element("#tail-button").click()
        self.text_appears("#tail-state", "stopped")

    def test_the_live_tail_ends_when_the_topic_is_deleted(self):
        api(self.base, "POST", "/topics", {"name": "browser-doomed", "adapter": "memory"})
        self.open(self.base, "#/topics/browser-doomed")
        self.element("#tail-button").click()
        self.text_appears("#tail-state", "live")
        api(self.base, "DELETE", "/topics/browser-doomed")
        self.text_appears("#tail-state", "ended: the topic was deleted")

    def test_filters_narrow_the_browser(self):
        self.open(self.base, f"#/topics/{self.topic}")
        self.element('#event-list li[data-offset="4"]')
        self.assertEqual(self.offsets("#event-list")[:5], [0, 1, 2, 3, 4])
        self.fill('#event-filters input[name="type"]', "OrderPlaced, OrderPaid")
        self.element('#event-filters button[type="submit"]').click()
        self.wait(lambda driver: self.offsets("#event-list") == [0, 2, 3])
        self.fill('#event-filters input[name="key"]', "order-1")
        self.element('#event-filters button[type="submit"]').click()
        self.wait(lambda driver: self.offsets("#event-list") == [0, 2])
        self.fill('#event-filters input[name="key"]', "")
        self.fill('#event-filters input[name="type"]', "")
        self.fill('#event-filters input[name="tag"]', "customer:9")
        self.element('#event-filters button[type="submit"]').click()
        self.wait(lambda driver: self.offsets("#event-list") == [3])
        # From an offset, and paging forward and back.
        self.fill('#event-filters input[name="tag"]', "")
        self.fill('#event-filters input[name="from"]', "1")
        self.fill('#event-filters input[name="limit"]', "2")
        self.element('#event-filters button[type="submit"]').click()
        self.wait(lambda driver: self.offsets("#event-list") == [1, 2])
        self.element("#events-next").click()
        self.wait(lambda driver: self.offsets("#event-list") == [3, 4])
        self.element("#events-previous").click()
        self.wait(lambda driver: self.offsets("#event-list") == [1, 2])

    def test_a_projection_entry_shows_what_the_api_returns(self):
        _, entry = api(self.base, "GET", f"/topics/{self.topic}/projections/carts/entries/cart-7?min_checkpoint=5&wait=5")
        self.open(self.base, f"#/projections/{self.topic}/carts")
        self.fill('#entry-lookup input[name="key"]', "cart-7")
        self.element('#entry-lookup button[type="submit"]').click()
        shown = self.element("#entry-result pre").text
        self.assertEqual(json.loads(shown), entry["value"])
        self.fill('#entry-lookup input[name="key"]', "no such cart")
        self.element('#entry-lookup button[type="submit"]').click()
        self.text_appears("#entry-result", 'No entry has the key "no such cart".')
        # The page of entries by prefix holds the same value.
        self.fill('#entry-browse input[name="prefix"]', "cart-")
        self.element('#entry-browse button[type="submit"]').click()
        self.assertEqual(json.loads(self.text_of('#entries-table tr[data-key="cart-7"] pre')), entry["value"])

    def test_rebuild_asks_first_and_swaps_in_a_new_generation(self):
        _, before = api(self.base, "GET", f"/topics/{self.topic}/projections/stats")
        self.open(self.base, f"#/projections/{self.topic}/stats")
        self.click("#rebuild-button")
        self.click("#confirm-dialog[open] #confirm-cancel")
        time.sleep(0.3)
        self.assertEqual(api(self.base, "GET", f"/topics/{self.topic}/projections/stats")[1]["generation"], before["generation"])
        self.click("#rebuild-button")
        self.confirm()
        self.text_appears("#status", 'Rebuild of projection "stats" started.')
        deadline = time.monotonic() + 20
        while api(self.base, "GET", f"/topics/{self.topic}/projections/stats")[1]["generation"] == before["generation"]:
            self.assertLess(time.monotonic(), deadline, "the rebuild never swapped in")
            time.sleep(0.1)

    def test_subscriptions_show_progress_and_delete_with_a_confirmation(self):
        _, subscription = api(self.base, "POST", f"/topics/{self.topic}/subscribe?from=0",
                              {"callback_url": "http://127.0.0.1:9/unreachable"})
        self.open(self.base, "#/subscriptions")
        row = f'tr[data-subscription="{subscription["id"]}"]'
        self.assertIn("http://127.0.0.1:9/unreachable", self.text_of(row))
        self.click(row + " button")
        self.confirm()
        self.wait(EC.invisibility_of_element_located((By.CSS_SELECTOR, f'tr[data-subscription="{subscription["id"]}"]')))
        api(self.base, "GET", f"/topics/{self.topic}/subscriptions/{subscription['id']}", expect=(404,))

    def test_topics_are_attached_and_detached_by_keyboard(self):
        self.open(self.base, "#/topics")
        self.element(f'tr[data-topic="{self.topic}"]')
        name = self.element('#attach-form input[name="name"]')
        name.send_keys("browser-keyboard")  # the adapter is memory by default
        name.send_keys(Keys.ENTER)  # submits the form
        self.element("#confirm-dialog[open]")
        self.driver.switch_to.active_element.send_keys(Keys.TAB)  # from Cancel to Attach
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.element('tr[data-topic="browser-keyboard"]')
        api(self.base, "GET", "/topics/browser-keyboard")
        # The skip link moves the focus to the page, and stays on it.
        self.driver.execute_script("document.querySelector('.skip').focus()")
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait(lambda driver: driver.switch_to.active_element.get_attribute("id") == "main")
        self.assertEqual(self.text_of("main h1"), "Topics")
        # Detach: from the top of the page, Tab to the row's button, Enter, then confirm by keyboard.
        self.driver.execute_script("document.querySelector('.skip').focus()")
        for _ in range(60):
            self.driver.switch_to.active_element.send_keys(Keys.TAB)
            if self.driver.switch_to.active_element.get_attribute("aria-label") == "Detach topic browser-keyboard":
                break
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("aria-label"), "Detach topic browser-keyboard")
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.element("#confirm-dialog[open]")
        self.driver.switch_to.active_element.send_keys(Keys.TAB)
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait(EC.invisibility_of_element_located((By.CSS_SELECTOR, 'tr[data-topic="browser-keyboard"]')))
        api(self.base, "GET", "/topics/browser-keyboard", expect=(404,))

    def test_a_refused_attach_shows_the_problem(self):
        self.open(self.base, "#/topics")
        self.fill('#attach-form input[name="name"]', "browser-bad")
        self.element('#attach-form textarea[name="options"]').send_keys("[1, 2]")
        self.element('#attach-form button[type="submit"]').click()
        self.text_appears("#attach-form .error", "options must be a JSON object")
        self.element('#attach-form textarea[name="options"]').clear()
        self.driver.find_element(By.CSS_SELECTOR, '#attach-form select[name="adapter"] option[value="fs"]').click()
        self.element('#attach-form button[type="submit"]').click()
        self.confirm()
        self.text_appears("#attach-form .error", "connection")
        api(self.base, "GET", "/topics/browser-bad", expect=(404,))

    def test_the_topics_page_charts_the_publish_rate(self):
        self.open(self.base, "#/topics")
        row = f'tr[data-topic="{self.topic}"]'
        self.element(row)
        publish(self.base, self.topic, [{"type": "RateProbe"}] * 50)
        # The page samples every 5 s: after two samples it has a rate and a line.
        self.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, f"{row} svg.chart polyline"), timeout=15)
        self.assertRegex(self.text_of(f"{row} td.rate"), r"^[\d,.]+/s$")

    def test_a_narrow_window_still_shows_every_page(self):
        self.driver.set_window_size(380, 800)
        for page in PAGES:
            with self.subTest(page=page):
                self.open(self.base, page.format(topic=self.topic))
                self.element("main h1")
                self.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, "main table tbody tr, main .event, #projection-value"))
                for link in self.driver.find_elements(By.CSS_SELECTOR, "nav a"):
                    self.assertTrue(link.is_displayed(), link.text)
                overflow = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
                self.assertLessEqual(overflow, 1, "the page is wider than the window")


class SecuredServerTests(ConsoleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.base = ARGUMENTS.secured
        api(cls.base, "POST", "/topics", {"name": "browser-secret", "adapter": "memory"}, token=ARGUMENTS.token)

    def test_the_console_asks_for_a_token_and_refuses_a_wrong_one(self):
        self.open(self.base, "#/topics")
        # Declined: the page says why, and does not ask again at its next refresh.
        self.click("#token-dialog[open] #token-cancel")
        self.text_appears("main .error", "This server needs a token")
        time.sleep(5.5)
        self.assertFalse(self.driver.find_element(By.ID, "token-dialog").get_attribute("open"))
        self.text_appears("main .error", "(401)")
        # Asked for: a wrong token is refused with the server's reason, a right one is kept for the tab.
        self.click("#token-button")
        field = self.element("#token-dialog[open] #token-input")
        field.send_keys("not-a-token")
        self.element("#token-submit").click()
        self.text_appears("#token-error", "The server refused this token: the bearer token is not valid")
        field = self.element("#token-input")
        field.send_keys(ARGUMENTS.token)
        field.send_keys(Keys.ENTER)
        self.element('tr[data-topic="browser-secret"]')
        stored = self.driver.execute_script("return sessionStorage.getItem('eventstore.token')")
        self.assertEqual(stored, ARGUMENTS.token)
        self.assertNotIn(ARGUMENTS.token, self.driver.current_url)
        # The token stays for the tab: other pages and the stream use it without asking again.
        self.open(self.base, "#/topics/browser-secret")
        self.element("#tail-button").click()
        self.text_appears("#tail-state", "live")
        offset = publish(self.base, "browser-secret", [{"type": "Secret"}], token=ARGUMENTS.token)["first_offset"]
        self.element(f'#tail-list li[data-offset="{offset}"]')
        self.assertFalse(self.driver.find_element(By.ID, "token-dialog").get_attribute("open"))


def readme_screenshot(path):
    """Fills the open server with a little traffic and saves the topics page, as the README shows it."""
    base = ARGUMENTS.open
    api(base, "POST", "/topics", {"name": "orders", "adapter": "memory", "projections": [
        {"name": "stats", "kind": "stats"}, {"name": "carts", "kind": "state-by-key"}]})
    api(base, "POST", "/topics", {"name": "payments", "adapter": "memory"})
    stop = threading.Event()

    def traffic():
        n, started = 0, time.monotonic()
        while not stop.is_set():
            n += 1
            swell = 1 + math.sin((time.monotonic() - started) / 7)  # a rate that rises and falls
            publish(base, "orders", [{"type": "OrderPlaced", "key": f"order-{n % 50}", "data": {"n": n}}] * (1 + round(6 * swell)))
            if n % 3 == 0:
                publish(base, "payments", [{"type": "PaymentCaptured", "key": f"order-{n % 50}"}] * (1 + n % 2))
            time.sleep(0.05)

    worker = threading.Thread(target=traffic)
    worker.start()
    driver = browser(1200, 640)
    try:
        driver.get(base + "/console#/topics")
        time.sleep(62)
        driver.save_screenshot(path)
    finally:
        stop.set()
        worker.join()
        driver.quit()


def main():
    global ARGUMENTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", required=True, help="base URL of a server without access control")
    parser.add_argument("--secured", help="base URL of a server with tokens on")
    parser.add_argument("--token", help="an admin token of --secured")
    parser.add_argument("--screenshots", default="console-screenshots", help="where failed tests save screenshots")
    parser.add_argument("--readme-screenshot", help="only save the README's picture of the console to this path")
    ARGUMENTS, rest = parser.parse_known_args()
    if ARGUMENTS.readme_screenshot:
        readme_screenshot(ARGUMENTS.readme_screenshot)
        return
    if not ARGUMENTS.secured or not ARGUMENTS.token:
        parser.error("--secured and --token are needed to run the tests")
    unittest.main(argv=[sys.argv[0], "-v"] + rest)


if __name__ == "__main__":
    main()
