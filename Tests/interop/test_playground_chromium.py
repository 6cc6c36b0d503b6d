"""The playground page of the demo server, driven in a real headless Chromium through selenium.

A link with `run=1` starts a counter subscription on load; the live values must appear in its pane,
and Stop must end it. The schema panel is filled by introspection over the page's socket; clicking a
field inserts an operation the server accepts; the editor highlights and completes from the schema;
several operations share one socket, each in its own pane with its own Stop; each pane shows arrival
times, a results-per-second readout and a chart; the history survives a reload. The browser resolves
no host but 127.0.0.1, so the page must work without any network beyond the server.

Needs Debian's `chromium` and `chromium-driver`; without them the tests are skipped, except under
CI=true where that is a failure.
"""

import json
import os
import re
import shutil
import time
import urllib.parse

import pytest

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")

# Counts the sockets the page opens and records every frame it sends, installed before the page's
# own script runs.
SOCKET_SPY = """
window.__sockets = [];
window.__sent = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) { super(...args); window.__sockets.push(String(args[0])); }
  send(data) { window.__sent.push(String(data)); super.send(data); }
};
"""


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        message = "chromium and chromium-driver (Debian packages) are needed for the playground test"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1500,1100",
        # No network beyond the server: every other host name fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SOCKET_SPY})
    try:
        yield driver
    finally:
        driver.quit()


def playground_url(server_url: str, **params: str) -> str:
    parsed = urllib.parse.urlparse(server_url)
    return f"http://{parsed.netloc}/?{urllib.parse.urlencode(params)}"


def waiting(driver, seconds: float = 30) -> WebDriverWait:
    return WebDriverWait(driver, seconds, poll_frequency=0.05)


def pane(driver, number: int):
    return driver.find_element(By.ID, f"pane-{number}")


def has_pane(driver, number: int) -> bool:
    return bool(driver.find_elements(By.ID, f"pane-{number}"))


def results(driver, number: int = 1) -> list[str]:
    """The lines of a pane: results and messages, without their arrival times."""
    return [item.text for item in pane(driver, number).find_elements(By.CSS_SELECTOR, ".op-results li .body")]


def data_results(driver, number: int = 1) -> list[str]:
    return [item.text for item in pane(driver, number).find_elements(By.CSS_SELECTOR, ".op-results li.result .body")]


def pane_status(driver, number: int = 1) -> str:
    return pane(driver, number).find_element(By.CSS_SELECTOR, ".op-status").text


def pane_rate(driver, number: int) -> int:
    return int(pane(driver, number).find_element(By.CSS_SELECTOR, ".op-rate").get_attribute("data-rate"))


def chart_values(driver, number: int) -> list[int]:
    """The results of each second of a pane's chart, oldest first."""
    bars = pane(driver, number).find_elements(By.CSS_SELECTOR, ".op-chart .bar")
    return [int(bar.get_attribute("data-value")) for bar in bars]


def editor_text(driver) -> str:
    return driver.execute_script("return document.getElementById('query').value")


def set_editor(driver, text: str) -> None:
    editor = driver.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys(text)


def completion_labels(driver) -> list[str]:
    box = driver.find_element(By.ID, "completions")
    if not box.is_displayed():
        return []
    return [item.get_attribute("data-label") for item in box.find_elements(By.CSS_SELECTOR, "li")]


def schema_field(driver, root: str, name: str):
    return driver.find_element(By.CSS_SELECTOR, f'.schema-field[data-root="{root}"][data-field="{name}"]')


def wait_for_schema(driver) -> None:
    waiting(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '.schema-field[data-root="subscription"][data-field="counter"]')
    )


