"""Students in the browser: a new student signs up, enrolls in the seed course, reads lecture 1,
marks it done, takes a quiz to its graded result and reviews flashcards, in Russian and in English.

Russian comes from the browser (Accept-Language: ru); English is chosen with the header's
language switcher from that same Russian browser, so both ways of picking a language are used.
The visible labels checked below are translated in locale/ru.

On the way, the first quiz question is answered with the keyboard only (Tab to the option, Space
selects it, the arrows move within the group, Tab + Enter goes on). Lecture 1 on a phone-size
screen (390×844) is its own test, at the end.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SEED_COURSE_SLUG, Browsing, CeleryMode

pytestmark = pytest.mark.e2e

TEXT = {
    "ru": {
        "sign_up": "Регистрация",
        "create_account": "Создайте учётную запись",
        "courses": "Курсы",
        "enroll": "Записаться на курс",
        "contents": "Содержание",
        "mark_done": "Отметить как пройденное",
        "done": "Готово",
        "start_quiz": "Начать тест",
        "next_question": "Следующий вопрос",
        "answered_count": "отвечено {answered} из 15",
        "submit_all": "Отправить всё и завершить",
        "pending": ("В очереди на проверку", "На проверке"),
        "graded": "Оценено",
        "score": re.compile(r"Результат: \d+(?:[.,]\d+)? из 15 \("),
        "show_answer": "Показать ответ",
        "reference_answer": "Эталонный ответ",
        "good": "Хорошо",
        "again_in": "снова через 1 минуту",
    },
    "en": {
        "sign_up": "Sign up",
        "create_account": "Create your account",
        "courses": "Courses",
        "enroll": "Enroll in the course",
        "contents": "Contents",
        "mark_done": "Mark as done",
        "done": "Done",
        "start_quiz": "Start the quiz",
        "next_question": "Next question",
        "answered_count": "{answered} of 15 answered",
        "submit_all": "Submit all and finish",
        "pending": ("Queued for grading", "Grading"),
        "graded": "Graded",
        "score": re.compile(r"Score: \d+(?:[.,]\d+)? of 15 \("),
        "show_answer": "Show answer",
        "reference_answer": "Reference answer",
        "good": "Good",
        "again_in": "next in 1 minute",
    },
}
LECTURE_1 = "Лекция 1. Введение"
QUIZ_1 = "Тест 1. MLOps: инструменты и инфраструктура"
QUIZ_1_QUESTIONS = 15
THEORY_DECK = "Теоретические вопросы"
# Set on the window before an HTMX action: still there afterwards means the page did not reload.
MARKER = "window.__kafedraE2eMarker"
PHONE = {"width": 390, "height": 844}
# Outline links opened on the phone after lecture 1: (link title, URL pattern, screenshot step).
PHONE_PAGES = [
    ('Интеллект-карта №1: "Полный путь Machine Learning Engineer"', "**/lessons/*/", "mind-map-1-phone"),
    (QUIZ_1, "**/quizzes/*/", "quiz-1-phone"),
    ('Кейс №1: "Модель рекомендаций для онлайн-ритейла"', "**/cases/*/", "case-1-phone"),
]


def _set_marker(page: Page, value: str) -> None:
    page.evaluate(f"value => {{ {MARKER} = value; }}", value)


def _marker(page: Page) -> str | None:
    return page.evaluate(f"() => {MARKER} ?? null")


def _tab_until(page: Page, selector: str, *, limit: int = 40) -> None:
    """Press Tab until the focused element matches ``selector`` (fails after ``limit`` presses)."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement?.matches(selector) ?? false", selector):
            return
    focused = page.evaluate("() => document.activeElement?.outerHTML.slice(0, 200)")
    pytest.fail(f"{limit} presses of Tab never reached {selector!r}; focus is on {focused}")


def _focused_has_visible_outline(page: Page) -> bool:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; }"
    )


