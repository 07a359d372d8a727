"""Page-number pagination that takes ``page`` as what the schema says it is: a positive
integer (an empty or malformed one is a 404, "Invalid page.", like a page past the end)."""
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1) and raw not in self.last_page_strings:
            raise NotFound(self.invalid_page_message.format(page_number=raw[:40], message="not a page number"))
        return super().get_page_number(request, paginator)
