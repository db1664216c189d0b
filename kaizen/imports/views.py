"""Import pages: the runs, a new import (upload, preview, start) and a run's progress and report.

Only people `can_import` open any of them (403 otherwise). An upload is kept under
MEDIA_ROOT/imports/ and waits in the session, with its options, while its preview is shown;
"Start import" makes it an ImportRun and hands it to the task queue, "Back" deletes it.
"""

import csv
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.listing import list_page
from kaizen.imports import services
from kaizen.imports.filters import ImportRunFilter
from kaizen.imports.forms import KIND_FIELDS, NewImportForm
from kaizen.imports.importers import IMPORTERS
from kaizen.imports.models import ImportKind, ImportRun, RunStatus
from kaizen.imports.permissions import can_import
from kaizen.imports.preview import preview_file
from kaizen.imports.problems import HISTORY_COUNTS
from kaizen.imports.reading import SourceError
from kaizen.imports.tasks import run_uploaded_import
from kaizen.incidents.models import State

RUN_SORTS = {
    "created": "created_at",
    "kind": "kind",
    "source": "source_name",
    "status": "status",
    "rows": "rows_read",
    "created_records": "records_created",
}
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
PREVIEW_ROWS = 10
ERRORS_PER_PAGE = 50
# The run's figures as its page shows them, keys as in the progress JSON.
FIGURES = (
    ("rows_read", "Rows read"),
    ("records_created", "Incidents created"),
    ("records_present", "Already present"),
    ("records_refused", "Refused"),
    ("rows_rejected", "Rows rejected"),
    ("events_written", "Journal events"),
    ("seconds", "Seconds"),
)


def _figure_label(run: ImportRun, key: str, label: str) -> str:
    """The label of a figure for this kind of file ("Sightings of work recorded")."""
    if key != "records_created":
        return label
    return IMPORTERS[run.kind].created_phrase.capitalize()


PENDING = "imports_pending"  # the session key of the upload waiting for "Start import"
# Spreadsheets run a cell starting with one of these as a formula; values in the error report
# come from someone else's export, so such cells are written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _require_importer(request: HttpRequest) -> None:
    if not can_import(request.user):
        raise PermissionDenied("Only administrators and incident managers import data.")


def _run_for(request: HttpRequest, pk: int) -> ImportRun:
    _require_importer(request)
    return get_object_or_404(ImportRun.objects.select_related("started_by"), pk=pk)


# -- the runs ---------------------------------------------------------------------------------


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    services.mark_stale_runs_interrupted()  # a worker that died leaves "running" behind
    listing = list_page(
        request,
        ImportRun.objects.select_related("started_by"),
        ImportRunFilter,
        sort_fields=RUN_SORTS,
        default_sort="-created",
    )
    return render(request, "imports/run_list.html", listing.context())


# -- a new import: upload, preview, start -----------------------------------------------------


def _store_upload(upload: UploadedFile) -> str:
    """Save the file where ImportRun.upload keeps its files; returns its storage name."""
    field = ImportRun._meta.get_field("upload")
    name = field.generate_filename(None, upload.name or "import.csv")
    return field.storage.save(name, upload, max_length=field.max_length)


def _stored_path(name: str) -> Path:
    return Path(ImportRun._meta.get_field("upload").storage.path(name))


def _discard_upload(name: str) -> None:
    ImportRun._meta.get_field("upload").storage.delete(name)


def _as_uploaded(error: SourceError, stored_name: str, uploaded_name: str) -> str:
    """The reader's message with the file called what the person uploaded, not where it is
    stored on the server."""
    path = _stored_path(stored_name)
    return str(error).replace(str(path), uploaded_name).replace(path.name, uploaded_name)


def _pending(request: HttpRequest, token: str) -> dict[str, Any]:
    pending = request.session.get(PENDING)
    if not pending or not secrets.compare_digest(pending["token"], token):
        raise Http404("This upload is no longer waiting: upload the file again.")
    return pending


def _set_pending(request: HttpRequest, pending: dict[str, Any] | None) -> None:
    """One upload waits per session: a newer one replaces (and deletes) the older."""
    previous = request.session.get(PENDING)
    if previous and (pending is None or previous["stored_name"] != pending["stored_name"]):
        _discard_upload(previous["stored_name"])
    if pending is None:
        request.session.pop(PENDING, None)
    else:
        request.session[PENDING] = pending


