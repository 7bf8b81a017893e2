"""The answer control of one question of an attempt, for the take page and its autosave."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from quizzes import grading
from quizzes.exceptions import InvalidAnswer
from quizzes.models import Question
from quizzes.selectors import QuestionView


def _initial(view: QuestionView) -> object:
    response, kind = view.response, view.question.kind
    if kind == Question.Kind.SINGLE:
        return str(next(iter(view.selected_ids))) if view.selected_ids else None
    if kind == Question.Kind.MULTIPLE:
        return [str(choice_id) for choice_id in sorted(view.selected_ids)]
    if kind == Question.Kind.TRUE_FALSE:
        return None if response.boolean_answer is None else ("true" if response.boolean_answer else "false")
    if kind == Question.Kind.NUMERIC:
        number: Decimal | None = response.numeric_answer
        return "" if number is None else f"{number.normalize():f}"
    return response.text_answer


def _field(view: QuestionView, *, described_by: str) -> forms.Field:
    kind = view.question.kind
    attrs = {"aria-describedby": described_by}
    if kind in grading.CHOICE_KINDS:
        choices = [(str(choice.pk), choice.text) for choice in view.choices]
        if kind == Question.Kind.SINGLE:
            return forms.ChoiceField(
                label=_("Choose one"), choices=choices, required=False, widget=forms.RadioSelect(attrs=attrs)
            )
        return forms.MultipleChoiceField(
            label=_("Choose all that apply"),
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs=attrs),
        )
    if kind == Question.Kind.TRUE_FALSE:
        return forms.ChoiceField(
            label=_("True or false"),
            choices=[("true", _("True")), ("false", _("False"))],
            required=False,
            widget=forms.RadioSelect(attrs=attrs),
        )
    if kind == Question.Kind.NUMERIC:
        return forms.CharField(
            label=_("Your answer (a number)"),
            required=False,
            max_length=40,
            widget=forms.TextInput(attrs={**attrs, "inputmode": "decimal", "autocomplete": "off"}),
        )
    if kind == Question.Kind.SHORT_TEXT:
        return forms.CharField(
            label=_("Your answer"),
            required=False,
            strip=False,
            max_length=grading.SHORT_TEXT_MAX_LENGTH,
            widget=forms.TextInput(attrs={**attrs, "autocomplete": "off"}),
        )
    return forms.CharField(
        label=_("Your answer"),
        required=False,
        strip=False,
        max_length=grading.LONG_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={**attrs, "rows": 8, "spellcheck": "true"}),
    )


class ResponseForm(forms.Form):
    """One question's answer control, named ``q<question id>-answer`` so that every question of a
    page can share one ``<form>``. ``cleaned_data["answer"]`` is the raw value for
    ``services.responses_save`` (which parses and checks it against the question)."""

    def __init__(self, *args, view: QuestionView, **kwargs) -> None:
        kwargs.setdefault("prefix", f"q{view.question.pk}")
        kwargs.setdefault("initial", {"answer": _initial(view)})
        super().__init__(*args, **kwargs)
        self.view = view
        self.question_text_id = f"q{view.question.pk}-text"
        self.fields["answer"] = _field(view, described_by=self.question_text_id)

    def clean_answer(self) -> object:
        """Check the value's type early, so the error shows next to the question (the service
        checks it again, with the attempt locked)."""
        value = self.cleaned_data["answer"]
        try:
            grading.answer_parse(kind=self.view.question.kind, raw=value)
        except InvalidAnswer as exc:
            raise forms.ValidationError(exc.message) from None
        return value

    @property
    def is_group(self) -> bool:
        """Radio buttons and checkboxes: each option carries its own label."""
        return self.view.question.kind in grading.CHOICE_KINDS | {Question.Kind.TRUE_FALSE}

    @property
    def autosave_trigger(self) -> str:
        """What makes the control autosave: a change, or for typed answers also a pause in typing."""
        if self.is_group:
            return "change"
        return "change, input delay:1s"

    @property
    def save_state_id(self) -> str:
        return f"q{self.view.question.pk}-state"