def sent_messages(driver) -> list[dict]:
    return [json.loads(frame) for frame in driver.execute_script("return window.__sent")]


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
    wait = waiting(browser)
    wait.until(lambda driver: has_pane(driver, 1) and len(results(driver)) >= 3)
    assert results(browser)[:3] == [
        '{"data":{"counter":0}}',
        '{"data":{"counter":1}}',
        '{"data":{"counter":2}}',
    ]
    assert pane_status(browser).startswith("Running")

    pane(browser, 1).find_element(By.CSS_SELECTOR, ".op-stop").click()
    wait.until(lambda driver: pane_status(driver).startswith("Stopped"))
    count = len(results(browser))
    assert results(browser)[-1].startswith("Stopped after")
    assert not pane(browser, 1).find_element(By.CSS_SELECTOR, ".op-stop").is_enabled()
    assert browser.find_element(By.ID, "run").is_enabled()
    # The operation was stopped on the server, and a frame of it still in flight is not shown.
    stop_type = "stop" if protocol == "graphql-ws" else "complete"
    operation_id = pane(browser, 1).get_attribute("data-op-id")
    assert {"id": operation_id, "type": stop_type} in sent_messages(browser)
    browser.execute_script("return new Promise(resolve => setTimeout(resolve, 300))")
    assert len(results(browser)) == count


def test_a_finite_subscription_completes(browser, server_url):
    browser.get(playground_url(server_url, query="subscription { counter(n: 3) }", run="1"))
    waiting(browser).until(lambda driver: has_pane(driver, 1) and pane_status(driver).startswith("Completed"))
    assert results(browser) == [
        '{"data":{"counter":0}}',
        '{"data":{"counter":1}}',
        '{"data":{"counter":2}}',
        "Complete after 3 result(s)",
    ]


def test_validation_errors_are_shown_plainly(browser, server_url):
    browser.get(playground_url(server_url, query="subscription { nope }", protocol="graphql-transport-ws", run="1"))
    waiting(browser).until(lambda driver: has_pane(driver, 1) and pane_status(driver) == "Operation failed")
    assert any('Cannot query field \\"nope\\"' in line or 'Cannot query field "nope"' in line for line in results(browser))


def test_close_codes_are_shown_with_their_meaning(browser, server_url):
    # A connection_init payload that is not an object makes graphql-transport-ws close 4400.
    browser.get(
        playground_url(server_url, query="{ hello }", initPayload='"not an object"', protocol="graphql-transport-ws", run="1")
    )
    wait = waiting(browser)
    wait.until(lambda driver: "4400" in driver.find_element(By.ID, "status").text)
    assert "invalid message" in browser.find_element(By.ID, "status").text
    # The operation and the schema request on that connection both say why they ended.
    wait.until(lambda driver: "4400" in pane_status(driver))
    assert "4400" in browser.find_element(By.ID, "schema-status").text


def test_the_schema_panel_lists_the_root_fields_with_arguments_types_and_descriptions(browser, server_url):
    browser.get(playground_url(server_url))
    wait_for_schema(browser)
    listed = {
        (entry.get_attribute("data-root"), entry.get_attribute("data-field"))
        for entry in browser.find_elements(By.CSS_SELECTOR, ".schema-field")
    }
    assert {
        ("query", "hello"),
        ("query", "add"),
        ("mutation", "echo"),
        ("mutation", "post"),
        ("subscription", "counter"),
        ("subscription", "messages"),
    } <= listed
    counter = schema_field(browser, "subscription", "counter")
    assert counter.find_element(By.CSS_SELECTOR, ".schema-signature").text == "(n: Int! = 5, delayMs: Int! = 0): Int!"
    assert "Counts 0, 1" in counter.find_element(By.CSS_SELECTOR, ".schema-desc").text
    messages = schema_field(browser, "subscription", "messages")
    assert messages.find_element(By.CSS_SELECTOR, ".schema-signature").text == '(channel: String = "general"): Message!'
    # The fields of the type it returns are there too, folded; unfolding them inserts nothing.
    details = messages.find_element(By.CSS_SELECTOR, 'details.schema-type[data-type="Message"]')
    before = editor_text(browser)
    details.find_element(By.TAG_NAME, "summary").click()
    assert details.get_attribute("open") is not None
    inner = {item.get_attribute("data-field"): item.text for item in details.find_elements(By.CSS_SELECTOR, ".schema-type-field")}
    assert set(inner) == {"id", "channel", "text"}
    assert inner["text"] == "text: String! (What it says.)"
    assert editor_text(browser) == before
    assert counter.find_elements(By.CSS_SELECTOR, "details") == []  # Int! has no fields
    add = schema_field(browser, "query", "add")
    assert add.find_element(By.CSS_SELECTOR, ".schema-signature").text == "(a: Int!, b: Int!): Int!"
    # The schema was asked for over the page's socket, with the introspection query.
    assert any(
        message.get("type") == "subscribe" and "__schema" in message["payload"]["query"] for message in sent_messages(browser)
    )

    # The filter narrows the list, so `counter` is found by typing its name.
    browser.find_element(By.ID, "schema-filter").send_keys("count")
    waiting(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".schema-field")) == 1)
    assert browser.find_element(By.CSS_SELECTOR, ".schema-field").get_attribute("data-field") == "counter"


