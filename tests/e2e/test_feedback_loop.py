"""The feedback loop in the browser: a student leaves feedback on lecture 1, the instructor replies
and closes it with a "you said, we did" entry, the student sees the reply and the board entry,
and staff open the feedback report and download its CSV.

The three people are the demo accounts (the ``demo_people`` fixture, as ``create_demo_accounts``
makes them): ``student`` (enrolled), ``instructor`` (lead of the seed course through CourseStaff)
and ``staff`` (is_staff with the report apps' view permissions), each in their own browser context.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SEED_COURSE_SLUG, Browsing, CeleryMode

pytestmark = pytest.mark.e2e

LECTURE_1 = "Лекция 1. Введение"
COMMENT = "The stages of an ML project went by too fast: please add a worked example of a pipeline."
REPLY = "Thank you! We are recording a worked pipeline example for this lecture."
ENTRY_TITLE = "A worked pipeline example in lecture 1"
YOU_SAID = "The stages of an ML project went by too fast, with no example."
WE_DID = "We added a step-by-step pipeline example to lecture 1."
MARKER = "window.__kafedraE2eMarker"


def test_feedback_is_answered_published_on_the_board_and_reported(
    browsing: Browsing, seed_course, demo_people, celery_tasks: CeleryMode
):
    # The student leaves feedback with the widget under lecture 1 (HTMX: no reload).
    student = browsing.log_in(demo_people["student"])
    student.goto(f"/courses/{SEED_COURSE_SLUG}/outline/")
    student.get_by_role("link", name=LECTURE_1, exact=True).click()
    student.wait_for_url("**/lessons/*/")
    widget = student.locator(".feedback-widget")
    expect(widget.get_by_role("heading", name="How was this lecture?")).to_be_visible()
    widget.get_by_role("group", name="Clarity").get_by_label("4").check()
    widget.get_by_role("group", name="Pace").get_by_label("2").check()
    widget.get_by_role("group", name="Usefulness of practice").get_by_label("3").check()
    widget.get_by_label("Слишком быстро").check()  # the seed course's own tag
    widget.get_by_label("Comment").fill(COMMENT)
    # Help texts are tied to their fields (aria-describedby), so screen readers announce them.
    expect(widget.get_by_label("Anonymous to instructors")).to_have_accessible_description(
        re.compile("The team sees your feedback without your name")
    )
    widget.scroll_into_view_if_needed()
    browsing.screenshot(student, "student-feedback-form", full_page=False)
    student.evaluate(f"() => {{ {MARKER} = 'feedback'; }}")
    widget.get_by_role("button", name="Send feedback").click()
    expect(student.locator(".feedback-widget .feedback-saved")).to_be_visible()
    expect(student.locator(".feedback-widget").get_by_role("button", name="Update feedback")).to_be_visible()
    assert student.evaluate(f"() => {MARKER} ?? null") == "feedback", "sending feedback reloaded the lecture"
    browsing.screenshot(student, "student-feedback-sent", full_page=False)

    # The instructor finds it in the course's inbox, replies and plans it.
    instructor = browsing.log_in(demo_people["instructor"])
    instructor.goto("/feedback/inbox/")
    card = instructor.locator("li.inbox-card", has_text=COMMENT[:40])
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Demo Student")
    browsing.screenshot(instructor, "instructor-inbox")
    card.get_by_role("link", name=LECTURE_1).click()
    instructor.wait_for_url("**/feedback/inbox/*/")
    expect(instructor.locator("article.card")).to_contain_text(COMMENT)
    reply = instructor.get_by_label("Reply to the student")
    expect(reply).to_have_accessible_description(re.compile("Markdown. The student is notified"))
    reply.fill(REPLY)
    instructor.locator("#id_status").select_option("planned")
    instructor.locator("form.respond-form button[type=submit]").click()
    expect(instructor.locator(".feedback-reply")).to_contain_text(REPLY)
    browsing.screenshot(instructor, "instructor-replied")

    # … and closes it with a "you said, we did" entry, published on the course's board.
    instructor.get_by_role("link", name="Answer it on the “you said, we did” board").click()
    instructor.wait_for_url("**/board/new/?items=*")
    expect(instructor.locator("form.entry-form input[name=items]:checked")).to_have_count(1)
    instructor.get_by_label("Title").fill(ENTRY_TITLE)
    instructor.get_by_label("You said").fill(YOU_SAID)
    instructor.get_by_label("We did").fill(WE_DID)
    browsing.screenshot(instructor, "instructor-board-entry")
    instructor.locator("form.entry-form button[type=submit]").click()
    instructor.wait_for_url(re.compile(r"/feedback/board/\d+/$"))
    instructor.get_by_role("button", name="Publish and notify the students").click()
    instructor.wait_for_url(re.compile(rf"/courses/{SEED_COURSE_SLUG}/board/#entry-\d+$"))
    expect(instructor.locator("li.board-entry", has_text=ENTRY_TITLE)).to_be_visible()
    browsing.screenshot(instructor, "instructor-board-published")

    # The student follows their notifications (header → Inbox) to the reply, item done, and to
    # the board entry.
    student.goto("/")
    student.locator("header").get_by_role("link", name="Inbox", exact=True).click()
    student.wait_for_url("**/accounts/inbox/")
    reply_notification = student.locator(".notification-title a", has_text="The course team replied")
    expect(reply_notification).to_have_count(1)
    # The board notification is sent by a Celery task (the real worker in CI): allow it a moment.
    board_notification = student.locator(".notification-title a", has_text=f"You said, we did: {ENTRY_TITLE}")
    for _attempt in range(30):
        if board_notification.count():
            break
        student.wait_for_timeout(1000)
        student.reload()
    expect(board_notification).to_have_count(1)
    browsing.screenshot(student, "student-notifications")

    reply_notification.click()
    student.wait_for_url("**/feedback/mine/#response-*")
    mine = student.locator("li.card", has_text=COMMENT[:40])
    expect(mine.locator(".feedback-reply")).to_contain_text(REPLY)
    expect(mine.locator(".badge-done")).to_have_text("Done")
    browsing.screenshot(student, "student-sees-reply")

    student.go_back()
    board_notification.click()
    student.wait_for_url(f"**/courses/{SEED_COURSE_SLUG}/board/**")
    entry = student.locator("li.board-entry", has_text=ENTRY_TITLE)
    expect(entry).to_be_visible()
    expect(entry).to_contain_text(YOU_SAID)
    expect(entry).to_contain_text(WE_DID)
    expect(student.get_by_role("link", name="New entry")).to_have_count(0)  # students do not edit it
    browsing.screenshot(student, "student-sees-board")

    # Staff open the feedback report and download its "closing the loop" table as CSV.
    staff = browsing.log_in(demo_people["staff"])
    staff.goto("/reports/feedback/")
    expect(staff.get_by_role("heading", level=1, name="Feedback report")).to_be_visible()
    loop = staff.locator("section", has=staff.get_by_role("heading", name="Closing the loop"))
    expect(loop.locator(".stat-card", has_text="Inbox items").locator("dd")).to_have_text("1")
    browsing.screenshot(staff, "staff-report")
    with staff.expect_download() as download_info:
        loop.locator(".section-head a.csv-link").click()
    download = download_info.value
    assert re.fullmatch(r"feedback-loop-\d{8}-\d{4}\.csv", download.suggested_filename)
    content = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 1, content
    assert rows[0]["items"] == "1"
    assert rows[0]["answered"] == "1"
    assert rows[0]["status_done"] == "1"
    # The item was closed by a published "you said, we did" entry: the report must count it.
    actions = loop.locator(".stat-card", has_text="Actions published").locator("dd")
    assert (actions.inner_text().strip(), rows[0]["actions_published"]) == ("1", "1"), (
        "the report's 'Actions published' does not count the item closed by the published board entry"
    )
