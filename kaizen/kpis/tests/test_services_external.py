"""External data points: idempotent delivery, conflicting keys, CSV uploads with a report."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.external import check_point
from kaizen.kpis.models import ExternalDataPoint, ExternalUpload
from kaizen.kpis.services import do_upload_points_csv
from kaizen.kpis.tests.helpers import record_points

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]

KEY = "test.availability"
CSV = (
    b"occurred_at,value,service,idempotency_key\n"
    b"2026-03-01T00:00:00Z,99.95,Email,email-0301\n"
    b"2026-03-02T00:00:00Z,not-a-number,Email,email-0302\n"
    b"2026-03-03T00:00:00Z,99.20,Email,email-0303\n"
    b",99.1,Email,email-0304\n"
    b"2026-03-05T00:00:00Z,98.0,Nowhere,\n"
)


def test_it_records_a_point_and_journals_its_upload(improvement_manager):
    recorded = record_points(
        KEY,
        {"occurred_at": "2026-03-01T10:00:00Z", "value": 99.9, "service": "Email"},
        actor=improvement_manager,
    )
    assert len(recorded.created) == 1
    point = recorded.created[0]
    assert point.dimensions == {"service": "Email"} and point.value == 99.9
    event = JournalEvent.objects.get(event_type=EventType.EXTERNAL_POINTS_RECORDED)
    assert event.subject_id == str(recorded.upload.pk)
    assert event.data["recorded"] == 1 and event.actor == improvement_manager


def test_it_returns_the_stored_point_when_the_same_key_comes_again(improvement_manager):
    point = {"occurred_at": "2026-03-01T10:00:00Z", "value": 99.9, "idempotency_key": "abc"}
    first = record_points(KEY, point, actor=improvement_manager)
    again = record_points(KEY, point, actor=improvement_manager)
    assert again.created == [] and again.replayed == first.created
    assert ExternalDataPoint.objects.count() == 1
    # A replay writes nothing: no second upload, no second journal event.
    assert ExternalUpload.objects.count() == 1
    assert JournalEvent.objects.filter(event_type=EventType.EXTERNAL_POINTS_RECORDED).count() == 1


def test_it_refuses_a_used_key_for_a_different_point():
    record_points(KEY, {"occurred_at": "2026-03-01", "value": 99.9, "idempotency_key": "abc"})
    clash = record_points(KEY, {"occurred_at": "2026-03-01", "value": 50, "idempotency_key": "abc"})
    assert clash.created == [] and clash.rejected[0].field == "idempotency_key"
    assert ExternalDataPoint.objects.get().value == 99.9


def test_it_keys_points_without_a_key_on_their_content():
    point = {"period_start": "2026-03-01", "period_kind": "month", "value": 99.5}
    record_points(KEY, point)
    record_points(KEY, point)
    assert ExternalDataPoint.objects.count() == 1


@pytest.mark.parametrize(
    ("point", "field"),
    [
        ({"value": 1}, "occurred_at"),
        ({"occurred_at": "yesterday", "value": 1}, "occurred_at"),
        ({"occurred_at": "2026-03-01", "value": "x"}, "value"),
        ({"occurred_at": "2026-03-01"}, "value"),
        ({"period_start": "2026-03-02", "period_kind": "month", "value": 1}, "period_start"),
        ({"period_start": "2026-03-01", "period_kind": "fortnight", "value": 1}, "period_kind"),
        ({"occurred_at": "2026-03-01", "value": 1, "dimensions": {"colour": "red"}}, "dimensions"),
        ({"occurred_at": "2026-03-01", "value": 1, "weather": "fine"}, "weather"),
    ],
)
def test_it_names_the_field_of_a_bad_point(point, field):
    with pytest.raises(ValidationError) as caught:
        check_point(point)
    assert field in caught.value.message_dict


def test_it_refuses_points_for_a_kpi_measured_from_kaizens_records():
    with pytest.raises(ValidationError) as caught:
        record_points("test.incidents_opened", {"occurred_at": "2026-03-01", "value": 1})
    assert "kpi" in caught.value.message_dict


def test_it_keeps_good_csv_rows_and_reports_each_bad_one_with_its_line(improvement_manager):
    recorded = do_upload_points_csv(KEY, CSV, actor=improvement_manager, filename="march.csv")
    assert len(recorded.created) == 3  # lines 2, 3 and 6 (an unknown service is just text)
    assert [(e.row, e.field) for e in recorded.rejected] == [(3, "value"), (5, "occurred_at")]
    upload = recorded.upload
    assert upload.filename == "march.csv" and upload.recorded == 3
    assert upload.rejected[0] == {
        "row": 3,
        "field": "value",
        "reason": "'not-a-number' is not a number",
    }


def test_it_adds_nothing_when_the_same_file_is_uploaded_again(improvement_manager):
    do_upload_points_csv(KEY, CSV, actor=improvement_manager)
    again = do_upload_points_csv(KEY, CSV, actor=improvement_manager)
    assert again.created == [] and len(again.replayed) == 3
    assert ExternalDataPoint.objects.count() == 3
    assert again.upload.replayed == 3 and len(again.upload.rejected) == 2


def test_it_reports_an_unusable_header_once():
    recorded = do_upload_points_csv(KEY, b"when,amount\n2026-03-01,1\n", actor=None)
    assert recorded.created == []
    assert [(e.row, e.field) for e in recorded.rejected] == [(1, "header")]
    assert "unknown column 'when'" in recorded.rejected[0].reason
