"""The console in a real headless browser (Debian's chromium, driven by selenium): a person
opens it, finds a failed payroll run, sees the failed states drawn as failed, clicks them and
reads the error and the task's log lines. Screenshots go to out/screenshots/ (git-ignored)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.local_cloud import PROJECT, endpoint
from support.payroll import upload_and_wait

pytestmark = pytest.mark.localcloud

SCREENSHOTS = PROJECT / "out" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1100",
]
# Line 4 has hours that are not a number: ProcessData rejects the file, the run fails.
BAD_TIMESHEET = (
    "employee_id,employee_name,date,job_code,hours,hourly_rate\n"
    "E1,Ada Lovelace,2026-11-02,DEV,24,50\n"
    "E2,Alan Turing,2026-11-03,OPS,18,30\n"
    "E2,Alan Turing,2026-11-12,OPS,forty,30\n"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed and set-up could not "
            "install them (make setup runs apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="console-browser-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    session.set_page_load_timeout(60)
    try:
        yield session
    finally:
        session.quit()
        shutil.rmtree(profile, ignore_errors=True)


def failed_payroll_run(outputs: dict[str, str]) -> tuple[str, str]:
    """Upload a bad timesheet; the ARN of the failed run and ProcessData's error name."""
    key = f"console/{uuid.uuid4().hex[:10]}/timesheet.csv"
    [_started], run = upload_and_wait(outputs, key, BAD_TIMESHEET.encode())
    assert run.status == "FAILED"
    [failure] = run.events("TaskFailed")
    return run.arn, failure["taskFailedEventDetails"]["error"]


def shot(browser, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def state_node(browser, state: str):
    from selenium.webdriver.common.by import By

    svg_id = browser.execute_script(
        "const ids = JSON.parse(document.getElementById('execution-data').textContent).svgIds;"
        "return Object.keys(ids).find((id) => ids[id] === arguments[0]);",
        state,
    )
    assert svg_id, f"{state} is not in the drawing"
    return browser.find_element(By.ID, svg_id)


def click_state(browser, state: str) -> str:
    """Click a state in the drawing; the detail panel's text once it shows that state."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    node = state_node(browser, state)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", node)
    ActionChains(browser).move_to_element(node).click().perform()
    WebDriverWait(browser, 10).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "panel-title"), state)
    )
    return browser.find_element(By.ID, "panel").text


def find(browser, by: str, value: str):
    """The element once the page shows it (a click's navigation may still be loading)."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 15).until(
        expected_conditions.presence_of_element_located((by, value))
    )


def test_a_person_finds_a_failed_run_and_reads_its_error_and_logs(stack_outputs, browser):
    from selenium.webdriver.common.by import By

    # GIVEN a payroll run that failed on a bad timesheet
    arn, task_error = failed_payroll_run(stack_outputs)
    machine_name = stack_outputs["PayrollStateMachineArn"].rsplit(":", 1)[1]

    # WHEN a person opens the console, picks the payroll state machine, filters the failed runs
    # and opens this one
    browser.get(f"{endpoint()}/_console/")
    assert "State machines" in browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "console-home")
    find(browser, By.LINK_TEXT, machine_name).click()
    find(browser, By.CSS_SELECTOR, "a.filter .b-failed").click()
    run_name = arn.rsplit(":", 1)[1]
    find(browser, By.LINK_TEXT, run_name).click()
    find(browser, By.ID, "execution-data")
    assert run_name in browser.find_element(By.TAG_NAME, "h1").text

    # THEN the run's failed Fail state is drawn as failed, the task whose error was caught as
    # caught, and the states after the failure as not reached
    def status_of(state: str) -> str:
        classes = state_node(browser, state).get_attribute("class").split()
        return next(c for c in classes if c.startswith("st-"))

    assert status_of("PayrollFailed") == "st-failed"
    assert status_of("ProcessData") == "st-caught"
    assert status_of("NotifyFailure") == "st-succeeded"
    assert status_of("GeneratePaystubs") == "st-not-reached"

    # AND clicking the failed state shows its error and cause
    failed_panel = click_state(browser, "PayrollFailed")
    assert "error: PayrollRunFailed" in failed_panel
    assert "line 3, column 5 (hours)" in failed_panel or "not a number" in failed_panel

    # AND clicking the task shows its error, its input and its invocation's log lines
    task_panel = click_state(browser, "ProcessData")
    assert f"error: {task_error}" in task_panel
    assert "log lines (CloudWatch Logs)" in task_panel
    logs = browser.find_element(By.CSS_SELECTOR, "#panel pre.logs").text
    assert logs.startswith("START RequestId: ")
    assert "REPORT RequestId: " in logs and "Billed Duration" in logs
    assert "forty" in logs or "not a number" in logs
    # AND the page shows what the run would cost on AWS
    assert "per million executions" in browser.find_element(By.CLASS_NAME, "costs").text
    browser.set_window_size(1400, 1500)
    browser.execute_script("window.scrollTo(0, 0)")
    path = shot(browser, "console-execution")
    assert path.stat().st_size > 10_000


GOOD_TIMESHEET = (
    "employee_id,employee_name,date,job_code,hours,hourly_rate\n"
    "E1,Ada Lovelace,2026-11-02,DEV,24,50\n"
    "E1,Ada Lovelace,2026-11-05,DEV,20,50\n"
    "E2,Alan Turing,2026-11-03,OPS,18,30\n"
    "E3,Grace Hopper,2026-11-09,QA,15,45\n"
)
README_SCREENSHOT = "console-execution-map"


def test_a_person_follows_each_map_iteration_of_a_payroll_run(stack_outputs, browser):
    from selenium.webdriver.common.by import By

    # GIVEN a payroll run that succeeded, its paystubs drawn in a Map
    key = f"console/{uuid.uuid4().hex[:10]}/timesheet.csv"
    [_started], run = upload_and_wait(stack_outputs, key, GOOD_TIMESHEET.encode())
    assert run.status == "SUCCEEDED"
    arn = run.arn

    # WHEN a person opens it and clicks the Map
    browser.set_window_size(1400, 1100)
    browser.get(f"{endpoint()}/_console/execution?arn={arn}")
    find(browser, By.ID, "execution-data")
    panel = click_state(browser, "GeneratePaystubs")

    # THEN it says how many iterations ran and failed, each one a button
    buttons = browser.find_elements(By.CSS_SELECTOR, ".iterations button[data-index]")
    assert buttons and f"{len(buttons)} iterations ran, 0 failed" in panel
    # AND choosing the first iteration shows that iteration's task with its own log lines
    buttons[0].click()
    task_panel = click_state(browser, "GeneratePaystubBatch")
    assert "GeneratePaystubs #0" in task_panel
    logs = browser.find_elements(By.CSS_SELECTOR, "#panel pre.logs")
    assert len(logs) == 1 and logs[0].text.startswith("START RequestId: ")
    browser.set_window_size(1400, 1250)
    browser.execute_script("window.scrollTo(0, 0)")
    shot(browser, README_SCREENSHOT)