def test_clicking_counter_inserts_an_operation_that_runs_and_shows_its_rate(browser, server_url):
    browser.get(playground_url(server_url))
    wait_for_schema(browser)
    schema_field(browser, "subscription", "counter").find_element(By.CSS_SELECTOR, ".schema-name").click()
    assert editor_text(browser) == "subscription {\n  counter(n: 5, delayMs: 0)\n}\n"
    browser.find_element(By.ID, "run").click()
    waiting(browser).until(lambda driver: has_pane(driver, 1) and pane_status(driver).startswith("Completed"))
    assert data_results(browser) == [f'{{"data":{{"counter":{value}}}}}' for value in range(5)]
    # The chart counts the five results in its per-second bars (refreshed four times a second).
    waiting(browser, 5).until(lambda driver: sum(chart_values(driver, 1)) == 5)
    assert len(chart_values(browser, 1)) == 60


def test_every_field_of_the_schema_panel_inserts_an_operation_the_server_accepts(browser, server_url):
    browser.get(playground_url(server_url))
    wait_for_schema(browser)
    fields = [
        (entry.get_attribute("data-root"), entry.get_attribute("data-field"))
        for entry in browser.find_elements(By.CSS_SELECTOR, ".schema-field")
    ]
    assert len(fields) >= 6
    for number, (root, name) in enumerate(fields, start=1):
        schema_field(browser, root, name).find_element(By.CSS_SELECTOR, ".schema-name").click()
        assert editor_text(browser).startswith(f"{root} {{\n  {name}")
        browser.find_element(By.ID, "run").click()
        if (root, name) == ("subscription", "messages"):
            # A live stream of chat messages: still running (accepted) after a moment, then stopped.
            time.sleep(0.5)
            assert pane_status(browser, number).startswith("Running"), results(browser, number)
            pane(browser, number).find_element(By.CSS_SELECTOR, ".op-stop").click()
            continue
        waiting(browser).until(lambda driver: pane_status(driver, number).startswith(("Completed", "Operation failed")))
        assert pane_status(browser, number).startswith("Completed"), (name, results(browser, number))
        lines = data_results(browser, number)
        assert lines and all('"errors"' not in line for line in lines), (name, lines)


def test_the_editor_highlights_the_operation_and_marks_unknown_fields(browser, server_url):
    browser.get(playground_url(server_url, query='subscription Watch { counter(n: 3, delayMs: 10) nope } # note'))
    wait_for_schema(browser)

    def spans(role: str) -> list[str]:
        return [span.text for span in browser.find_elements(By.CSS_SELECTOR, f"#highlight .tok-{role}")]

    waiting(browser).until(lambda driver: spans("unknown") == ["nope"])
    assert spans("keyword") == ["subscription"]
    assert spans("def") == ["Watch"]
    assert spans("field") == ["counter", "nope"]
    assert spans("arg") == ["n", "delayMs"]
    assert spans("number") == ["3", "10"]
    assert spans("comment") == ["# note"]
    # The highlighted copy holds exactly the editor's text.
    assert browser.find_element(By.ID, "highlight").get_attribute("textContent") == editor_text(browser) + "\n"