def _kind_fields(form: NewImportForm) -> list[dict[str, Any]]:
    """The fields only some kinds need, each with those kinds, drawn once in form order and
    shown for the chosen kind only."""
    chosen = form["kind"].value() or ImportKind.values[0]
    fields = []
    for name in form.fields:
        kinds = [kind for kind, names in KIND_FIELDS.items() if name in names]
        if kinds:
            field: BoundField = form[name]
            fields.append({"field": field, "kinds": " ".join(kinds), "shown": chosen in kinds})
    return fields


@login_required
@require_http_methods(["GET", "POST"])
def new_import(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = NewImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind, options = form.cleaned_data["kind"], form.run_options()
        stored_name = _store_upload(upload)
        try:
            # Reading the first rows now puts an unreadable file or a missing column on the
            # form, before anything waits in the session.
            preview_file(kind, _stored_path(stored_name), options, limit=1)
        except SourceError as exc:
            _discard_upload(stored_name)
            form.add_error("file", _as_uploaded(exc, stored_name, upload.name))
        except Exception:
            _discard_upload(stored_name)  # a reader bug must not leave the upload behind
            raise
        else:
            token = secrets.token_urlsafe(12)
            _set_pending(
                request,
                {
                    "token": token,
                    "kind": kind,
                    "options": options,
                    "stored_name": stored_name,
                    "source_name": upload.name,
                    "size": upload.size,
                },
            )
            return redirect("imports:preview", token=token)
    context = {
        "form": form,
        "kind_fields": _kind_fields(form),
        "max_mb": settings.KAIZEN_MAX_IMPORT_MB,
    }
    return render(request, "imports/new.html", context)


def _mapped(record: Any) -> dict[str, Any]:
    """What a parsed incident becomes, as the preview shows it: its values after its whole
    history (the initial values with every step's changes applied)."""
    values = dict(record.values)
    for step in record.steps:
        values.update(step.values)
    state = values.get("state")
    return {
        "number": record.number,
        "opened_at": record.opened_at,
        "state": State(state).label if state in State.values else state,
        "priority": values.get("priority"),
        "assignment_group": values.get("assignment_group"),
        "assignee": values.get("assignee"),
        "steps": len(record.steps),
    }


@login_required
@require_GET
def preview_import(request: HttpRequest, token: str) -> HttpResponse:
    _require_importer(request)
    pending = _pending(request, token)
    try:
        preview = preview_file(
            pending["kind"],
            _stored_path(pending["stored_name"]),
            pending["options"],
            PREVIEW_ROWS,
            whole=True,
        )
    except SourceError as exc:  # the stored file went missing since the upload
        _set_pending(request, None)
        reason = _as_uploaded(exc, pending["stored_name"], pending["source_name"])
        messages.error(request, f"The upload cannot be read any more ({reason}); upload it again.")
        return redirect("imports:new")
    context = {
        "pending": pending,
        "kind_label": ImportKind(pending["kind"]).label,
        "columns": preview.columns,
        "rows": [[row.get(column, "") for column in preview.columns] for row in preview.rows],
        "work_log": pending["kind"] == ImportKind.WORK_LOG_CSV,
        # A work log's rows are shown as read (SeenWork); a ticket file's as incidents.
        "records": preview.records
        if pending["kind"] == ImportKind.WORK_LOG_CSV
        else [_mapped(record) for record in preview.records],
        "problems": preview.problems,
        "preview_rows": PREVIEW_ROWS,
        "profile": preview.profile,
    }
    return render(request, "imports/preview.html", context)


def _enqueue(run: ImportRun) -> None:
    # After commit: a worker picking the task up at once must find the run saved.
    transaction.on_commit(lambda: run_uploaded_import(run.pk))


@login_required
@require_POST
def start_import(request: HttpRequest, token: str) -> HttpResponse:
    _require_importer(request)
    pending = _pending(request, token)
    run = services.do_create_import_run(
        pending["kind"],
        source_name=pending["source_name"],
        actor=request.user,
        options=pending["options"],
        upload=pending["stored_name"],
    )
    request.session.pop(PENDING, None)  # the file is the run's now: not deleted
    _enqueue(run)
    return redirect(run)


@login_required
@require_POST
def discard_import(request: HttpRequest, token: str) -> HttpResponse:
    _require_importer(request)
    _pending(request, token)
    _set_pending(request, None)
    return redirect("imports:new")


@login_required
@require_POST
def run_again(request: HttpRequest, pk: int) -> HttpResponse:
    """Import an interrupted or failed run's file again: records already imported are skipped,
    so the new run picks up where the old one stopped."""
    old = _run_for(request, pk)
    if old.status in ACTIVE or old.status == RunStatus.FINISHED or not old.upload:
        messages.error(request, "Only an interrupted or failed web import can be run again.")
        return redirect(old)
    run = services.do_create_import_run(
        old.kind,
        source_name=old.source_name,
        actor=request.user,
        options=old.options,
        upload=old.upload.name,
    )
    _enqueue(run)
    return redirect(run)


# -- a run: progress, summary, row errors -----------------------------------------------------


def _seconds(run: ImportRun) -> float | None:
    if "seconds" in run.summary:
        return run.summary["seconds"]
    if run.started_at:
        end = run.finished_at or timezone.now()
        return round((end - run.started_at).total_seconds(), 1)
    return None


def _progress(run: ImportRun) -> dict[str, Any]:
    """The figures that move while a run goes: the page draws them, the JSON repeats them."""
    return {
        "status": run.status,
        "status_label": run.get_status_display(),
        "active": run.status in ACTIVE,
        "percent_done": run.percent_done,
        "rows_read": run.rows_read,
        "records_created": run.records_created,
        "records_present": run.records_present,
        "records_refused": run.records_refused,
        "rows_rejected": run.rows_rejected,
        "events_written": run.events_written,
        "seconds": _seconds(run),
    }


def _option_lines(options: dict[str, Any]) -> list[tuple[str, str]]:
    """The options a run was given, as (name, text); a mapping is summed up, not dumped."""
    lines = []
    for name, value in options.items():
        if name == "mapping":
            parts = [f"source {value['source']!r}"] if value.get("source") else []
            for section in ("columns", "activities", "resources"):
                if value.get(section):
                    parts.append(f"{len(value[section])} {section}")
            lines.append((name, ", ".join(parts) or "no section"))
        elif isinstance(value, list):
            if value:
                lines.append((name, ", ".join(map(str, value))))
        elif value not in (None, ""):
            lines.append((name, str(value)))
    return lines


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    if run.status == RunStatus.RUNNING and services.mark_stale_runs_interrupted():
        run.refresh_from_db()
    errors = Paginator(run.row_errors.all(), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    problems_by_reason = sorted(
        run.summary.get("problems_by_reason", {}).items(), key=lambda item: -item[1]
    )
    progress = _progress(run)
    history = run.summary.get("history")
    context = {
        "run": run,
        "progress": progress,
        "history": [(label, history.get(key, 0)) for key, label in HISTORY_COUNTS.items()]
        if history is not None
        else [],
        "warnings": run.summary.get("warnings", []),
        "figures": [
            {"key": key, "label": _figure_label(run, key, label), "value": progress[key]}
            for key, label in FIGURES
        ],
        "options": _option_lines(run.options),
        "problems_by_reason": problems_by_reason,
        "page_obj": errors,
        "can_run_again": run.status in (RunStatus.FAILED, RunStatus.INTERRUPTED)
        and bool(run.upload),
    }
    return render(request, "imports/run_detail.html", context)


@login_required
@require_GET
def run_progress(request: HttpRequest, pk: int) -> JsonResponse:
    run = _run_for(request, pk)
    if run.status == RunStatus.RUNNING and services.mark_stale_runs_interrupted():
        run.refresh_from_db()
    return JsonResponse(_progress(run))


class _Echo:
    """A file-like object whose write returns the line, for csv.writer to stream through."""

    def write(self, value: str) -> str:
        return value


def _as_text(value: str) -> str:
    """A cell a spreadsheet will not run as a formula; plain numbers such as -100 stay."""
    if value.startswith(FORMULA_STARTS):
        try:
            float(value)
        except ValueError:
            return f"'{value}"
    return value


def _error_lines(run: ImportRun) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(["row", "record", "field", "value", "reason"])
    for error in run.row_errors.all().iterator(chunk_size=2000):
        yield writer.writerow(
            [
                error.row_number,
                _as_text(error.record_key),
                _as_text(error.field),
                _as_text(error.value),
                _as_text(error.reason),
            ]
        )


@login_required
@require_GET
def run_errors_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    run = _run_for(request, pk)
    # Streamed: a bad export can have hundreds of thousands of rejected rows.
    response = StreamingHttpResponse(_error_lines(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-errors.csv"'
    return response
