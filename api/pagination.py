from rest_framework.pagination import CursorPagination, PageNumberPagination


class Pagination(PageNumberPagination):
    """Every list is a page (bounded), like the web lists; `page_size` up to 100."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class NewestFirst(CursorPagination):
    """The audit log: millions of rows, so a cursor (no COUNT) over its own index."""

    page_size = 50
    ordering = ("-timestamp", "-pk")
