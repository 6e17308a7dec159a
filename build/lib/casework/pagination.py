"""One way to cut a list into pages: every list a person sees goes through `paginate`.

A page costs two queries (the count and the rows) whatever the total, and the include
templates/includes/pagination.html draws its links, keeping the page's other query parameters
(filters, sort) so page 2 of a filtered list is page 2 of the same filter.
"""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def paginate(request, items, *, per_page: int = PAGE_SIZE, param: str = "page") -> Page:
    """Return the requested page of `items` (a queryset ordered on a unique key, or a list).

    A missing, malformed or out-of-range page number gives the first or last page rather than
    an error: links get stale as lists change, and a stale link should still land somewhere.
    """
    page = Paginator(items, per_page).get_page(request.GET.get(param))
    others = request.GET.copy()
    others.pop(param, None)
    page.param = param
    page.query = others.urlencode()
    return page