def _sign_up(page: Page, browsing: Browsing, language: str, username: str) -> None:
    text = TEXT[language]
    page.goto("/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")  # the browser asks for Russian
    if language == "en":
        # The header's switcher: a form posting the language, back to the same page.
        page.locator("#language-select").select_option("en")
        page.locator("form.lang-switch button[type=submit]").click()
        page.wait_for_url(re.compile(r"/accounts/signup/"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(text["create_account"])
    submit = page.locator("main form button[type=submit]")
    expect(submit).to_have_text(text["sign_up"])
    page.locator("#id_username").fill(username)
    page.locator("#id_email").fill(f"{username}@example.com")
    page.locator("#id_password1").fill("a-long-e2e-passphrase-42")
    page.locator("#id_password2").fill("a-long-e2e-passphrase-42")
    browsing.screenshot(page, "sign-up-form")
    submit.click()


def _answer_with_the_keyboard(page: Page, browsing: Browsing, options, text: dict) -> None:
    """Question 1 without the mouse: Tab reaches the options, Space picks one, the arrows move
    within the group, Tab reaches "Next question" and Enter goes on."""
    first, second = options.nth(0), options.nth(1)
    page.locator("h1").click()  # a neutral start: the page heading is not focusable
    _tab_until(page, "section.question input[type=radio]")
    expect(first).to_be_focused()
    expect(first).not_to_be_checked()
    assert _focused_has_visible_outline(page), "the focused quiz option has no visible focus outline"
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(second).to_be_checked()
    expect(second).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(first).to_be_checked()  # back to the first option, as in every other question
    expect(page.locator("nav.question-nav [aria-current=step] .nav-state-answered")).to_have_count(1)
    browsing.screenshot(page, "quiz-question-1-keyboard")
    _tab_until(page, "button[name=nav][value=next]")
    expect(page.get_by_role("button", name=text["next_question"])).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/?page=2")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_new_student_goes_from_sign_up_to_flashcards(
    browsing: Browsing, seed_course, celery_tasks: CeleryMode, language: str
):
    text = TEXT[language]
    page = browsing.new_page(locale="ru-RU")

    # Sign up → the catalog, logged in.
    _sign_up(page, browsing, language, username=f"e2e-student-{language}")
    page.wait_for_url(f"{browsing.base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(text["courses"])
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("form.logout-form")).to_be_visible()
    browsing.screenshot(page, "catalog")

    # The seed course's page → enroll → the outline.
    page.get_by_role("link", name=seed_course.title).first.click()
    page.wait_for_url(f"**/courses/{SEED_COURSE_SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_course.title)
    enroll = page.get_by_role("button", name=text["enroll"])
    expect(enroll).to_be_visible()
    browsing.screenshot(page, "course-page")
    enroll.click()
    page.wait_for_url(f"**/courses/{SEED_COURSE_SLUG}/outline/")
    lecture_item = page.locator("li.path-item", has=page.get_by_role("link", name=LECTURE_1, exact=True))
    expect(lecture_item).not_to_have_class(re.compile(r"state-done"))
    browsing.screenshot(page, "outline-enrolled")

    # Lecture 1: the contents, the DS-team roles table.
    page.get_by_role("link", name=LECTURE_1, exact=True).click()
    page.wait_for_url("**/lessons/*/")
    expect(page.get_by_role("heading", level=1, name=LECTURE_1)).to_be_visible()
    toc = page.locator("nav.toc")
    expect(toc.get_by_role("heading", name=text["contents"])).to_be_visible()
    expect(toc.get_by_role("link", name="DS-команда", exact=True)).to_be_visible()
    toc.get_by_role("link", name="DS-команда", exact=True).click()
    roles_table = page.locator(
        ".lesson-body table", has=page.get_by_role("columnheader", name="Data Analyst")
    )
    expect(roles_table).to_be_visible()
    expect(roles_table).to_be_in_viewport()
    expect(roles_table.get_by_role("columnheader", name="Machine Learning Engineer")).to_be_visible()
    browsing.screenshot(page, "lecture-1", full_page=False)

    # "Mark as done" (HTMX): swapped in place, the page is not reloaded.
    _set_marker(page, "lecture-1")
    page.get_by_role("button", name=text["mark_done"]).click()
    expect(page.locator("#lesson-complete .done-mark")).to_contain_text(text["done"])
    expect(page.get_by_role("button", name=text["mark_done"])).to_have_count(0)
    assert _marker(page) == "lecture-1", "marking the lecture done reloaded the page"
    expect(page.locator("#course-progress progress")).not_to_have_attribute("value", "0")
    browsing.screenshot(page, "lecture-1-done")

    # Back to the outline: lecture 1 is done.
    page.goto(f"/courses/{SEED_COURSE_SLUG}/outline/")
    lecture_item = page.locator("li.path-item", has=page.get_by_role("link", name=LECTURE_1, exact=True))
    expect(lecture_item).to_have_class(re.compile(r"\bstate-done\b"))
    expect(lecture_item.locator(".state-badge")).to_have_text(text["done"])
    browsing.screenshot(page, "outline-lecture-done")

    # Quiz 1: start, answer all 15 questions one per page (the first option each time).
    page.get_by_role("link", name=QUIZ_1, exact=True).click()
    page.wait_for_url("**/quizzes/*/")
    page.get_by_role("button", name=text["start_quiz"]).click()
    page.wait_for_url("**/quizzes/attempts/*/**")
    current_answered = page.locator("nav.question-nav [aria-current=step] .nav-state-answered")
    for number in range(1, QUIZ_1_QUESTIONS + 1):
        question = page.locator("section.question")
        expect(question).to_have_count(1)
        expect(page.locator("nav.question-nav [aria-current=step]")).to_contain_text(str(number))
        options = question.locator("input[type=radio]")
        if number == 1:
            _answer_with_the_keyboard(page, browsing, options, text)
            continue  # Enter on "Next question" has moved on
        answered_count = page.locator("#attempt-answered-count")
        expect(answered_count).to_have_text(text["answered_count"].format(answered=number - 1))
        options.first.check()
        # The autosave (HTMX) marks the question answered in the navigator and, counted by the
        # server, in the "N of 15 answered" line.
        expect(current_answered).to_have_count(1)
        expect(answered_count).to_have_text(text["answered_count"].format(answered=number))
        if number < QUIZ_1_QUESTIONS:
            page.get_by_role("button", name=text["next_question"]).click()
            page.wait_for_url(f"**/?page={number + 1}")
    browsing.screenshot(page, "quiz-question-15")
    page.locator("button[name=nav][value=finish]").click()
    page.wait_for_url("**/submit/")
    expect(page.locator("table.attempts tbody tr")).to_have_count(QUIZ_1_QUESTIONS)
    expect(page.locator("table.attempts tbody strong")).to_have_count(0)  # no "not answered"
    browsing.screenshot(page, "quiz-submit-summary")

    # Submit → the result page: queued/grading, then graded in place.
    page.get_by_role("button", name=text["submit_all"]).click()
    page.wait_for_url("**/result/")
    status = page.locator("#attempt-status")
    if celery_tasks.real_worker:
        # The worker sleeps while grading: the page shows the pending state first, then the
        # polled status fragment turns into the score.
        expect(status.locator(".status-pending")).to_be_visible()
        expect(status).to_contain_text(re.compile("|".join(text["pending"])))
        browsing.screenshot(page, "quiz-result-pending")
    # Eagerly (SQLite runs) the attempt is graded within the submit request: graded at once.
    _set_marker(page, "result")
    expect(status.locator(".score")).to_be_visible(timeout=60_000)
    expect(status.locator(".status-line")).to_have_text(text["graded"])
    expect(status.locator(".score")).to_contain_text(text["score"])
    assert _marker(page) == "result", "the result page reloaded instead of updating the status in place"
    expect(page.locator("#attempt-review .review-item")).to_have_count(QUIZ_1_QUESTIONS)
    browsing.screenshot(page, "quiz-result-graded")

    # Flashcards: the theory deck → reveal → rate Good → the next card.
    page.goto(f"/courses/{SEED_COURSE_SLUG}/outline/")
    page.get_by_role("link", name=THEORY_DECK, exact=True).click()
    page.wait_for_url("**/flashcards/decks/*/")
    card = page.locator("#flashcard")
    first_question = card.locator(".flashcard-question").inner_text()
    browsing.screenshot(page, "flashcard-question")
    _set_marker(page, "flashcards")
    card.get_by_role("button", name=text["show_answer"]).click()
    expect(card.locator(".flashcard.is-revealed")).to_be_visible()
    expect(card.get_by_role("heading", name=text["reference_answer"])).to_be_visible()
    browsing.screenshot(page, "flashcard-answer")
    expect(card.locator("button.rating-good .rating-label")).to_have_text(text["good"])
    expect(card.locator("button.rating-again .rating-interval")).to_have_text(text["again_in"])  # a new card
    card.locator("button.rating-good").click()
    expect(card.locator(".flashcard.is-revealed")).to_have_count(0)
    expect(card.get_by_role("button", name=text["show_answer"])).to_be_visible()
    expect(card.locator(".flashcard-question")).not_to_have_text(first_question)
    expect(card.locator("button.rating-good")).to_have_count(0)
    assert _marker(page) == "flashcards", "rating the card reloaded the page"
    browsing.screenshot(page, "flashcard-next")


def test_lecture_1_on_a_phone(browsing: Browsing, demo_people):
    """Lecture 1 on a 390×844 touch screen: it opens from the outline, fits the width (a wide
    table may scroll inside its own box, the page must not scroll sideways) and is marked done."""
    phone = browsing.log_in(
        demo_people["student"],
        locale="ru-RU",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    phone.goto(f"/courses/{SEED_COURSE_SLUG}/outline/")
    phone.get_by_role("link", name=LECTURE_1, exact=True).tap()
    phone.wait_for_url("**/lessons/*/")
    expect(phone.get_by_role("heading", level=1, name=LECTURE_1)).to_be_visible()
    expect(phone.locator("details.toc-inline summary")).to_have_text(TEXT["ru"]["contents"])
    browsing.screenshot(phone, "lecture-1-phone", full_page=False)
    roles_table = phone.locator(
        ".lesson-body table", has=phone.get_by_role("columnheader", name="Data Analyst")
    )
    roles_table.scroll_into_view_if_needed()
    browsing.screenshot(phone, "lecture-1-phone-roles-table", full_page=False)

    # The wide table scrolls inside its own box; the page itself does not scroll sideways.
    _assert_fits_the_screen(phone, "lecture 1")
    assert roles_table.evaluate("table => table.scrollWidth > table.clientWidth"), (
        "the roles table is expected to be wider than a phone and to scroll in its own box"
    )

    phone.get_by_role("button", name=TEXT["ru"]["mark_done"]).tap()
    expect(phone.locator("#lesson-complete .done-mark")).to_contain_text(TEXT["ru"]["done"])
    browsing.screenshot(phone, "lecture-1-phone-done", full_page=False)

    # The other wide content of the course fits the phone too: a mind map, a quiz, a case.
    for title, url_pattern, step in PHONE_PAGES:
        phone.goto(f"/courses/{SEED_COURSE_SLUG}/outline/")
        phone.get_by_role("link", name=title, exact=True).tap()
        phone.wait_for_url(url_pattern)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        browsing.screenshot(phone, step, full_page=False)
        _assert_fits_the_screen(phone, title)
        if title == QUIZ_1:  # and its first question, with the question navigator
            phone.get_by_role("button", name=TEXT["ru"]["start_quiz"]).tap()
            phone.wait_for_url("**/quizzes/attempts/*/**")
            expect(phone.locator("section.question")).to_have_count(1)
            browsing.screenshot(phone, "quiz-1-question-1-phone", full_page=False)
            _assert_fits_the_screen(phone, f"{title}, question 1")


def _assert_fits_the_screen(page: Page, what: str) -> None:
    # clientWidth, not innerWidth: a mobile browser widens its layout viewport to the content.
    # (A page wider than the screen also makes taps unreliable: the visual and layout viewports
    # no longer line up.)
    page_width = page.evaluate("() => document.documentElement.scrollWidth")
    screen_width = page.evaluate("() => document.documentElement.clientWidth")
    assert page_width <= screen_width, (
        f"{what} is {page_width} px wide on a {screen_width} px phone and scrolls sideways"
    )