def test_completion_of_field_and_argument_names(browser, server_url):
    browser.get(playground_url(server_url))
    wait_for_schema(browser)
    wait = waiting(browser, 10)
    editor = browser.find_element(By.ID, "query")
    set_editor(browser, "subscription { cou")
    wait.until(lambda driver: completion_labels(driver) == ["counter"])
    editor.send_keys(Keys.TAB)
    assert editor_text(browser) == "subscription { counter"
    editor.send_keys("(")
    wait.until(lambda driver: completion_labels(driver) == ["delayMs", "n"])
    editor.send_keys("d")
    wait.until(lambda driver: completion_labels(driver) == ["delayMs"])
    editor.send_keys(Keys.ENTER)
    assert editor_text(browser) == "subscription { counter(delayMs: "
    editor.send_keys("10, n: 3) }")
    assert completion_labels(browser) == []
    assert editor_text(browser) == "subscription { counter(delayMs: 10, n: 3) }"
    browser.find_element(By.ID, "run").click()
    wait.until(lambda driver: has_pane(driver, 1) and pane_status(driver).startswith("Completed"))
    assert len(data_results(browser)) == 3

    # Fields of a nested selection come from the field's type; arrows pick, Escape closes.
    set_editor(browser, "subscription { messages { ")
    editor.send_keys(Keys.CONTROL, " ")
    wait.until(lambda driver: completion_labels(driver) == ["__typename", "channel", "id", "text"])
    editor.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    assert editor_text(browser) == "subscription { messages { channel"
    editor.send_keys(" t")
    wait.until(lambda driver: completion_labels(driver) == ["text"])
    editor.send_keys(Keys.ESCAPE)
    wait.until(lambda driver: completion_labels(driver) == [])


def test_the_json_editors_are_checked_as_they_are_typed(browser, server_url):
    browser.get(playground_url(server_url, query="{ hello }"))
    wait_for_schema(browser)
    check = browser.find_element(By.ID, "variables-check")
    assert "ok" in check.get_attribute("class").split()
    variables = browser.find_element(By.ID, "variables")
    variables.clear()
    variables.send_keys('{"name": ')
    waiting(browser, 5).until(lambda _: "invalid" in check.get_attribute("class").split())
    assert variables.get_attribute("aria-invalid") == "true"
    assert check.text.startswith("✗")
    # Run refuses: no pane, the reason in the status.
    browser.find_element(By.ID, "run").click()
    assert not has_pane(browser, 1)
    assert "variables is not valid" in browser.find_element(By.ID, "status").text
    variables.send_keys('"x"}')
    waiting(browser, 5).until(lambda _: "ok" in check.get_attribute("class").split())
    assert variables.get_attribute("aria-invalid") == "false"
    variables.clear()
    variables.send_keys("[1]")
    waiting(browser, 5).until(lambda _: "must be a JSON object" in check.text)

    init_check = browser.find_element(By.ID, "initPayload-check")
    init_payload = browser.find_element(By.ID, "initPayload")
    init_payload.clear()
    init_payload.send_keys('{"token": tru')
    waiting(browser, 5).until(lambda _: "invalid" in init_check.get_attribute("class").split())
    init_payload.send_keys("e}")
    waiting(browser, 5).until(lambda _: "ok" in init_check.get_attribute("class").split())


@pytest.mark.parametrize(("protocol", "start", "stop"), [("graphql-transport-ws", "subscribe", "complete"), ("graphql-ws", "start", "stop")])
def test_two_operations_run_at_once_on_one_socket_each_stoppable(browser, server_url, protocol, start, stop):
    browser.get(playground_url(server_url, protocol=protocol))
    wait_for_schema(browser)
    wait = waiting(browser)
    set_editor(browser, "subscription { counter(n: 100000, delayMs: 100) }")
    browser.find_element(By.ID, "run").click()
    set_editor(browser, "subscription { counter(n: 100000, delayMs: 50) }")
    browser.find_element(By.ID, "run").click()
    wait.until(lambda driver: has_pane(driver, 2) and len(data_results(driver, 1)) >= 3 and len(data_results(driver, 2)) >= 3)
    assert browser.execute_script("return window.__sockets.length") == 1
    assert protocol in browser.find_element(By.ID, "status").text
    subscribes = [message for message in sent_messages(browser) if message["type"] == start]
    ids = [message["id"] for message in subscribes]
    assert len(set(ids)) == len(ids) == 3  # the schema, then the two operations
    first, second = pane(browser, 1).get_attribute("data-op-id"), pane(browser, 2).get_attribute("data-op-id")
    assert first != second and {first, second} <= set(ids)

    pane(browser, 1).find_element(By.CSS_SELECTOR, ".op-stop").click()
    wait.until(lambda driver: pane_status(driver, 1).startswith("Stopped"))
    assert {"id": first, "type": stop} in sent_messages(browser)
    stopped_at = len(data_results(browser, 1))
    running_at = len(data_results(browser, 2))
    wait.until(lambda driver: len(data_results(driver, 2)) >= running_at + 5)
    assert len(data_results(browser, 1)) == stopped_at
    assert pane_status(browser, 2).startswith("Running")
    browser.find_element(By.ID, "stop-all").click()
    wait.until(lambda driver: pane_status(driver, 2).startswith("Stopped"))
    assert browser.execute_script("return window.__sockets.length") == 1


