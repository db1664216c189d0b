"""The browsable API (DRF's HTML pages for a person with a browser)."""

from typing import Any

from csp.constants import UNSAFE_INLINE
from rest_framework.renderers import BrowsableAPIRenderer


class KaizenBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API, whose templates set a few style="" attributes and a <style> block
    for code highlighting: its pages alone allow inline styles. Their scripts are DRF's own
    files, so the script policy stays as strict as on every other page; JSON responses are
    not touched."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> Any:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
