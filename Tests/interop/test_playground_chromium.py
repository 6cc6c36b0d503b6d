"""The playground page of the demo server, driven in a real headless Chromium through selenium.

A link with `run=1` starts a counter subscription on load; the live values must appear in the page,
and Stop must end it. Needs Debian's `chromium` and `chromium-driver`; without them the tests are
skipped, except under CI=true where that is a failure.
"""

import os
import shutil
import urllib.parse

import pytest

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        message = "chromium and chromium-driver (Debian packages) are needed for the playground test"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def playground_url(server_url: str, **params: str) -> str:
    parsed = urllib.parse.urlparse(server_url)
    return f"http://{parsed.netloc}/?{urllib.parse.urlencode(params)}"


def results(driver) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#results li")]


@pytest.mark.parametrize("protocol", ["auto", "graphql-transport-ws", "graphql-ws"])
def test_shared_link_runs_a_live_subscription_and_stop_ends_it(browser, server_url, protocol):
    browser.get(
        playground_url(
            server_url,
            query="subscription { counter(n: 1000, delayMs: 100) }",
            protocol=protocol,
            run="1",
        )
    )
    wait = WebDriverWait(browser, 30, poll_frequency=0.05)
    wait.until(lambda driver: len(results(driver)) >= 3)
    assert results(browser)[:3] == [
        '{"data":{"counter":0}}',
        '{"data":{"counter":1}}',
        '{"data":{"counter":2}}',
    ]
    assert browser.find_element(By.ID, "status").text.startswith("Running")

    browser.find_element(By.ID, "stop").click()
    wait.until(lambda driver: driver.find_element(By.ID, "status").text.startswith("Stopped"))
    count = len(results(browser))
    assert results(browser)[-1].startswith("Stopped after")
    assert browser.find_element(By.ID, "run").is_enabled()
    # The page closed the socket: a frame still in flight must not be shown after the stop.
    browser.execute_script("return new Promise(resolve => setTimeout(resolve, 300))")
    assert len(results(browser)) == count


def test_a_finite_subscription_completes(browser, server_url):
    browser.get(playground_url(server_url, query="subscription { counter(n: 3) }", run="1"))
    wait = WebDriverWait(browser, 30, poll_frequency=0.05)
    wait.until(lambda driver: driver.find_element(By.ID, "status").text.startswith("Completed"))
    assert results(browser) == [
        '{"data":{"counter":0}}',
        '{"data":{"counter":1}}',
        '{"data":{"counter":2}}',
        "Complete after 3 result(s)",
    ]


def test_validation_errors_are_shown_plainly(browser, server_url):
    browser.get(playground_url(server_url, query="subscription { nope }", protocol="graphql-transport-ws", run="1"))
    wait = WebDriverWait(browser, 30, poll_frequency=0.05)
    wait.until(lambda driver: driver.find_element(By.ID, "status").text == "Operation failed")
    assert any('Cannot query field \\"nope\\"' in line or 'Cannot query field "nope"' in line for line in results(browser))


def test_close_codes_are_shown_with_their_meaning(browser, server_url):
    # A connection_init payload that is not an object makes graphql-transport-ws close 4400.
    browser.get(
        playground_url(server_url, query="{ hello }", initPayload='"not an object"', protocol="graphql-transport-ws", run="1")
    )
    wait = WebDriverWait(browser, 30, poll_frequency=0.05)
    wait.until(lambda driver: "4400" in driver.find_element(By.ID, "status").text)
    assert "invalid message" in browser.find_element(By.ID, "status").text