def test_each_result_shows_its_arrival_time_and_the_rate_is_live(browser, server_url):
    browser.get(playground_url(server_url, query="subscription { counter(n: 100000, delayMs: 100) }", run="1"))
    wait = waiting(browser)
    wait.until(lambda driver: has_pane(driver, 1) and len(data_results(driver)) >= 25)
    # About 10 results a second: the readout of the pane and the page's total say so.
    rate = pane_rate(browser, 1)
    assert 5 <= rate <= 15, rate
    assert 5 <= int(browser.find_element(By.ID, "rate").get_attribute("data-rate")) <= 15
    bars = chart_values(browser, 1)
    assert sum(1 for value in bars if value > 0) >= 2
    assert bars[-2] >= 5  # the last complete second
    heights = [float(bar.get_attribute("height")) for bar in pane(browser, 1).find_elements(By.CSS_SELECTOR, ".op-chart .bar")]
    assert max(heights) > 0

    items = pane(browser, 1).find_elements(By.CSS_SELECTOR, ".op-results li.result")
    shown = [item.find_element(By.CSS_SELECTOR, "time.arrival") for item in items[:10]]
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d\d", arrival.text) for arrival in shown)
    stamps = [arrival.get_attribute("datetime") for arrival in shown]
    assert stamps == sorted(stamps)
    assert items[1].find_element(By.CSS_SELECTOR, ".delta").text.startswith("+")

    pane(browser, 1).find_element(By.CSS_SELECTOR, ".op-stop").click()
    wait.until(lambda driver: pane_rate(driver, 1) == 0)
    assert pane(browser, 1).find_element(By.CSS_SELECTOR, ".op-rate").text == "0 results/s"


def test_the_last_operations_are_kept_in_the_browser_history(browser, server_url):
    browser.get(playground_url(server_url))
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    wait_for_schema(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "#history .history-item") == []
    for n in (2, 3):
        set_editor(browser, f"subscription {{ counter(n: {n}) }}")
        browser.find_element(By.ID, "run").click()
    browser.refresh()
    wait_for_schema(browser)
    entries = browser.find_elements(By.CSS_SELECTOR, "#history .history-item")
    assert [entry.text for entry in entries] == ["subscription { counter(n: 3) }", "subscription { counter(n: 2) }"]
    stored = json.loads(browser.execute_script("return localStorage.getItem('subscriptions-playground-history')"))
    assert [entry["query"] for entry in stored] == ["subscription { counter(n: 3) }", "subscription { counter(n: 2) }"]
    entries[1].click()
    assert editor_text(browser) == "subscription { counter(n: 2) }"
    browser.find_element(By.ID, "history-clear").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#history .history-item") == []


def test_the_page_is_self_contained(browser, server_url):
    browser.get(playground_url(server_url, query="subscription { counter(n: 2) }", run="1"))
    waiting(browser).until(lambda driver: has_pane(driver, 1) and pane_status(driver).startswith("Completed"))
    wait_for_schema(browser)
    # Nothing fetched besides the page itself: no script, style, font or image from anywhere.
    assert browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)") == []
    source = browser.execute_script("return document.documentElement.outerHTML")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", source)
    assert not re.search(r"@import|url\(", source)
