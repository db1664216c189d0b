"""The "New import" form: the kind of file, the file itself, and what each kind needs to read
it (a mapping for ticket exports, column names for event logs, a time zone).

The form only reads and checks what was typed or uploaded; `run_options()` turns it into the
options the import engine (kaizen.imports.services) takes, the same ones `kaizen import` builds
from its arguments.
"""

import tomllib
from collections.abc import Callable
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from kaizen.core.forms import StyledFormMixin
from kaizen.imports.eventlog_mapping import load_eventlog_mapping
from kaizen.imports.models import ImportKind
from kaizen.imports.tickets import MappingError, load_mapping

IMPORT_SUFFIXES = (".csv", ".gz", ".zip")
MAPPING_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
MAX_MAPPING_BYTES = 1024 * 1024  # a mapping is a page of text; anything bigger is a wrong file
EVENTLOG_COLUMN_FIELDS = ("case", "activity", "timestamp")
# Which fields belong to which kind: the template shows only the chosen kind's, and clean()
# checks only those.
KIND_FIELDS = {
    ImportKind.SERVICENOW_EVENTLOG: ("time_zone",),
    ImportKind.TICKETS_CSV: ("mapping_file", "mapping_text"),
    ImportKind.EVENTLOG_CSV: (
        *EVENTLOG_COLUMN_FIELDS,
        "resource",
        "attributes",
        "timestamp_format",
        "time_zone",
        "mapping_file",
        "mapping_text",
    ),
    ImportKind.WORK_LOG_CSV: ("time_zone",),
}
MappingLoader = Callable[[str, str], dict[str, Any]]


def max_import_bytes() -> int:
    return settings.KAIZEN_MAX_IMPORT_MB * 1024 * 1024


def load_pasted_mapping(text: str, load: MappingLoader = load_mapping) -> dict[str, Any]:
    """A mapping typed into the box, TOML, YAML or JSON. A file says which by its name; pasted
    text does not, so it is read as JSON when it starts with "{", else as TOML (what the
    documentation shows) and, when that is not valid TOML but is a YAML table, as YAML.
    Errors of a text that is neither are TOML's."""
    if text.lstrip().startswith("{"):
        return load(text, "mapping.json")
    try:
        return load(text, "mapping.toml")
    except MappingError as toml_error:
        if not isinstance(toml_error.__cause__, tomllib.TOMLDecodeError):
            raise
        try:
            as_yaml = yaml.safe_load(text)
        except yaml.YAMLError:
            raise toml_error from None
        if not isinstance(as_yaml, dict):
            raise toml_error from None
        return load(text, "mapping.yaml")


class NewImportForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="Kind of file")
    file = forms.FileField(
        label="File",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_SUFFIXES)}),
    )
    # ServiceNow event logs, process event logs and work logs
    time_zone = forms.CharField(
        required=False,
        label="Time zone of the file's times",
        help_text="For times without an offset, e.g. Europe/Paris. Default: Kaizen's time zone.",
    )
    # Ticket exports
    mapping_file = forms.FileField(
        required=False,
        label="Mapping file",
        help_text="TOML, YAML or JSON (.toml, .yaml, .yml, .json). A ticket export's names its "
        "column for each Kaizen field; an event log's (optional) maps its activities to "
        "states.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(MAPPING_SUFFIXES)}),
    )
    mapping_text = forms.CharField(
        required=False,
        label="… or paste the mapping",
        widget=forms.Textarea(attrs={"rows": 12, "class": "form-control font-monospace"}),
    )
    # Process event logs
    case = forms.CharField(required=False, label="Case column", help_text="e.g. Case ID")
    activity = forms.CharField(required=False, label="Activity column", help_text="e.g. Activity")
    timestamp = forms.CharField(
        required=False, label="Timestamp column", help_text="e.g. Complete Timestamp"
    )
    resource = forms.CharField(
        required=False,
        label="Resource column",
        help_text="Who did the activity; becomes the assignee. Optional.",
    )
    attributes = forms.CharField(
        required=False,
        label="Attribute columns",
        help_text="Comma-separated columns kept on each incident as source attributes.",
    )
    timestamp_format = forms.CharField(
        required=False,
        label="Timestamp format",
        help_text="A strptime format such as %d-%m-%Y %H:%M:%S. Default: ISO 8601.",
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(IMPORT_SUFFIXES):
            raise forms.ValidationError(
                "Upload a .csv file, a .gz of one, or a .zip holding one CSV file."
            )
        if upload.size and upload.size > max_import_bytes():
            raise forms.ValidationError(
                f"The file is larger than {settings.KAIZEN_MAX_IMPORT_MB} MB. Import it with "
                "`kaizen import` on the server, or ask for KAIZEN_MAX_IMPORT_MB to be raised."
            )
        return upload

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise forms.ValidationError(
                    f"{name!r} is not a time zone (use a name such as Europe/Paris)."
                ) from None
        return name

    def clean_mapping_file(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data["mapping_file"]
        if upload is None:
            return None
        if not (upload.name or "").lower().endswith(MAPPING_SUFFIXES):
            raise forms.ValidationError("Upload a .toml, .yaml or .yml mapping file.")
        if upload.size and upload.size > MAX_MAPPING_BYTES:
            raise forms.ValidationError("A mapping file is at most 1 MB.")
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ImportKind.TICKETS_CSV:
            cleaned["mapping"] = self._mapping(load_mapping, required=True)
        elif kind == ImportKind.EVENTLOG_CSV:
            for name in EVENTLOG_COLUMN_FIELDS:
                if not cleaned.get(name, "").strip():
                    self.add_error(name, "Name the column of the file that holds this.")
            cleaned["mapping"] = self._mapping(load_eventlog_mapping, required=False)
        return cleaned

    def _mapping(self, load: MappingLoader, *, required: bool) -> dict[str, Any] | None:
        """The checked mapping, from the file or the box; a fault goes on the field it came
        from, with the key MappingError names."""
        upload = self.cleaned_data.get("mapping_file")
        text = self.cleaned_data.get("mapping_text", "").strip()
        if "mapping_file" in self.errors:
            return None
        if upload is not None and text:
            self.add_error("mapping_text", "Upload a mapping file or paste one, not both.")
            return None
        if upload is None and not text:
            if required:
                self.add_error(
                    "mapping_file", "A ticket export needs a mapping: upload or paste one."
                )
            return None
        field = "mapping_file" if upload is not None else "mapping_text"
        try:
            if upload is not None:
                content = upload.read().decode("utf-8-sig")
                return load(content, PurePath(upload.name or "").name)
            return load_pasted_mapping(text, load)
        except UnicodeDecodeError:
            self.add_error(field, "The mapping file is not UTF-8 text.")
        except MappingError as exc:
            self.add_error(field, f"Mapping: {exc}")
        return None

    def run_options(self) -> dict[str, Any]:
        """The import run's options for the chosen kind (call after is_valid())."""
        data = self.cleaned_data
        kind = data["kind"]
        if kind == ImportKind.TICKETS_CSV:
            return {"mapping": data["mapping"]}
        time_zone = data.get("time_zone") or None
        if kind == ImportKind.EVENTLOG_CSV:
            mapping = {"mapping": data["mapping"]} if data.get("mapping") else {}
            return {
                **mapping,
                **{name: data[name].strip() for name in EVENTLOG_COLUMN_FIELDS},
                "resource": data.get("resource", "").strip() or None,
                "attributes": [
                    name.strip() for name in data.get("attributes", "").split(",") if name.strip()
                ],
                "timestamp_format": data.get("timestamp_format", "").strip() or None,
                "time_zone": time_zone,
            }
        return {"time_zone": time_zone}
