"""The request form language: what a form may say (refusals name the field and the setting)
and how answers are checked, field type by field type, with conditions."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.requests.form_schema import clean_answers, clean_fields, describe_answers
from kaizen.testing import make_ci, make_user

EVERY_TYPE = [
    {"key": "name", "label": "Name", "type": "text", "required": True, "max_length": 20},
    {"key": "notes", "label": "Notes", "type": "long_text"},
    {"key": "count", "label": "How many", "type": "number", "min": 1, "max": 10},
    {"key": "needed_by", "label": "Needed by", "type": "date", "min": "2026-01-01"},
    {"key": "size", "label": "Size", "type": "choice", "choices": ["S", "M", "L"]},
    {"key": "extras", "label": "Extras", "type": "multi_choice", "choices": ["Bag", "Mouse"]},
    {"key": "urgent", "label": "Urgent?", "type": "yes_no"},
    {"key": "manager", "label": "Manager", "type": "person"},
    {"key": "machine", "label": "Machine", "type": "configuration_item"},
    {"key": "quote", "label": "Quote", "type": "attachment"},
]


def refusal(fields) -> str:
    with pytest.raises(ValidationError) as refused:
        clean_fields(fields)
    return refused.value.message_dict["fields"][0]


def answer_errors(fields, data, files=None) -> dict:
    with pytest.raises(ValidationError) as refused:
        clean_answers(clean_fields(fields), data, files)
    return {key: messages[0] for key, messages in refused.value.message_dict.items()}


def test_every_field_type_is_a_valid_form():
    assert [field["type"] for field in clean_fields(EVERY_TYPE)] == [
        "text",
        "long_text",
        "number",
        "date",
        "choice",
        "multi_choice",
        "yes_no",
        "person",
        "configuration_item",
        "attachment",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("not a list", None),
        ([{"key": "Bad Key", "label": "x", "type": "text"}], "field 1 (Bad Key): key:"),
        ([{"key": "a", "label": "", "type": "text"}], "field 1 (a): label:"),
        ([{"key": "a", "label": "A", "type": "colour"}], "field 1 (a): type: one of"),
        ([{"key": "a", "label": "A", "type": "choice"}], "field 1 (a): choices:"),
        (
            [{"key": "a", "label": "A", "type": "choice", "choices": ["x", "x"]}],
            "field 1 (a): choices: each option once",
        ),
        ([{"key": "a", "label": "A", "type": "text", "min": 3}], "field 1 (a): min: not a"),
        (
            [{"key": "a", "label": "A", "type": "number", "min": 5, "max": 2}],
            "field 1 (a): min: cannot be more than max",
        ),
        (
            [{"key": "a", "label": "A", "type": "text", "pattern": "("}],
            "field 1 (a): pattern: not a valid regular expression",
        ),
        (
            [
                {"key": "a", "label": "A", "type": "text"},
                {"key": "a", "label": "B", "type": "text"},
            ],
            "field 2 (a): key: 'a' is used by another field",
        ),
        (
            [{"key": "b", "label": "B", "type": "text", "show_if": {"field": "a", "equals": 1}}],
            "field 1 (b): show_if: 'a' is not a field before this one",
        ),
        (
            [
                {"key": "a", "label": "A", "type": "choice", "choices": ["x"]},
                {
                    "key": "b",
                    "label": "B",
                    "type": "text",
                    "show_if": {"field": "a", "equals": "y"},
                },
            ],
            "field 2 (b): show_if: 'y' is not an option of 'a'",
        ),
        ([{"key": "a", "label": "A", "type": "text", "colour": "red"}], "unknown setting"),
    ],
)
def test_a_bad_form_is_refused_naming_the_field_and_the_setting(fields, message):
    text = refusal(fields)
    if message is None:
        assert text == "give the form's fields as a list"
    else:
        assert message in text


@pytest.mark.django_db
def test_good_answers_are_stored_in_their_plain_shape():
    person, item = make_user(first_name="Ana", last_name="Silva"), make_ci(name="LT-0042")
    upload = SimpleUploadedFile("quote.pdf", b"%PDF-1.4")
    cleaned = clean_answers(
        clean_fields(EVERY_TYPE),
        {
            "name": " Ana ",
            "notes": "Two screens",
            "count": "2",
            "needed_by": "2026-03-31",
            "size": "M",
            "extras": ["Mouse", "Bag"],
            "urgent": "no",
            "manager": str(person.pk),
            "machine": item.pk,
        },
        {"quote": [upload]},
    )
    assert cleaned.answers == {
        "name": "Ana",
        "notes": "Two screens",
        "count": 2,
        "needed_by": "2026-03-31",
        "size": "M",
        "extras": ["Bag", "Mouse"],
        "urgent": False,
        "manager": person.pk,
        "machine": item.pk,
        "quote": ["quote.pdf"],
    }
    assert cleaned.files == {"quote": [upload]}
    lines = {line.key: line.text for line in describe_answers(EVERY_TYPE, cleaned.answers)}
    assert lines["needed_by"] == "31 Mar 2026"
    assert lines["urgent"] == "No"
    assert lines["manager"] == "Ana Silva"
    assert lines["machine"] == "LT-0042"
    assert lines["extras"] == "Bag, Mouse"


@pytest.mark.django_db
def test_bad_answers_are_refused_field_by_field():
    errors = answer_errors(
        EVERY_TYPE,
        {
            "name": "x" * 21,
            "count": "11",
            "needed_by": "2025-12-31",
            "size": "XL",
            "extras": ["Laptop"],
            "urgent": "perhaps",
            "manager": 999_999,
            "machine": "abc",
            "colour": "red",
        },
    )
    assert errors == {
        "name": "at most 20 characters (this has 21)",
        "count": "at most 10",
        "needed_by": "on or after 1 Jan 2026",
        "size": "choose one of: S, M, L",
        "extras": "'Laptop' is not an option",
        "urgent": "yes or no",
        "manager": "no active person with id 999999",
        "machine": "choose a configuration item",
        "colour": "this form has no such field",
    }


def test_required_fields_and_number_and_date_formats():
    fields = [
        {"key": "count", "label": "Count", "type": "number", "required": True},
        {"key": "day", "label": "Day", "type": "date", "required": True},
        {"key": "file", "label": "File", "type": "attachment", "required": True},
    ]
    assert answer_errors(fields, {}) == {
        "count": "this field is required",
        "day": "this field is required",
        "file": "attach a file",
    }
    assert answer_errors(fields, {"count": "two", "day": "31/03/2026"}) == {
        "count": "a number, e.g. 3 or 2.5",
        "day": "a date, e.g. 2026-03-31",
        "file": "attach a file",
    }


def test_a_pattern_gives_its_own_message():
    fields = [
        {
            "key": "cost_centre",
            "label": "Cost centre",
            "type": "text",
            "pattern": r"CC-\d{4}",
            "pattern_message": "a cost centre looks like CC-1234",
        }
    ]
    assert answer_errors(fields, {"cost_centre": "1234"}) == {
        "cost_centre": "a cost centre looks like CC-1234"
    }
    assert clean_answers(clean_fields(fields), {"cost_centre": "CC-1234"}).answers == {
        "cost_centre": "CC-1234"
    }


def test_a_conditional_field_is_required_only_when_shown_and_dropped_when_hidden():
    fields = [
        {"key": "access", "label": "Access", "type": "choice", "choices": ["Read", "Write"]},
        {
            "key": "reason",
            "label": "Why write access?",
            "type": "text",
            "required": True,
            "show_if": {"field": "access", "equals": "Write"},
        },
        {"key": "external", "label": "External?", "type": "yes_no"},
        {
            "key": "sponsor",
            "label": "Sponsor",
            "type": "text",
            "required": True,
            "show_if": {"field": "external", "equals": True},
        },
    ]
    assert answer_errors(fields, {"access": "Write", "external": True}) == {
        "reason": "this field is required",
        "sponsor": "this field is required",
    }
    cleaned = clean_answers(
        clean_fields(fields),
        {"access": "Read", "reason": "ignored", "external": False, "sponsor": "ignored"},
    )
    assert cleaned.answers == {"access": "Read", "external": False}


def test_multi_choice_limits_and_conditions_on_one_of_several_choices():
    fields = [
        {
            "key": "apps",
            "label": "Apps",
            "type": "multi_choice",
            "choices": ["Office", "Visio", "Project"],
            "min_choices": 1,
            "max_choices": 2,
        },
        {
            "key": "licence",
            "label": "Licence approver",
            "type": "text",
            "required": True,
            "show_if": {"field": "apps", "in": ["Visio", "Project"]},
        },
    ]
    assert answer_errors(fields, {"apps": ["Office", "Visio", "Project"]}) == {
        "apps": "choose at most 2"
    }
    assert answer_errors(fields, {"apps": ["Office", "Visio"]}) == {
        "licence": "this field is required"
    }
    assert clean_answers(clean_fields(fields), {"apps": ["Office"]}).answers == {"apps": ["Office"]}
